package dev.lipreg.tensor;

import dev.lipreg.bindings.Availability;
import dev.lipreg.errors.BadArgumentException;
import dev.lipreg.tensor.cuda.CudaBackend;
import dev.lipreg.tensor.dnnl.DnnlBackend;
import dev.lipreg.tensor.ref.ReferenceBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses a backend once: {@code LIPREG_BACKEND} (or system property
 * {@code lipreg.backend}) = reference | dnnl | cuda | auto. Auto takes oneDNN,
 * else the reference backend, and logs why; CUDA is chosen by name
 * ({@code LIPREG_BACKEND=cuda}).
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    private Backends() {
    }

    /** The pure-Java oracle; always available. */
    public static Backend reference() {
        return ReferenceBackend.INSTANCE;
    }

    /** The backend named by {@code name}; throws with the reason when it is unavailable. */
    public static Backend byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "reference", "ref" -> reference();
            case "dnnl", "onednn" -> DnnlBackend.instance();
            case "cuda", "gpu" -> CudaBackend.instance();
            case "auto" -> auto();
            default -> throw BadArgumentException.of("backend", "reference, dnnl, cuda or auto", "'" + name + "'");
        };
    }

    /** The backend chosen by configuration, logged once per JVM. */
    public static Backend configured() {
        return Configured.BACKEND;
    }

    /** The best available backend: oneDNN when it loads, else the reference backend (logged once, with the reason). */
    public static Backend auto() {
        return Auto.BACKEND;
    }

    private static final class Auto {
        static final Backend BACKEND = choose();

        // The intended auto prefers CUDA when a GPU is present (docs/architecture.md, Backends). Until the gpu-tagged suite
        // (gpu/run.sh) has passed on hardware, auto keeps oneDNN and CUDA is opt-in by name;
        // then this becomes: CudaBackend.availability().available() ? CudaBackend.instance() : ...
        private static Backend choose() {
            Availability dnnl = DnnlBackend.availability();
            if (dnnl.available()) return DnnlBackend.instance();
            LOG.info("oneDNN unavailable, using the reference backend: {}", dnnl.detail());
            return reference();
        }
    }

    private static final class Configured {
        static final Backend BACKEND = choose();

        private static Backend choose() {
            String name = System.getProperty("lipreg.backend", System.getenv().getOrDefault("LIPREG_BACKEND", "auto"));
            Backend b = byName(name);
            LOG.info("LipReg backend: {} (LIPREG_BACKEND={})", b.name(), name);
            return b;
        }
    }
}
