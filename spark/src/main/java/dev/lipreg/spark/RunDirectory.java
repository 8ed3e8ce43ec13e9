package dev.lipreg.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A run's output directory written by a task that Spark may run more than once
 * (a retry, a speculative copy): the task writes into a fresh hidden sibling and
 * renames it into place when complete, so readers see either no run, the previous
 * complete run, or the new complete one — never a half-written directory — and a
 * retry replaces what an earlier attempt published.
 */
final class RunDirectory {
    static final String TEMP_SUFFIX = ".tmp";

    private RunDirectory() {
    }

    /** A fresh empty directory beside {@code target} to write the run into. */
    static Path staging(Path target) {
        Path t = target.toAbsolutePath();
        try {
            Files.createDirectories(t.getParent());
            return Files.createDirectory(t.resolveSibling("." + t.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory beside " + t + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves the complete {@code staged} directory to {@code target}, replacing a previous one:
     * the old directory is first renamed aside, then deleted (a rename cannot replace a non-empty directory).
     */
    static void publish(Path staged, Path target) {
        Path t = target.toAbsolutePath();
        try {
            Path old = null;
            if (Files.exists(t)) {
                old = t.resolveSibling("." + t.getFileName() + "." + UUID.randomUUID() + ".old" + TEMP_SUFFIX);
                Files.move(t, old, StandardCopyOption.ATOMIC_MOVE);
            }
            try {
                Files.move(staged, t, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException race) {
                // another attempt published meanwhile: its run is as complete as ours
                delete(staged);
            }
            if (old != null) delete(old);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + t + ": " + e.getMessage(), e);
        }
    }

    /** Removes the staging directories that killed attempts left in {@code dir} (call when no task writes there). */
    static void removeLeftovers(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".") && p.getFileName().toString().endsWith(TEMP_SUFFIX)).toList()) {
                delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir + ": " + e.getMessage(), e);
        }
    }
}
