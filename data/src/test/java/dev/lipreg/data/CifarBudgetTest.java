package dev.lipreg.data;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CIFAR files are checked against the data budget: by length before reading, and while inflating gzip. */
class CifarBudgetTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(DataBudget.PROPERTY);
    }

    private Path records(String name, int n, boolean gz) throws IOException {
        byte[] b = new byte[n * 3073];
        for (int r = 0; r < n; r++) b[r * 3073] = (byte) (r % 10);
        return Files.write(dir.resolve(name), gz ? IdxWriter.gzip(b) : b);
    }

    @Test
    void rawFileOverTheBudgetIsRefusedBeforeReading() throws IOException {
        Path f = records("data_batch_1.bin", 10, false);
        System.setProperty(DataBudget.PROPERTY, "100k"); // 10 records need 30730 bytes + 122880 of floats
        var e = assertThrows(DataTooLargeException.class, () -> CifarReader.read(List.of(f), CifarFormat.CIFAR10, "c"));
        assertTrue(e.getMessage().startsWith(f + ": its content, as bytes and floats, needs"), e.getMessage());
        assertTrue(e.getMessage().contains("over the data memory budget of 102400 bytes"), e.getMessage());
        System.setProperty(DataBudget.PROPERTY, "1m");
        assertEquals(10, CifarReader.read(List.of(f), CifarFormat.CIFAR10, "c").count());
    }

    @Test
    void gzipIsRefusedWhileInflatingNotAfter() throws IOException {
        Path f = records("data_batch_1.bin", 40, true); // 122920 bytes inflated, a few hundred compressed
        System.setProperty(DataBudget.PROPERTY, "200k"); // allows 40960 content bytes
        var e = assertThrows(DataTooLargeException.class, () -> CifarReader.read(List.of(f), CifarFormat.CIFAR10, "c"));
        assertTrue(e.getMessage().contains("its content decompresses to more than 40960 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("-Dlipreg.maxDataBytes=BYTES"), e.getMessage());
    }
}
