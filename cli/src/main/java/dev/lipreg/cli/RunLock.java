package dev.lipreg.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Exclusive use of a run directory: an OS file lock on {@code DIR/.lipreg.lock}, held while a run
 * trains into it. A second process on the same directory is refused at once; a killed process
 * holds nothing (the OS drops its lock), so there is no stale lock to clear by hand. The lock file
 * holds the owner's pid, for the refusal message. Holding the lock, the run also removes temp
 * files that a killed writer left behind (nobody else can be writing them).
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".lipreg.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean createdDir;

    private RunLock(Path dir, FileChannel channel, FileLock lock, boolean createdDir) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.createdDir = createdDir;
    }

    /** Locks {@code dir} (created if absent) or throws a BadInputException naming the process that holds it. */
    static RunLock acquire(String option, Path dir) {
        boolean created = !Files.exists(dir);
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM (another run in-process)
            }
            if (l == null) {
                String owner = owner(ch);
                ch.close();
                throw new BadInputException(option + ": " + dir + " is in use by another lipreg run" + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                        + "; wait for it to finish or choose another directory");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            RunLock lock = new RunLock(dir, ch, l, created);
            lock.removeOrphanTemps();
            return lock;
        } catch (IOException e) {
            try {
                if (ch != null) ch.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot lock run directory " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String owner(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
    }

    /** Temp files of interrupted atomic writes (".NAME.UUID.tmp", see AtomicWrite and SafeTensors.write). */
    private void removeOrphanTemps() throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path t : temps) {
                String n = t.getFileName().toString();
                for (String f : new String[]{RunDir.CHECKPOINT, RunDir.HISTORY, RunDir.MODEL}) {
                    if (n.startsWith("." + f + ".")) Files.deleteIfExists(t);
                }
            }
        }
    }

    /**
     * Releases the lock. A directory this lock created and nothing else was written to is removed
     * again, so a run that fails before its first checkpoint leaves nothing behind; otherwise the
     * lock file stays (deleting it could let two later runs lock two different files).
     */
    @Override
    public void close() {
        try (channel) {
            boolean onlyLock;
            try (var s = Files.list(dir)) {
                onlyLock = createdDir && s.allMatch(p -> p.getFileName().toString().equals(FILE));
            }
            if (onlyLock) {
                Files.deleteIfExists(dir.resolve(FILE));
                lock.release();
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            // the lock goes with the channel; a leftover empty directory is harmless
        }
    }
}
