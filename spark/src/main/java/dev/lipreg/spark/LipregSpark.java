package dev.lipreg.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The {@code lipreg-spark} command: {@code eval} and {@code sweep} on a Spark cluster
 * ({@code spark-submit --class dev.lipreg.spark.LipregSpark lipreg-spark-all.jar ...})
 * or in local mode ({@code --master local[N]}). Exit codes as {@code lipreg}'s: 0 success,
 * 2 bad usage, settings, checkpoint or data (one line, before any task runs), 1 a failed job.
 */
@Command(name = "lipreg-spark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "LipReg on Apache Spark: distributed robustness evaluation and hyperparameter sweeps.",
        subcommands = {EvalCommand.class, SweepCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 bad usage, settings or data, 1 a failed Spark job."})
public final class LipregSpark implements Callable<Integer> {
    static final int OK = 0, FAILURE = 1, BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** A running context the commands use instead of starting one (left running), or null. */
    private final JavaSparkContext given;

    private LipregSpark(JavaSparkContext given) {
        this.given = given;
    }

    /**
     * Runs the command (as spark-submit's main class) and exits the JVM with its exit code.
     *
     * @param args the command line, e.g. {@code eval --checkpoint runs/a --master local[4]}
     */
    public static void main(String[] args) {
        System.exit(commandLine(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true)).execute(args));
    }

    /**
     * A configured command line writing results to {@code out} and messages to {@code err}; each run starts
     * (and stops) a Spark context of its own from the {@code --master} option.
     *
     * @param out receives reports
     * @param err receives messages
     * @return the command line; {@code execute(args)} returns the exit code
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, null);
    }

    /**
     * As {@link #commandLine(PrintWriter, PrintWriter)}, running its jobs on {@code context} (left running)
     * instead of a context of its own.
     *
     * @param out     receives reports
     * @param err     receives messages
     * @param context a running Spark context, or null to start one per run
     * @return the command line; {@code execute(args)} returns the exit code
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err, JavaSparkContext context) {
        CommandLine cl = new CommandLine(new LipregSpark(context));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            boolean bad = e instanceof BadSettingException;
            line.getErr().println("lipreg-spark " + line.getCommandName() + ": " + (bad ? "" : "error: ")
                    + (e instanceof BadSettingException || e instanceof JobFailedException ? e.getMessage() : Failures.message(e)));
            return bad ? BAD_INPUT : FAILURE;
        });
        return cl;
    }

    /** The Spark context of a subcommand's run. */
    Session session(SparkOptions options, String app) {
        return given != null ? new Session(given, false) : options.session(app);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }

    /** The Spark options every subcommand takes. */
    static final class SparkOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master, e.g. local[2] or spark://host:7077. Default: spark-submit's --master, else local[*].")
        String master;

        @Option(names = "--task-threads", paramLabel = "N", defaultValue = "1",
                description = "OpenMP threads of each task; set spark.task.cpus to the same. Default: ${DEFAULT-VALUE}.")
        int taskThreads;

        /**
         * A new Spark context for {@code app}, stopped on close: spark-submit's settings (system properties),
         * --master over them, local[*] without either.
         */
        Session session(String app) {
            SparkConf conf = new SparkConf().setAppName(app);
            if (master != null) conf.setMaster(master);
            else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
            if (conf.get("spark.master").startsWith("local")) conf.setIfMissing("spark.ui.enabled", "false");
            return new Session(new JavaSparkContext(conf), true);
        }
    }

    /** A Spark context for one command, stopped at the end when the command started it. */
    record Session(JavaSparkContext context, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) context.close();
        }
    }
}
