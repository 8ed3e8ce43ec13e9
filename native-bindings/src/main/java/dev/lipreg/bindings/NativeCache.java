package dev.lipreg.bindings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Copies classpath resources (native libraries) into one cache directory and keeps the copies valid.
 *
 * <p>Each file {@code F} has a sidecar {@code F.sha256} holding "size sha256" of the resource it
 * came from. A start-up check compares the sizes only (resource, sidecar, file), so a warm JVM does
 * not rehash 90 MB; a truncated copy fails that check and is recopied. Without a sidecar the file
 * is hashed and recopied only if it differs. Writers hold an exclusive lock on {@code .lock} in the
 * directory (two JVMs may start at once), write to a temp file in the same directory and rename it
 * over the target atomically, so a reader never sees a half-written library and a library already
 * mapped by another process is never modified in place.
 */
final class NativeCache {

    private static final Logger LOG = LoggerFactory.getLogger(NativeCache.class);
    private static final String LOCK_FILE = ".lock";
    private static final String TMP_SUFFIX = ".tmp";
    /** FileChannel locks are per process: threads of one JVM queue here before taking the file lock. */
    private static final Object JVM_LOCK = new Object();

    private final Path dir;

    NativeCache(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    Path dir() {
        return dir;
    }

    /** Returns {@code dir/fileName}, a verified copy of {@code resource}, copying it first if needed. */
    Path ensure(URL resource, String fileName) throws IOException {
        Path target = dir.resolve(fileName);
        Path sidecar = sidecarOf(target);
        long resourceSize = resource.openConnection().getContentLengthLong();
        if (sizesMatch(target, sidecar, resourceSize)) {
            return target;
        }
        Files.createDirectories(dir);
        synchronized (JVM_LOCK) {
            try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock()) {
                if (sizesMatch(target, sidecar, resourceSize)) {
                    return target; // another JVM finished the copy while we waited
                }
                deleteStaleTemps(fileName); // temps are only written under the lock: these are from a killed JVM
                refresh(resource, target, sidecar);
            }
        }
        return target;
    }

    private void refresh(URL resource, Path target, Path sidecar) throws IOException {
        Path tmp = Files.createTempFile(dir, target.getFileName() + ".", TMP_SUFFIX);
        try {
            shareable(tmp, "rwxr-xr-x"); // temp files start as 0600; a cache dir may be shared
            Checksum wanted = copy(resource, tmp);
            if (Files.isRegularFile(target) && Files.size(target) == wanted.size()
                    && hash(target).equals(wanted.sha256())) {
                LOG.debug("{} is intact, recording its checksum", target);
            } else {
                LOG.info("Extracting {} ({} bytes) to {}", resource.getPath(), wanted.size(), target);
                move(tmp, target);
            }
            Path sideTmp = Files.createTempFile(dir, sidecar.getFileName() + ".", TMP_SUFFIX);
            try {
                shareable(sideTmp, "rw-r--r--");
                Files.writeString(sideTmp, wanted.size() + " " + wanted.sha256() + "\n", StandardCharsets.US_ASCII);
                move(sideTmp, sidecar);
            } finally {
                Files.deleteIfExists(sideTmp);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file recording "size sha256" of {@code file}'s source. */
    static Path sidecarOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".sha256");
    }

    /** Cheap validity check: file size equals the recorded size, which equals the resource's (when known). */
    private static boolean sizesMatch(Path target, Path sidecar, long resourceSize) {
        try {
            if (!Files.isRegularFile(target) || !Files.isRegularFile(sidecar)) {
                return false;
            }
            Checksum recorded = Checksum.parse(Files.readString(sidecar, StandardCharsets.US_ASCII));
            return recorded != null && Files.size(target) == recorded.size()
                    && (resourceSize < 0 || resourceSize == recorded.size());
        } catch (IOException e) {
            return false; // unreadable or vanished between the checks: take the slow path
        }
    }

    private void deleteStaleTemps(String fileName) throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, fileName + ".*" + TMP_SUFFIX)) {
            for (Path p : stale) {
                LOG.debug("Removing stale temp file {}", p);
                Files.deleteIfExists(p);
            }
        }
    }

    private static void shareable(Path file, String permissions) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot set permissions of {}: {}", file, e.toString());
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE); // rename(2): replaces the target atomically
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Checksum copy(URL resource, Path to) throws IOException {
        MessageDigest md = sha256();
        long size;
        try (InputStream in = new DigestInputStream(resource.openStream(), md);
             OutputStream out = Files.newOutputStream(to, StandardOpenOption.TRUNCATE_EXISTING)) {
            size = in.transferTo(out);
        }
        return new Checksum(size, HexFormat.of().formatHex(md.digest()));
    }

    static String hash(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Size and SHA-256 (lower-case hex) of a file, as stored in the sidecar. */
    record Checksum(long size, String sha256) {

        static Checksum parse(String text) {
            String[] parts = text.trim().split(" ");
            if (parts.length != 2 || parts[1].length() != 64) {
                return null;
            }
            try {
                return new Checksum(Long.parseLong(parts[0]), parts[1]);
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
