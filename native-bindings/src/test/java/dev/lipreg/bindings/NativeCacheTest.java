package dev.lipreg.bindings;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Extraction and verification, in-process, on temp directories. */
class NativeCacheTest {

    @TempDir
    Path tmp;

    private URL source(int size) throws IOException {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        Path src = tmp.resolve("src-" + size + ".so");
        Files.write(src, bytes);
        return src.toUri().toURL();
    }

    private static void assertSameContent(URL expected, Path actual) throws IOException {
        try (var in = expected.openStream()) {
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(actual), "content of " + actual);
        }
    }

    private static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void extractsTheBundledLibgompIntoAnEmptyDirectory() throws IOException {
        URL gomp = getClass().getClassLoader().getResource(NativeLibraries.DNNL_RESOURCE_DIR + NativeLibraries.GOMP);
        assertNotNull(gomp, "the dnnl carrier jar is on the test classpath");
        Path dir = tmp.resolve("cache/dnnl-x");
        Path file = new NativeCache(dir).ensure(gomp, NativeLibraries.GOMP);
        assertEquals(dir.resolve(NativeLibraries.GOMP), file);
        assertSameContent(gomp, file);
        NativeCache.Checksum recorded = NativeCache.Checksum.parse(Files.readString(dir.resolve("libgomp.so.1.sha256")));
        assertNotNull(recorded);
        assertEquals(Files.size(file), recorded.size());
        assertEquals(NativeCache.hash(file), recorded.sha256());
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void aValidCopyIsNotRewritten() throws IOException {
        URL src = source(100_000);
        NativeCache cache = new NativeCache(tmp.resolve("c"));
        Path file = cache.ensure(src, "lib.so");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, old);
        Object inode = Files.readAttributes(file, "unix:ino").get("ino");
        assertEquals(file, cache.ensure(src, "lib.so"));
        assertEquals(old, Files.getLastModifiedTime(file), "no re-copy");
        assertEquals(inode, Files.readAttributes(file, "unix:ino").get("ino"));
    }

    @Test
    void aTruncatedCopyIsRepaired() throws IOException {
        URL src = source(200_000);
        NativeCache cache = new NativeCache(tmp.resolve("c"));
        Path file = cache.ensure(src, "lib.so");
        try (var ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(1234);
        }
        cache.ensure(src, "lib.so");
        assertSameContent(src, file);
        assertEquals(List.of(), tempFiles(tmp.resolve("c")));
    }

    @Test
    void withoutASidecarAnIntactCopyIsKeptAndACorruptOneReplaced() throws IOException {
        URL src = source(50_000);
        Path dir = tmp.resolve("c");
        NativeCache cache = new NativeCache(dir);
        Path file = cache.ensure(src, "lib.so");
        Path sidecar = dir.resolve("lib.so.sha256");

        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(file, old);
        Files.delete(sidecar);
        cache.ensure(src, "lib.so");
        assertEquals(old, Files.getLastModifiedTime(file), "intact copy kept");
        assertTrue(Files.isRegularFile(sidecar), "sidecar rewritten");

        byte[] garbage = new byte[50_000]; // same size, wrong bytes: only a hash can tell
        Files.write(file, garbage);
        Files.delete(sidecar);
        cache.ensure(src, "lib.so");
        assertSameContent(src, file);
    }

    @Test
    void aSizeMismatchWithTheResourceIsRecopied() throws IOException {
        Path dir = tmp.resolve("c");
        NativeCache cache = new NativeCache(dir);
        cache.ensure(source(1000), "lib.so");
        URL bigger = source(2000); // e.g. a changed jar under the same version directory
        cache.ensure(bigger, "lib.so");
        assertSameContent(bigger, dir.resolve("lib.so"));
    }

    @Test
    void staleTempFilesOfAKilledJvmAreRemoved() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("c"));
        Files.write(dir.resolve("lib.so.12345.tmp"), new byte[10]);
        new NativeCache(dir).ensure(source(1000), "lib.so");
        assertEquals(List.of(), tempFiles(dir));
    }

    @Test
    void concurrentThreadsShareOneCopy() throws Exception {
        URL src = source(300_000);
        Path dir = tmp.resolve("c");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Callable<Path> task = () -> new NativeCache(dir).ensure(src, "lib.so");
                results.add(pool.submit(task));
            }
            for (Future<Path> f : results) {
                assertEquals(dir.resolve("lib.so"), f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertSameContent(src, dir.resolve("lib.so"));
        assertEquals(List.of(), tempFiles(dir));
    }
}
