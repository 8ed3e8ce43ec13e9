package dev.lipreg.tensor.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Replaces a file all at once: the content goes to a temp file in the same
 * directory, is forced to disk, then renamed over the target. Readers see the old
 * file or the new one, never a mix; a failure at any point deletes the temp file
 * and leaves the old file as it was.
 */
final class AtomicFile {
    private static final int NAME_ATTEMPTS = 16;

    private AtomicFile() {
    }

    /** Writes the content of a file through an open channel. */
    @FunctionalInterface
    interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null) throw new IOException("cannot write " + target + ": it has no parent directory");
        FileChannel channel = null;
        Path temp = null;
        try {
            for (int attempt = 0; channel == null; attempt++) {
                // Not Files.createTempFile: that creates mode 0600, which the renamed checkpoint would keep.
                Path candidate = dir.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
                try {
                    channel = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    temp = candidate;
                } catch (FileAlreadyExistsException e) {
                    if (attempt + 1 >= NAME_ATTEMPTS) throw e;
                }
            }
            content.writeTo(channel);
            channel.force(true);
            channel.close();
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable e) {
            cleanUp(channel, temp, e);
            throw e;
        }
        syncDirectory(dir);
    }

    private static void cleanUp(FileChannel channel, Path temp, Throwable cause) {
        try {
            if (channel != null) channel.close();
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
        try {
            if (temp != null) Files.deleteIfExists(temp);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** Makes the rename itself durable; best effort, as not every platform can open a directory. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // The new file is complete and in place; only its durability across a power loss is weaker.
        }
    }
}
