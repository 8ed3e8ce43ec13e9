package dev.lipreg.bindings;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Looks for the CUDA libraries LipReg uses (runtime, cuBLAS, cuDNN, NVRTC), in this order: {@code LIPREG_CUDA_LIB_DIR} (a
 * path list), {@code LD_LIBRARY_PATH}, {@code /usr/local/cuda/lib64}, {@code /usr/lib/x86_64-linux-gnu},
 * then NVIDIA's pip wheels ({@code site-packages/nvidia/<pkg>/lib}, e.g. {@code nvidia/cuda_nvrtc/lib}, {@code nvidia/cu13/lib})
 * under the active virtualenv/conda env, the system and the user's Python site directories.
 * The first directory holding any accepted file name wins; within it the newest soname wins.
 */
final class CudaLibraryFinder {

    static final String DIR_ENV = "LIPREG_CUDA_LIB_DIR";

    /** Short name → accepted file names, newest first. Order matters for loading: cublasLt before cublas. */
    static final Map<String, List<String>> LIBRARIES = libraries();

    private static Map<String, List<String>> libraries() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("cudart", List.of("libcudart.so.13", "libcudart.so.12", "libcudart.so"));
        m.put("cublasLt", List.of("libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"));
        m.put("cublas", List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so"));
        m.put("cudnn", List.of("libcudnn.so.9", "libcudnn.so"));
        m.put("nvrtc", List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so")); // run-time kernel compiler
        return Collections.unmodifiableMap(m);
    }

    private final List<Path> dirs;

    CudaLibraryFinder(List<Path> dirs) {
        this.dirs = List.copyOf(dirs);
    }

    static CudaLibraryFinder forSystem() {
        return new CudaLibraryFinder(searchDirs(System.getenv(), Path.of(System.getProperty("user.home")), Path.of("/")));
    }

    List<Path> dirs() {
        return dirs;
    }

    /** The found files by short name, in {@link #LIBRARIES} order. */
    Map<String, Path> findAll() {
        Map<String, Path> found = new LinkedHashMap<>();
        LIBRARIES.forEach((name, files) -> find(files).ifPresent(p -> found.put(name, p)));
        return found;
    }

    Optional<Path> find(List<String> fileNames) {
        for (Path dir : dirs) {
            for (String f : fileNames) {
                Path p = dir.resolve(f);
                if (Files.isRegularFile(p)) { // follows symlinks: libcudart.so.13 -> libcudart.so.13.0.96
                    return Optional.of(p.toAbsolutePath());
                }
            }
        }
        return Optional.empty();
    }

    /** The search path for the given environment, home directory and file-system root (tests pass a temp root). */
    static List<Path> searchDirs(Map<String, String> env, Path home, Path root) {
        Set<Path> dirs = new LinkedHashSet<>();
        pathList(env.get(DIR_ENV)).forEach(dirs::add);
        pathList(env.get("LD_LIBRARY_PATH")).forEach(dirs::add);
        dirs.add(root.resolve("usr/local/cuda/lib64"));
        dirs.add(root.resolve("usr/lib/x86_64-linux-gnu"));
        for (Path site : sitePackages(env, home, root)) {
            for (Path pkg : list(site.resolve("nvidia"), "*")) {
                dirs.add(pkg.resolve("lib")); // nvidia/cuda_runtime/lib, nvidia/cublas/lib, nvidia/cu13/lib ...
            }
        }
        dirs.removeIf(d -> !Files.isDirectory(d));
        return List.copyOf(dirs);
    }

    private static List<Path> sitePackages(Map<String, String> env, Path home, Path root) {
        List<Path> sites = new ArrayList<>();
        for (String envVar : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String prefix = env.get(envVar);
            if (!NativeLibraries.isBlank(prefix)) {
                sites.addAll(list(Path.of(prefix).resolve("lib"), "python3*").stream()
                        .map(p -> p.resolve("site-packages")).toList());
            }
        }
        sites.add(root.resolve("usr/lib/python3/dist-packages"));
        for (Path base : List.of(root.resolve("usr/local/lib"), root.resolve("usr/lib"), home.resolve(".local/lib"))) {
            for (Path py : list(base, "python3*")) {
                sites.add(py.resolve("site-packages"));
                sites.add(py.resolve("dist-packages"));
            }
        }
        return sites;
    }

    private static List<Path> pathList(String value) {
        if (NativeLibraries.isBlank(value)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (String s : value.split(File.pathSeparator)) {
            if (!s.isBlank()) {
                out.add(Path.of(s).toAbsolutePath());
            }
        }
        return out;
    }

    /** Entries of {@code dir} matching {@code glob}, sorted; empty if {@code dir} is missing or unreadable. */
    private static List<Path> list(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            ds.forEach(out::add);
        } catch (IOException | SecurityException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }
}
