package dev.lipreg.cli;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import picocli.CommandLine.Option;

/** {@code --backend}: which tensor backend runs the computation. */
final class BackendOption {
    @Option(names = "--backend", paramLabel = "NAME",
            description = "Tensor backend: auto (oneDNN; when it cannot load, an error unless LIPREG_FALLBACK=reference), dnnl, cuda or reference. "
                    + "Default: $LIPREG_BACKEND or auto.")
    String name;

    Backend resolve() {
        try {
            return name == null ? Backends.configured() : Backends.byName(name);
        } catch (IllegalArgumentException e) {
            if (name == null) throw new BadInputException(e.getMessage(), e); // a bad LIPREG_BACKEND / lipreg.backend
            throw BadInputException.of("--backend", "auto, dnnl, cuda or reference", "'" + name + "'");
        } catch (RuntimeException e) {
            // a backend that exists but cannot load here (no oneDNN for this CPU, no GPU, native access disabled)
            throw new BadInputException("--backend " + (name == null ? "auto" : name) + ": unavailable: " + e.getMessage(), e);
        }
    }
}
