package dev.lipreg.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code lipreg} in-process with captured stdout and stderr. */
record CliRun(int code, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Lipreg.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** For assertion messages. */
    String dump() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
