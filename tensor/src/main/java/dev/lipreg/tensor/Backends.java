package dev.lipreg.tensor;

import dev.lipreg.bindings.Availability;
import dev.lipreg.bindings.NativeUnavailableException;
import dev.lipreg.errors.BadArgumentException;
import dev.lipreg.tensor.cuda.CudaBackend;
import dev.lipreg.tensor.dnnl.DnnlBackend;
import dev.lipreg.tensor.ref.ReferenceBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Chooses a backend once per JVM. {@code LIPREG_BACKEND} (or system property {@code lipreg.backend})
 * = reference | dnnl | cuda | auto names it; unset means auto: oneDNN. When oneDNN cannot load, auto
 * fails with the reason and the fix instead of quietly running the pure-Java reference backend
 * (about 100&times; slower) — unless the user allows that fallback with {@code LIPREG_FALLBACK=reference}
 * (or {@code lipreg.fallback=reference}), in which case a warning goes to standard error as well as the log.
 * CUDA is chosen by name ({@code LIPREG_BACKEND=cuda}).
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

    /** Environment variable naming the backend. */
    public static final String BACKEND_ENV = "LIPREG_BACKEND";
    /** Environment variable that, set to {@code reference}, lets auto fall back to the reference backend. */
    public static final String FALLBACK_ENV = "LIPREG_FALLBACK";

    private Backends() {
    }

    /** {@return the pure-Java oracle; always available} */
    public static Backend reference() {
        return ReferenceBackend.INSTANCE;
    }

    /**
     * The backend named by {@code name}; throws with the reason when it is unavailable.
     *
     * @param name reference, dnnl (onednn), cuda or auto
     * @return the backend
     */
    public static Backend byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "reference", "ref" -> reference();
            case "dnnl", "onednn" -> DnnlBackend.instance();
            case "cuda", "gpu" -> CudaBackend.instance();
            case "auto" -> auto();
            default -> throw BadArgumentException.of("backend", "reference, dnnl, cuda or auto", "'" + name + "'");
        };
    }

    /** {@return the backend chosen by configuration, logged once per JVM; the same as {@link #auto()}} */
    public static Backend configured() {
        return auto();
    }

    /**
     * The backend {@code LIPREG_BACKEND} names, or oneDNN when it is unset or {@code auto}.
     *
     * @throws NativeUnavailableException when oneDNN cannot load and no fallback was allowed; the
     *                                    message names the reason and both ways out
     * @return the backend
     */
    public static Backend auto() {
        return Choice.INSTANCE.get();
    }

    /** The choice, made once; a failure is remembered and rethrown as a fresh exception each time. */
    private static final class Choice {
        static final Choice INSTANCE = new Choice(System.getenv(), System.getProperties());

        private final Backend backend;
        private final RuntimeException failure;

        private Choice(Map<String, String> env, Properties props) {
            Backend b = null;
            RuntimeException f = null;
            try {
                b = choose(env, props);
            } catch (RuntimeException e) {
                f = e;
            }
            backend = b;
            failure = f;
        }

        Backend get() {
            if (backend != null) return backend;
            // a fresh exception per call (this caller's stack), of the kind the choice failed with
            if (failure instanceof BadArgumentException) throw new BadArgumentException(BACKEND_ENV + ": " + failure.getMessage(), failure);
            throw new NativeUnavailableException(failure.getMessage(), failure);
        }

        private static Backend choose(Map<String, String> env, Properties props) {
            String name = setting(BACKEND_ENV, "lipreg.backend", env, props);
            if (name != null && !name.equalsIgnoreCase("auto")) {
                Backend b = byName(name);
                LOG.info("LipReg backend: {} ({}={})", b.name(), BACKEND_ENV, name);
                return b;
            }
            // The intended auto prefers CUDA when a GPU is present (docs/architecture.md, Backends). Until the gpu-tagged suite
            // (gpu/run.sh) has passed on hardware, auto keeps oneDNN and CUDA is opt-in by name.
            Availability dnnl = DnnlBackend.availability();
            if (dnnl.available()) {
                LOG.info("LipReg backend: dnnl ({})", name == null ? BACKEND_ENV + " unset" : BACKEND_ENV + "=auto");
                return DnnlBackend.instance();
            }
            String fallback = setting(FALLBACK_ENV, "lipreg.fallback", env, props);
            if ("reference".equalsIgnoreCase(fallback)) {
                String warning = "LipReg WARNING: oneDNN is unavailable, using the pure-Java reference backend (about 100x slower) "
                        + "because " + FALLBACK_ENV + "=reference: " + dnnl.detail();
                System.err.println(warning); // reaches the user even without an SLF4J provider
                LOG.warn(warning);
                return reference();
            }
            throw new NativeUnavailableException("no fast backend: " + dnnl.detail() + " — fix that, or choose the pure-Java "
                    + "reference backend (about 100x slower) with " + BACKEND_ENV + "=reference, or let LipReg fall back to it "
                    + "when oneDNN is missing with " + FALLBACK_ENV + "=reference");
        }

        private static String setting(String env, String property, Map<String, String> envs, Properties props) {
            String v = props.getProperty(property);
            if (v == null || v.isBlank()) v = envs.get(env);
            return v == null || v.isBlank() ? null : v.strip();
        }
    }
}
