package dev.lipreg.cli;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import picocli.CommandLine.Option;

/** {@code --backend}: which tensor backend runs the computation. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "Tensor backend: auto (oneDNN when it loads, else reference), dnnl, cuda or reference. "
                    + "Default: $LIPREG_BACKEND or auto.")
    String name;

    Backend resolve() {
        if (name == null) return Backends.configured();
        try {
            return Backends.byName(name);
        } catch (IllegalArgumentException e) {
            throw BadInputException.of("--backend", "auto, dnnl, cuda or reference", "'" + name + "'");
        } catch (RuntimeException e) {
            // a backend that exists but cannot load here (no oneDNN for this CPU, no GPU, native access disabled)
            throw new BadInputException("--backend " + name + ": unavailable: " + e.getMessage(), e);
        }
    }
}
