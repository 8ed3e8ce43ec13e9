package dev.lipreg.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The real Fashion-MNIST from Debian's dataset-fashion-mnist package, when installed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FashionMnistRealTest {
    private static final Path DIR = Path.of(System.getProperty("lipreg.fashion.dir",
            "/usr/share/datasets/fashion-mnist"));

    private Dataset train;
    private Dataset test;

    @BeforeAll
    void load() throws IOException {
        if (!Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz"))) {
            return;
        }
        long t0 = System.nanoTime();
        train = FashionMnist.load(DIR, Split.TRAIN);
        long t1 = System.nanoTime();
        test = FashionMnist.load(DIR, Split.TEST);
        System.out.printf("Fashion-MNIST load: train %.0f ms, test %.0f ms%n", (t1 - t0) / 1e6,
                (System.nanoTime() - t1) / 1e6);
    }

    private void assumeInstalled() {
        assumeTrue(train != null,
                "Fashion-MNIST not installed at " + DIR + " (apt-get install dataset-fashion-mnist)");
    }

    @Test
    void shapes() {
        assumeInstalled();
        assertEquals(60000, train.count());
        assertEquals(10000, test.count());
        for (Dataset d : new Dataset[] {train, test}) {
            assertEquals(1, d.channels());
            assertEquals(28, d.height());
            assertEquals(28, d.width());
            assertEquals(10, d.numClasses());
        }
    }

    @Test
    void classesAreBalanced() {
        assumeInstalled();
        int[] sixThousand = new int[10];
        int[] oneThousand = new int[10];
        Arrays.fill(sixThousand, 6000);
        Arrays.fill(oneThousand, 1000);
        assertArrayEquals(sixThousand, train.classCounts());
        assertArrayEquals(oneThousand, test.classCounts());
    }

    @Test
    void pixelsSpanTheUnitInterval() {
        assumeInstalled();
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : train.images()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
    }

    @Test
    void firstTrainingLabelIsAnkleBootReadFromTheFileItself() throws IOException {
        assumeInstalled();
        // Read byte 8 of the label file independently of IdxReader.
        try (InputStream in = new GZIPInputStream(Files.newInputStream(DIR.resolve("train-labels-idx1-ubyte.gz")))) {
            byte[] header = in.readNBytes(9);
            assertEquals(0x00000801, ByteBuffer.wrap(header).getInt(0));
            int first = header[8] & 0xFF;
            assertEquals(first, train.label(0));
            assertEquals(9, first);
            assertEquals("Ankle boot", FashionMnist.className(first));
        }
    }

    @Test
    void statisticsMatchTheConstants() {
        assumeInstalled();
        Normalization n = Normalization.of(train);
        assertEquals(Normalization.FASHION_MNIST.mean()[0], n.mean()[0], 1e-4);
        assertEquals(Normalization.FASHION_MNIST.std()[0], n.std()[0], 1e-4);
        System.out.println("Fashion-MNIST train statistics: " + n);
    }

    @Test
    void batchingAWholeEpochCoversTheTrainingSet() {
        assumeInstalled();
        var batcher = new Batcher(train, 128, true, 7).withDropLast(false);
        assertEquals(469, batcher.batchesPerEpoch());
        int seen = 0;
        for (Batch b : batcher.epoch(0)) {
            seen += b.n();
        }
        assertEquals(60000, seen);
        assertEquals(60000 - 468 * 128, batcher.batch(0, 468).n());
    }
}
