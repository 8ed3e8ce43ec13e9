package dev.lipreg.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spark itself on this JDK with the module's JVM flags: broadcasts, Java-serialized results, a retried task. */
class LocalSparkTest {
    @Test
    void broadcastsAndRetriesRunOnThisJdk() {
        JavaSparkContext sc = TestSpark.context();
        byte[] bytes = new byte[3 << 20];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) i;
        Broadcast<byte[]> blob = sc.broadcast(bytes);
        Broadcast<Map<String, String>> names = sc.broadcast(Map.of("a", "x", "b", "yy"));
        List<String> r = sc.parallelize(List.of(0, 1, 2, 3), 2).map(i -> {
            // the first attempt of partition 0 fails: local[2,2] retries it once
            if (TaskContext.get().partitionId() == 0 && TaskContext.get().attemptNumber() == 0) throw new IllegalStateException("injected");
            return i + ":" + blob.value()[1000 * i] + ":" + names.value().getOrDefault(i % 2 == 0 ? "a" : "b", "?");
        }).collect();
        assertEquals(List.of("0:0:x", "1:-24:yy", "2:-48:x", "3:-72:yy"), r);
    }
}
