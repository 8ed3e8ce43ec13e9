package dev.lipreg.cli;

import dev.lipreg.errors.BadArgumentException;
import dev.lipreg.errors.BadInputFileException;
import dev.lipreg.regularizers.TrainingDivergedException;
import picocli.CommandLine;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * Turns failures into exit codes and one-line messages. Bad input — a value or
 * a file the user gave (BadArgumentException, BadInputFileException, missing
 * files) — is code 2; anything else, including the library's own argument
 * validation failing on what the CLI passed, is code 1: a bug, not the user's
 * fault (docs/conventions.md, "Errors"). Stack traces only with --stacktrace.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean bad = isBadInput(e);
        err.println(cl.getCommandSpec().qualifiedName() + ": " + (bad ? "" : "error: ") + message(e));
        if (wantsStackTrace(parsed)) e.printStackTrace(err);
        err.flush();
        return bad ? Lipreg.BAD_INPUT : Lipreg.FAILURE;
    }

    /** Usage errors (unknown option, a value picocli cannot convert): one line and a pointer to --help. */
    static int usage(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandSpec().qualifiedName() + ": " + e.getMessage()
                + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return Lipreg.BAD_INPUT;
    }

    static boolean isBadInput(Throwable e) {
        return switch (e) {
            case BadArgumentException b -> true; // BadInputException among them
            case BadInputFileException f -> true; // CheckpointFormatException among them
            case TrainingDivergedException d -> false;
            case NoSuchFileException n -> true;
            case FileNotFoundException f -> true;
            case AccessDeniedException a -> true;
            case dev.lipreg.onnx.OnnxException o -> true; // a model file that does not run on the data (a Reshape frozen to another batch size)
            case UncheckedIOException u -> u.getCause() instanceof NoSuchFileException || u.getCause() instanceof AccessDeniedException;
            default -> false;
        };
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof NoSuchFileException n) return "no such file: " + n.getFile() + (n.getReason() == null ? "" : " (" + n.getReason() + ")");
        if (e instanceof BadInputException || e instanceof IllegalArgumentException || e instanceof BadInputFileException
                || e instanceof TrainingDivergedException || e instanceof IOException || e instanceof UncheckedIOException) {
            return oneLine(m == null ? e.getClass().getSimpleName() : m);
        }
        return oneLine(e.getClass().getName() + (m == null ? "" : ": " + m));
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\R\\s*", "; ");
    }

    private static boolean wantsStackTrace(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--stacktrace")) return true;
        }
        return false;
    }
}
