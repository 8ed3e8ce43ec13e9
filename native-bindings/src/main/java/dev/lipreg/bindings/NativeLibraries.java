package dev.lipreg.bindings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Finds native library files and {@code System.load}s them by absolute path. It must be this
 * module's class loader that loads them: the generated bindings resolve symbols through
 * {@code SymbolLookup.loaderLookup()} of their own loader.
 *
 * <p>Cache directory for the bundled oneDNN: system property {@code lipreg.native.dir}, else
 * environment variable {@code LIPREG_NATIVE_DIR}, else {@code $XDG_CACHE_HOME/lipreg/native}, else
 * {@code ~/.cache/lipreg/native}. That is the parent directory; the files go into a per-version
 * subdirectory such as {@code dnnl-3.13-1.5.14/}, so versions never overwrite each other.
 */
public final class NativeLibraries {

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibraries.class);

    /** System property naming the native cache directory (see the class comment). */
    public static final String NATIVE_DIR_PROPERTY = "lipreg.native.dir";
    /** Environment variable naming the native cache directory, when {@link #NATIVE_DIR_PROPERTY} is unset. */
    public static final String NATIVE_DIR_ENV = "LIPREG_NATIVE_DIR";
    /** Environment variable naming a libdnnl.so.3 to load instead of the bundled one. */
    public static final String DNNL_LIB_ENV = "LIPREG_DNNL_LIB";
    /** The JVM flag that permits native access on the class path, for messages. */
    public static final String NATIVE_ACCESS_FLAG = "--enable-native-access=ALL-UNNAMED";

    static final String DNNL_RESOURCE_DIR = "org/bytedeco/dnnl/linux-x86_64/";
    static final String GOMP = "libgomp.so.1";
    static final String DNNL = "libdnnl.so.3";
    private static final String DNNL_POM = "META-INF/maven/org.bytedeco/dnnl/pom.properties";
    /** Used when the carrier jar's pom.properties is absent (e.g. a repackaged jar). */
    private static final String DNNL_DEFAULT_VERSION = "3.13-1.5.14";

    private NativeLibraries() {}

    /** Where the loaded oneDNN came from. {@code gomp} is null when the system's libgomp is used. */
    record DnnlFiles(Path dnnl, Path gomp, boolean fromEnv) {}

    /** {@return the parent cache directory (see the class comment); the version directory goes below it} */
    public static Path cacheRoot() {
        return cacheRoot(System.getenv(), System.getProperties());
    }

    static Path cacheRoot(Map<String, String> env, Properties props) {
        String dir = props.getProperty(NATIVE_DIR_PROPERTY);
        if (isBlank(dir)) {
            dir = env.get(NATIVE_DIR_ENV);
        }
        if (!isBlank(dir)) {
            return Path.of(dir).toAbsolutePath();
        }
        String xdg = env.get("XDG_CACHE_HOME");
        Path base = !isBlank(xdg) ? Path.of(xdg) : Path.of(props.getProperty("user.home"), ".cache");
        return base.resolve("lipreg").resolve("native").toAbsolutePath();
    }

    /** Maven coordinates of the oneDNN carrier jar, for error messages. */
    static String dnnlCoordinates() {
        return "org.bytedeco:dnnl:" + dnnlArtifactVersion() + ":linux-x86_64";
    }

    static String dnnlArtifactVersion() {
        try (InputStream in = NativeLibraries.class.getClassLoader().getResourceAsStream(DNNL_POM)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", DNNL_DEFAULT_VERSION);
            }
        } catch (IOException e) {
            LOG.debug("cannot read {}: {}", DNNL_POM, e.toString());
        }
        return DNNL_DEFAULT_VERSION;
    }

    /**
     * Throws unless this module may call native code (see {@link NativeAccess}). With
     * {@code --enable-native-access=ALL-UNNAMED} (or Enable-Native-Access in a launcher jar's manifest)
     * it may; without the flag the JDK's default mode still permits it, printing a warning that
     * names the flag, and only {@code --illegal-native-access=deny} forbids it.
     */
    static void requireNativeAccess(String library) {
        if (!NativeAccess.permitted()) {
            throw new NativeUnavailableException(library + " is unavailable: " + NO_NATIVE_ACCESS);
        }
    }

    static final String NO_NATIVE_ACCESS = "this JVM denies native access to LipReg (--illegal-native-access=deny). "
                    + "Start the JVM with " + NATIVE_ACCESS_FLAG + ": on the java command line, in the "
                    + "JDK_JAVA_OPTIONS environment variable, or for Maven tests in the surefire <argLine> "
                    + "(MAVEN_OPTS only reaches Maven's own JVM). An executable jar can declare "
                    + "'Enable-Native-Access: ALL-UNNAMED' in its manifest. Pure-Java code keeps working, and "
                    + "LIPREG_BACKEND=reference selects the (much slower) pure-Java backend on purpose.";

    /** Locates (extracting to the cache if needed) and loads libgomp then libdnnl. */
    static DnnlFiles loadDnnl(Map<String, String> env, Properties props) {
        requireNativeAccess("oneDNN");
        String custom = env.get(DNNL_LIB_ENV);
        DnnlFiles files = isBlank(custom) ? extractBundled(env, props) : fromEnv(custom);
        OpenMp.presetDefaults();
        String fix = files.fromEnv()
                ? "Fix or unset " + DNNL_LIB_ENV + " (it must name a linux-x86_64 libdnnl.so.3 built with OpenMP)."
                : "The next start re-verifies the cached copy; if this error persists, delete " + files.dnnl().getParent()
                        + " to force a fresh copy from " + dnnlCoordinates() + ".";
        try {
            if (files.gomp() != null) {
                load(files.gomp(), fix);
            }
            load(files.dnnl(), fix);
        } catch (NativeUnavailableException e) {
            if (!files.fromEnv()) {
                forgetChecksums(files); // a same-size corruption passes the size check: make the next JVM rehash
            }
            throw new NativeUnavailableException("oneDNN is unavailable: " + e.getMessage(), e.getCause());
        }
        LOG.debug("Loaded oneDNN from {} (libgomp: {})", files.dnnl(), files.gomp() == null ? "system" : files.gomp());
        return files;
    }

    private static void forgetChecksums(DnnlFiles files) {
        for (Path p : new Path[] {files.gomp(), files.dnnl()}) {
            try {
                Files.deleteIfExists(NativeCache.sidecarOf(p));
            } catch (IOException e) {
                LOG.debug("cannot delete the checksum of {}: {}", p, e.toString());
            }
        }
    }

    private static DnnlFiles fromEnv(String custom) {
        Path dnnl = Path.of(custom).toAbsolutePath();
        if (!Files.isRegularFile(dnnl)) {
            throw new NativeUnavailableException("oneDNN is unavailable: " + DNNL_LIB_ENV + "=" + custom
                    + " does not name a file (" + dnnl + "). Point it at a libdnnl.so.3, or unset it to use the copy bundled in "
                    + dnnlCoordinates() + ".");
        }
        Path gomp = dnnl.resolveSibling(GOMP); // else the dynamic linker finds the system's libgomp
        return new DnnlFiles(dnnl, Files.isRegularFile(gomp) ? gomp : null, true);
    }

    private static DnnlFiles extractBundled(Map<String, String> env, Properties props) {
        String os = props.getProperty("os.name", "") + "/" + props.getProperty("os.arch", "");
        if (!os.equals("Linux/amd64")) {
            throw new NativeUnavailableException("oneDNN is unavailable: LipReg bundles it for Linux/amd64 only, this is "
                    + os + ". Set " + DNNL_LIB_ENV + " to a libdnnl.so.3 built for this platform.");
        }
        String version = dnnlArtifactVersion();
        NativeCache cache = new NativeCache(cacheRoot(env, props).resolve("dnnl-" + version));
        try {
            Path gomp = cache.ensure(resource(GOMP), GOMP);
            Path dnnl = cache.ensure(resource(DNNL), DNNL);
            return new DnnlFiles(dnnl, gomp, false);
        } catch (IOException e) {
            throw new NativeUnavailableException("oneDNN is unavailable: cannot copy it into the cache directory "
                    + cache.dir() + ": " + e + ". Make it writable or choose another with " + NATIVE_DIR_ENV
                    + " or -D" + NATIVE_DIR_PROPERTY + ".", e);
        }
    }

    private static URL resource(String file) {
        URL url = NativeLibraries.class.getClassLoader().getResource(DNNL_RESOURCE_DIR + file);
        if (url == null) {
            throw new NativeUnavailableException("oneDNN is unavailable: " + DNNL_RESOURCE_DIR + file
                    + " is not on the classpath. Add the Maven dependency " + dnnlCoordinates()
                    + " (groupId org.bytedeco, artifactId dnnl, classifier linux-x86_64), or set "
                    + DNNL_LIB_ENV + " to a system libdnnl.so.3.");
        }
        return url;
    }

    /** {@code System.load} by absolute path; a damaged or foreign file becomes a message naming it. */
    static void load(Path file, String fix) {
        String path = file.toAbsolutePath().toString();
        try {
            System.load(path);
        } catch (UnsatisfiedLinkError e) {
            // dlerror() repeats the path ("/x/lib.so: /x/lib.so: file too short"): keep only the reason
            String reason = String.valueOf(e.getMessage()).replace(path + ": ", "");
            throw new NativeUnavailableException("cannot load " + path + ": " + reason
                    + ". " + fix, e);
        }
    }

    static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
