package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed write leaves the previous file as it was and no temp file behind. */
class SafeTensorsAtomicWriteTest {
    private static final Backend REF = Backends.reference();

    @TempDir
    Path dir;
    private Path file;
    private byte[] previous;

    @BeforeEach
    void writePreviousCheckpoint() throws Exception {
        file = dir.resolve("model.safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("w", Tensor.of(REF, new float[] {1, 2, 3}, 3)), Map.of("epoch", "1"));
        }
        previous = Files.readAllBytes(file);
    }

    @Test
    void failureWhileStreamingTensorDataKeepsThePreviousFile() throws Exception {
        Backend failing = FakeDeviceBackend.create(EnumSet.allOf(DType.class), true);
        try (Scope s = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("a", Tensor.of(REF, new double[1 << 16], 1 << 16)); // F64 sorts first: written before the failure
            tensors.put("z", Bits.i32(failing, new int[] {1, 2}, 2));     // I32 sorts last: fails mid-file
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> SafeTensors.write(file, tensors, Map.of("epoch", "2")));
            assertTrue(e.getMessage().contains("simulated device failure"), e.getMessage());
        }
        assertUnchanged();
    }

    @Test
    void freedTensorIsRejectedBeforeTheDiskIsTouched() throws Exception {
        Tensor freed;
        try (Scope inner = Scope.open()) {
            freed = Tensor.of(REF, new float[] {4}, 1);
        }
        try (Scope s = Scope.open()) {
            Map<String, Tensor> tensors = Map.of("ok", Tensor.of(REF, new float[] {1}, 1), "stale", freed);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SafeTensors.write(file, tensors, null));
            assertTrue(e.getMessage().contains("'stale'") && e.getMessage().contains("Scope closed"), e.getMessage());
        }
        assertUnchanged();
    }

    @Test
    void failedRenameLeavesNoTempFile() throws Exception {
        Path target = dir.resolve("occupied");
        Files.createDirectories(target.resolve("child")); // a non-empty directory cannot be replaced
        try (Scope s = Scope.open()) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> SafeTensors.write(target, Map.of("w", Tensor.of(REF, new float[] {1}, 1)), null));
            assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        }
        assertTrue(Files.isDirectory(target.resolve("child")));
        assertEquals(List.of("model.safetensors", "occupied"), listing());
        assertUnchanged();
    }

    @Test
    void missingDirectoryIsAnIoErrorNamingTheFile() {
        Path target = dir.resolve("no-such-dir").resolve("model.safetensors");
        try (Scope s = Scope.open()) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> SafeTensors.write(target, Map.of("w", Tensor.of(REF, new float[] {1}, 1)), null));
            assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        }
        assertTrue(Files.notExists(target.getParent()));
    }

    @Test
    void successfulOverwriteReplacesTheFileWithOrdinaryPermissions() throws Exception {
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of("w", Tensor.of(REF, new float[] {7, 8}, 2)), Map.of("epoch", "2"));
            SafeTensorFile read = SafeTensors.read(file, REF);
            assertArrayEquals(new float[] {7, 8}, read.tensor("w").toFloatArray());
            assertEquals(Map.of("epoch", "2"), read.metadata());
        }
        assertEquals(List.of("model.safetensors"), listing());
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Path plain = Files.createFile(dir.resolve("plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file),
                    "the checkpoint gets the umask's permissions, not a temp file's 0600");
        }
    }

    private void assertUnchanged() throws Exception {
        assertArrayEquals(previous, Files.readAllBytes(file), "previous checkpoint intact");
        List<String> names = listing();
        assertTrue(names.stream().noneMatch(n -> n.endsWith(".tmp")), "no temp files left: " + names);
    }

    private List<String> listing() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
