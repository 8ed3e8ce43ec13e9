package dev.lipreg.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes reports through a temp file in the target's directory and a rename,
 * so an interrupted run leaves the previous file or none, never half of one.
 * (Checkpoints go through SafeTensors.write, which does the same.)
 */
final class AtomicWrite {
    private AtomicWrite() {
    }

    static void string(Path file, String content) {
        bytes(file, content.getBytes(StandardCharsets.UTF_8));
    }

    static void bytes(Path file, byte[] content) {
        Path target = file.toAbsolutePath();
        Path temp = null;
        try {
            Files.createDirectories(target.getParent());
            // not Files.createTempFile: its mode 0600 would stay with the renamed report
            temp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
            Files.write(temp, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                if (temp != null) Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
