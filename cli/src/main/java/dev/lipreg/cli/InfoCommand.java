package dev.lipreg.cli;

import dev.lipreg.bindings.NativeInfo;
import dev.lipreg.tensor.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code lipreg info}: what this machine offers LipReg. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the Java runtime, native backends (oneDNN version, CPU ISA, threads), CUDA devices and the backend in use.")
final class InfoCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    BackendOption backend;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("LipReg:        " + new Version().getVersion()[0]);
        out.println(NativeInfo.collect().describe());
        Backend b = backend.resolve();
        out.println("Backend:       " + b.name() + " (device " + b.device() + ")"
                + (backend.name == null ? ", chosen by LIPREG_BACKEND=" + System.getenv().getOrDefault("LIPREG_BACKEND", "auto") : ""));
        out.flush();
        return Lipreg.OK;
    }
}
