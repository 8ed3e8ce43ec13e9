package dev.lipreg.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a fresh {@code train} writes before its first checkpoint (the spec, the
 * history, the imported ONNX weights, the lock), removed when the run fails
 * there, so a failed start leaves the output directory as it found it. Only
 * files absent when the command started are removed: never another run's.
 */
final class FreshRunFiles {
    private static final List<String> RUN_FILES = List.of(OnnxInit.DIR, RunDir.MODEL, RunDir.HISTORY, RunLock.FILE);

    private final Path out;
    private final boolean outExisted;
    private final List<String> existed;

    private FreshRunFiles(Path out, boolean outExisted, List<String> existed) {
        this.out = out;
        this.outExisted = outExisted;
        this.existed = existed;
    }

    /** Notes which of the run's files exist in {@code out} now. */
    static FreshRunFiles before(Path out) {
        return new FreshRunFiles(out, Files.exists(out), RUN_FILES.stream().filter(f -> Files.exists(out.resolve(f))).toList());
    }

    /** Deletes the run's files that appeared since {@link #before}, and {@code out} if it appeared and is now empty. */
    void discardNew() {
        try {
            if (!Files.isDirectory(out)) return;
            for (String f : RUN_FILES) if (!existed.contains(f)) deleteTree(out.resolve(f));
            if (!outExisted) {
                try (Stream<Path> left = Files.list(out)) {
                    if (left.findAny().isEmpty()) Files.delete(out);
                }
            }
        } catch (IOException e) {
            // best effort: the original failure is what the user must see
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
