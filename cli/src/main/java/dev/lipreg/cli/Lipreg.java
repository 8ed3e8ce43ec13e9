package dev.lipreg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The {@code lipreg} command: train, evaluate, attack and inspect
 * Lipschitz-regularized models. Exit codes: 0 success, 2 bad usage or bad
 * input (one-line message), 1 any other failure.
 */
@Command(name = "lipreg",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        sortOptions = false,
        description = "Lipschitz-regularized, adversarially robust deep learning (Finlay et al. 2018; tulip 2019).",
        subcommands = {InfoCommand.class, TrainCommand.class, EvalCommand.class, AttackCommand.class, DetectCommand.class,
                GradCommand.class, ExportCommand.class, DemoCommand.class, TheoryCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 2 bad usage or input, 1 other failure.",
                "Backend: --backend or LIPREG_BACKEND = auto | dnnl | reference."})
public final class Lipreg implements Callable<Integer> {
    /** Exit code of a successful run. */
    public static final int OK = 0;
    /** Exit code of any failure that is not the user's input (an I/O error, a bug, a diverged training run). */
    public static final int FAILURE = 1;
    /** Exit code of bad usage or bad input: the one-line message says what to fix. */
    public static final int BAD_INPUT = 2;

    @Option(names = "--stacktrace", description = "Print the stack trace of a failure.", scope = CommandLine.ScopeType.INHERIT)
    boolean stacktrace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Whether stderr may be a terminal (live progress bars); false for captured in-process runs. */
    private final boolean interactive;

    private Lipreg(boolean interactive) {
        this.interactive = interactive;
    }

    /**
     * Runs the command and exits the JVM with its exit code.
     *
     * @param args the command line, e.g. {@code train --epochs 1}
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** {@return a configured command line writing UTF-8 to stdout and stderr, with live progress bars on a terminal} */
    public static CommandLine commandLine() {
        // UTF-8 whatever the locale: tables and messages use ℓ2, ∇ₓ, ε
        return configure(new Lipreg(true), new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    }

    /**
     * A configured command line writing results to {@code out} and messages to {@code err} (tests capture both);
     * progress is never drawn live.
     *
     * @param out receives results (tables, reports)
     * @param err receives messages and progress
     * @return the command line; {@code execute(args)} returns the exit code
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return configure(new Lipreg(false), out, err);
    }

    private static CommandLine configure(Lipreg root, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true); // the last value of a repeated option wins, as in most tools
        cl.setExecutionExceptionHandler(new Failures());
        cl.setParameterExceptionHandler(Failures::usage);
        return cl;
    }

    /** How a subcommand shows progress on its stderr. */
    Progress.Factory progress(CommandLine.Model.CommandSpec sub) {
        return Progress.Factory.of(sub.commandLine().getErr(), interactive);
    }

    /** Without a subcommand: the usage, on stderr, as for any other usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }
}
