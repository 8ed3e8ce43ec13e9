package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A header may declare any size (issue 21: a sparse file declaring a 12 GiB tensor ran out of memory): the budget refuses it first. */
class SafeTensorsLimitsTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearBudget() {
        System.clearProperty(TensorBudget.PROPERTY);
    }

    /** A well-formed file whose one F32 tensor is [rows, cols], sparse: its data bytes are a hole. */
    private Path sparse(long rows, long cols) throws IOException {
        Path f = dir.resolve("big.safetensors");
        long elements = rows * cols;
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0," + elements * 4 + "]}}";
        Files.write(f, MalformedFiles.file(header, new byte[0]));
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() + elements * 4);
        }
        return f;
    }

    @Test
    void twelveGibTensorIsRefusedBeforeAllocating() throws IOException {
        Path f = sparse(3, 1L << 30); // 12 GiB of F32
        System.setProperty(TensorBudget.PROPERTY, "1g");
        try (Scope s = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(f, Backends.reference()));
            assertEquals("cannot load " + f + ": its tensor data needs 12.0 GiB (12884901888 bytes) of memory, over the tensor memory budget of "
                    + "1.0 GiB (1073741824 bytes); raise it with -Dlipreg.maxTensorBytes=BYTES or LIPREG_MAX_TENSOR_BYTES=BYTES (e.g. 16g)",
                    e.getMessage());
            assertEquals(0, s.allocatedBytes());
        }
    }

    @Test
    void headerAloneStaysReadableWhateverTheBudget() throws IOException {
        Path f = sparse(3, 1L << 30);
        System.setProperty(TensorBudget.PROPERTY, "1k");
        assertEquals(12L << 30, SafeTensors.readHeader(f).dataLength());
    }

    @Test
    void withinTheBudgetLoads() throws IOException {
        Path f = sparse(16, 16);
        System.setProperty(TensorBudget.PROPERTY, "1024");
        try (Scope s = Scope.open()) {
            assertEquals(256, SafeTensors.read(f, Backends.reference()).tensors().get("w").size());
        }
        System.setProperty(TensorBudget.PROPERTY, "1023");
        try (Scope s = Scope.open()) {
            assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(f, Backends.reference()));
        }
    }

    @Test
    void badBudgetSettingIsNamed() {
        System.setProperty(TensorBudget.PROPERTY, "-5");
        var e = assertThrows(IllegalArgumentException.class, TensorBudget.BUDGET::bytes);
        assertTrue(e.getMessage().startsWith("-Dlipreg.maxTensorBytes: expected a byte count"), e.getMessage());
    }
}
