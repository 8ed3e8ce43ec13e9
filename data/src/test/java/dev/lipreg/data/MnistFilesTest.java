package dev.lipreg.data;

import dev.lipreg.errors.BadInputFileException;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistFilesTest {
    @TempDir
    Path dir;

    private void writeSplit(String prefix, String sep, boolean gz, int count) {
        String suffix = gz ? ".gz" : "";
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) (i % 10);
        }
        IdxWriter.write(dir.resolve(prefix + "-images" + sep + "idx3-ubyte" + suffix),
                IdxWriter.images(count, 28, 28, IdxWriter.pattern(count * 784)), gz);
        IdxWriter.write(dir.resolve(prefix + "-labels" + sep + "idx1-ubyte" + suffix), IdxWriter.labels(labels), gz);
    }

    @Test
    void debianGzipNames() throws IOException {
        writeSplit("train", "-", true, 20);
        writeSplit("t10k", "-", true, 10);
        Dataset train = FashionMnist.load(dir, Split.TRAIN);
        Dataset test = FashionMnist.load(dir, Split.TEST);
        assertEquals("fashion-mnist-train", train.name());
        assertEquals("fashion-mnist-test", test.name());
        assertEquals(20, train.count());
        assertEquals(10, test.count());
        assertArrayEquals(new int[] {2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, train.classCounts());
    }

    @Test
    void uncompressedAndDottedNames() throws IOException {
        writeSplit("train", "-", false, 3);
        writeSplit("t10k", ".", false, 4);
        assertEquals(3, Mnist.load(dir, Split.TRAIN).count());
        Dataset test = Mnist.load(dir, Split.TEST);
        assertEquals(4, test.count());
        assertEquals("mnist-test", test.name());
    }

    @Test
    void missingFilesListTheAcceptedNames() {
        writeSplit("train", "-", true, 3);
        var e = assertThrows(BadInputFileException.class, () -> FashionMnist.load(dir, Split.TEST));
        assertTrue(e.getCause() instanceof NoSuchFileException, e.toString());
        assertTrue(e.getMessage().contains("no Fashion-MNIST TEST images file"), e.getMessage());
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void classNames() {
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("T-shirt/top", FashionMnist.className(0));
        assertEquals("Ankle boot", FashionMnist.className(9));
        assertThrows(IndexOutOfBoundsException.class, () -> FashionMnist.className(10));
    }
}
