package dev.lipreg.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * One local Spark context for every test class of the module (starting one takes seconds):
 * two executor threads, each task attempted up to twice ({@code local[2,2]}), so retries can be tested.
 */
final class TestSpark {
    private static JavaSparkContext context;

    private TestSpark() {
    }

    static synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = new SparkConf().setMaster("local[2,2]").setAppName("lipreg-spark-test")
                    .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
            context = new JavaSparkContext(conf);
            Runtime.getRuntime().addShutdownHook(new Thread(context::stop));
        }
        return context;
    }
}
