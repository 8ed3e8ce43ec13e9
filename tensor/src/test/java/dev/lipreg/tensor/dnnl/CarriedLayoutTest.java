package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.BatchNormGradients;
import dev.lipreg.tensor.BatchNormResult;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dGradients;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.dnnl_aBcd16b;
import static dev.lipreg.bindings.dnnl.gen.dnnl_h.dnnl_aBcd8b;
import static dev.lipreg.bindings.dnnl.gen.dnnl_h.dnnl_acdb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image tensors that stay in oneDNN's layouts between ops ({@link Carried}): a
 * residual block's forward and backward pass, whose results pass from op to op in
 * channel-blocked and channels-last layouts and meet row-major operands, against the
 * reference backend; and every way out to row-major memory.
 */
class CarriedLayoutTest extends DnnlTestSupport {
    private static final double EPS = 1e-5;

    @Test
    void aResidualBlockForwardAndBackwardMatchTheReference() {
        Pair x = random(1, 8, 32, 8, 8), w1 = random(2, 32, 32, 3, 3), w2 = random(3, 32, 8, 3, 3);
        Pair gamma = random(4, 32), beta = random(5, 32), gamma2 = random(6, 32), beta2 = random(7, 32);
        Conv2dSpec plain = Conv2dSpec.of(1, 1), grouped = Conv2dSpec.of(1, 1, 1, 4);

        // forward: conv → BN → ReLU → grouped conv → BN → + x → ReLU
        Tensor y1 = dnnl.conv2d(x.dnnl(), w1.dnnl(), null, plain), y1r = REF.conv2d(x.ref(), w1.ref(), null, plain);
        assertInstanceOf(Carried.class, y1.storageLayout(), "the convolution's output stays in the layout its kernel wrote");
        BatchNormResult b1 = dnnl.batchNormTraining(y1, gamma.dnnl(), beta.dnnl(), EPS), b1r = REF.batchNormTraining(y1r, gamma.ref(), beta.ref(), EPS);
        assertEquals(y1.storageLayout(), b1.output().storageLayout(), "batch norm runs in its input's layout");
        Tensor a1 = dnnl.unary(UnaryOp.RELU, b1.output(), 0), a1r = REF.unary(UnaryOp.RELU, b1r.output(), 0);
        assertEquals(y1.storageLayout(), a1.storageLayout(), "ReLU runs in its input's layout");
        Tensor y2 = dnnl.conv2d(a1, w2.dnnl(), null, grouped), y2r = REF.conv2d(a1r, w2.ref(), null, grouped);
        BatchNormResult b2 = dnnl.batchNormTraining(y2, gamma2.dnnl(), beta2.dnnl(), EPS), b2r = REF.batchNormTraining(y2r, gamma2.ref(), beta2.ref(), EPS);
        Tensor s = dnnl.binary(BinaryOp.ADD, b2.output(), x.dnnl()), sr = REF.binary(BinaryOp.ADD, b2r.output(), x.ref());
        assertNotNull(s.storageLayout(), "a carried operand plus a row-major one gives the carried layout");
        Tensor out = dnnl.unary(UnaryOp.RELU, s, 0), outr = REF.unary(UnaryOp.RELU, sr, 0);

        // backward from a row-major gradient
        Pair gOut = random(8, 8, 32, 8, 8);
        Tensor gs = dnnl.unaryBackward(UnaryOp.RELU, gOut.dnnl(), s, 0), gsr = REF.unaryBackward(UnaryOp.RELU, gOut.ref(), sr, 0);
        assertEquals(s.storageLayout(), gs.storageLayout(), "a row-major gradient meets a carried input in the carried layout");
        BatchNormGradients g2 = dnnl.batchNormBackward(y2, gamma2.dnnl(), b2.mean(), b2.variance(), gs, EPS);
        BatchNormGradients g2r = REF.batchNormBackward(y2r, gamma2.ref(), b2r.mean(), b2r.variance(), gsr, EPS);
        Conv2dGradients c2 = dnnl.conv2dBackward(a1, w2.dnnl(), g2.input(), grouped), c2r = REF.conv2dBackward(a1r, w2.ref(), g2r.input(), grouped);
        Tensor ga1 = dnnl.unaryBackward(UnaryOp.RELU, c2.input(), b1.output(), 0), ga1r = REF.unaryBackward(UnaryOp.RELU, c2r.input(), b1r.output(), 0);
        BatchNormGradients g1 = dnnl.batchNormBackward(y1, gamma.dnnl(), b1.mean(), b1.variance(), ga1, EPS);
        BatchNormGradients g1r = REF.batchNormBackward(y1r, gamma.ref(), b1r.mean(), b1r.variance(), ga1r, EPS);
        Conv2dGradients c1 = dnnl.conv2dBackward(x.dnnl(), w1.dnnl(), g1.input(), plain), c1r = REF.conv2dBackward(x.ref(), w1.ref(), g1r.input(), plain);
        Tensor gx = dnnl.binary(BinaryOp.ADD, c1.input(), gs), gxr = REF.binary(BinaryOp.ADD, c1r.input(), gsr);

        assertScaled(outr, out, "block output");
        assertScaled(g2r.gamma(), g2.gamma(), "second batch norm's gamma gradient");
        assertScaled(c2r.weight(), c2.weight(), "grouped convolution's weight gradient");
        assertScaled(g1r.beta(), g1.beta(), "first batch norm's beta gradient");
        assertScaled(c1r.weight(), c1.weight(), "first convolution's weight gradient");
        assertScaled(gxr, gx, "input gradient");
        assertScaled(b1r.output(), b1.output(), "first batch norm's output, read after it fed the block");
    }

    /**
     * Batch statistics of carried images as accurate as the row-major kernel's, on
     * activations whose mean is far from zero (oneDNN's kernel for these layouts sums in
     * float over the batch: variance 1.7e-6 off, which moved a ResNet's exact-penalty
     * gradient by 3.8e-3).
     */
    @ParameterizedTest(name = "groups {0}")
    @CsvSource({"1", "2"})
    void batchStatisticsInTheCarriedLayoutAreAccurate(int groups) {
        float[] v = uniform(61, 32 * 16 * 32 * 32, 2, 4);
        Pair x = Pair.of(v, 32, 16, 32, 32), w = random(62, 16, 16 / groups, 1, 1), gamma = random(63, 16), beta = random(64, 16);
        Conv2dSpec spec = Conv2dSpec.of(1, 0, 1, groups);
        Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, spec), yr = REF.conv2d(x.ref(), w.ref(), null, spec);
        assertNotNull(y.storageLayout());
        BatchNormResult got = dnnl.batchNormTraining(y, gamma.dnnl(), beta.dnnl(), EPS), want = REF.batchNormTraining(yr, gamma.ref(), beta.ref(), EPS);
        assertClose(want.mean(), got.mean(), 0, 5e-7 * maxAbs(want.mean()), "mean");
        assertClose(want.variance(), got.variance(), 0, 5e-7 * maxAbs(want.variance()), "variance");
        assertScaled(want.output(), got.output(), "output");
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double d : t.toDoubleArray()) m = Math.max(m, Math.abs(d));
        return m;
    }

    /** Channel blocks (a plain convolution's output) and channels-last (a grouped one's), u row-major or carried. */
    @ParameterizedTest(name = "groups {0}, u carried {1}")
    @CsvSource({"1, true", "1, false", "4, true", "4, false"})
    void batchNormsDoubleBackwardRunsInTheCarriedLayout(int groups, boolean uCarried) {
        Pair x = random(41, 8, 32, 6, 6), w = random(42, 32, 32 / groups, 3, 3), gamma = random(43, 32);
        Pair gyIn = random(44, 8, 32, 6, 6), uIn = random(45, 8, 32, 6, 6), one = random(46, 32, 32, 1, 1);
        Conv2dSpec spec = Conv2dSpec.of(1, 1, 1, groups), pointwise = Conv2dSpec.of(1, 0);
        Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, spec), yr = REF.conv2d(x.ref(), w.ref(), null, spec);
        assertNotNull(y.storageLayout());
        // gy and u through a convolution too, so that they arrive carried (u only if asked)
        Tensor gy = dnnl.conv2d(gyIn.dnnl(), one.dnnl(), null, pointwise), gyr = REF.conv2d(gyIn.ref(), one.ref(), null, pointwise);
        Tensor u = uCarried ? dnnl.conv2d(uIn.dnnl(), one.dnnl(), null, pointwise) : uIn.dnnl();
        Tensor ur = uCarried ? REF.conv2d(uIn.ref(), one.ref(), null, pointwise) : uIn.ref();
        BatchNormResult stats = dnnl.batchNormTraining(y, gamma.dnnl(), gamma.dnnl(), EPS), statsR = REF.batchNormTraining(yr, gamma.ref(), gamma.ref(), EPS);
        var got = dnnl.batchNormDoubleBackward(y, gamma.dnnl(), stats.mean(), stats.variance(), gy, u, EPS);
        var want = REF.batchNormDoubleBackward(yr, gamma.ref(), statsR.mean(), statsR.variance(), gyr, ur, EPS);
        assertNotNull(got.input().storageLayout(), "the gradients stay in the layout");
        assertScaled(want.input(), got.input(), "gx");
        assertScaled(want.gradOutput(), got.gradOutput(), "g(gy)");
        assertScaled(want.gamma(), got.gamma(), "gγ");
    }

    @Test
    void dataTurnsACarriedTensorRowMajorInPlaceOnce() {
        Pair x = random(11, 4, 16, 6, 6), w = random(12, 16, 16, 3, 3);
        Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, Conv2dSpec.of(1, 1));
        assertNotNull(y.storageLayout());
        long address = y.storage().address();
        MemorySegment data = y.data();
        assertNull(y.storageLayout(), "row-major after data()");
        assertEquals(address, data.address(), "converted in place: the tensor keeps its block");
        Tensor yr = REF.conv2d(x.ref(), w.ref(), null, Conv2dSpec.of(1, 1));
        assertScaled(yr, y, "values after the conversion");
        assertScaled(yr, y, "and a second read");
    }

    @Test
    void rowMajorReadersSeeTheReferenceValues() {
        Pair x = random(21, 4, 32, 8, 8), w = random(22, 32, 32, 1, 1);
        Tensor yr = REF.conv2d(x.ref(), w.ref(), null, Conv2dSpec.of(1, 0));
        assertScaled(yr.reshape(4, -1), fresh(x, w).reshape(4, -1), "reshape");
        assertScaled(REF.reduce(ReduceOp.MEAN, yr, new int[]{2, 3}, false),
                dnnl.reduce(ReduceOp.MEAN, fresh(x, w), new int[]{2, 3}, false), "mean over the image");
        MaxPoolResult pooled = dnnl.maxPool2d(fresh(x, w), Pool2dSpec.of(2)), pooledR = REF.maxPool2d(yr, Pool2dSpec.of(2));
        assertScaled(pooledR.values(), pooled.values(), "max pooling");
        assertArrayEquals(pooledR.indices().toLongArray(), pooled.indices().toLongArray(), "max pooling's indices");
        assertScaled(REF.copy(yr), dnnl.copy(fresh(x, w)), "copy");
        assertScaled(yr, Tensor.of(REF, fresh(x, w).toFloatArray(), 4, 32, 8, 8), "toFloatArray");
        Tensor acc = dnnl.full(yr.shape(), yr.dtype(), 1);
        dnnl.addScaledInto(acc, 1, fresh(x, w), 2);
        assertScaled(REF.affine(yr, 2, 1), acc, "addScaledInto a row-major tensor");
    }

    /** nn.MaxPool2d(2) reads a convolution's output in its layout: channel blocks, channels-last (grouped), odd sizes. */
    @ParameterizedTest(name = "groups {0}, {1}x{1}")
    @CsvSource({"1, 8", "1, 7", "2, 8", "2, 9"})
    void maxPoolingReadsTheCarriedLayout(int groups, int size) {
        Pair x = random(51, 3, 32, size, size), w = random(52, 32, 32 / groups, 3, 3);
        Conv2dSpec spec = Conv2dSpec.of(1, 1, 1, groups);
        Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, spec), yr = REF.conv2d(x.ref(), w.ref(), null, spec);
        assertNotNull(y.storageLayout());
        MaxPoolResult pooled = dnnl.maxPool2d(y, Pool2dSpec.of(2)), pooledR = REF.maxPool2d(yr, Pool2dSpec.of(2));
        assertNotNull(y.storageLayout(), "read as it is, not converted");
        assertScaled(pooledR.values(), pooled.values(), "values");
        assertArrayEquals(pooledR.indices().toLongArray(), pooled.indices().toLongArray(), "indices");
    }

    /**
     * Ties (±0 among them) and NaN read in each carried layout: the same values, bit
     * for bit, and the same first-maximum positions as the reference's pooling.
     */
    @ParameterizedTest(name = "tag {0}, NaN {1}")
    @CsvSource({"16, false", "16, true", "8, false", "8, true", "0, false", "0, true"})
    void maxPoolingOfTiesAndNaNInACarriedLayoutIsTheReferences(int block, boolean nan) {
        int n = 2, c = 32, h = 7, w = 6;
        float[] choices = {-1f, -0f, 0f, 1f, 2f};
        Random rnd = new Random(61 + block);
        float[] v = new float[n * c * h * w];
        for (int i = 0; i < v.length; i++) v[i] = choices[rnd.nextInt(choices.length)];
        // x86's default NaN (0/0, ∞−∞) has the sign bit set: it must win as PyTorch's does, not sort below -∞
        if (nan) for (int k = 0; k < 6; k++) v[rnd.nextInt(v.length)] = k % 2 == 0 ? Float.NaN : Float.intBitsToFloat(0xffc00000);
        int tag = tag(block);
        Tensor check = carriedCopy(v, tag, n, c, h, w), x = carriedCopy(v, tag, n, c, h, w);
        assertArrayEquals(bits(v), bits(check.toFloatArray()), "oneDNN reads the copy back as the values");
        MaxPoolResult pooled = dnnl.maxPool2d(x, Pool2dSpec.of(2)), pooledR = REF.maxPool2d(Tensor.of(REF, v, n, c, h, w), Pool2dSpec.of(2));
        assertEquals(new Carried(dnnl, tag), x.storageLayout(), "read as it is, not converted");
        assertArrayEquals(bits(pooledR.values().toFloatArray()), bits(pooled.values().toFloatArray()), "values, bit for bit");
        assertArrayEquals(pooledR.indices().toLongArray(), pooled.indices().toLongArray(), "first-maximum positions");
    }

    /** Max pooling's gather (its double backward) reads a carried gradient in its layout, without converting it. */
    @ParameterizedTest(name = "tag {0}")
    @CsvSource({"16", "8", "0"})
    void theGatherReadsACarriedGradientInItsLayout(int block) {
        int n = 3, c = 32, h = 9, w = 8;
        float[] v = uniform(71 + block, n * c * h * w, -2, 2);
        int tag = tag(block);
        Pair x = random(72, n, c, h, w);
        MaxPoolResult pooled = REF.maxPool2d(x.ref(), Pool2dSpec.of(2));
        Tensor indices = dnnl.maxPool2d(x.dnnl(), Pool2dSpec.of(2)).indices();
        assertArrayEquals(pooled.indices().toLongArray(), indices.toLongArray());
        Tensor gx = carriedCopy(v, tag, n, c, h, w);
        Tensor gathered = dnnl.maxPool2dGather(gx, indices, Pool2dSpec.of(2));
        assertEquals(new Carried(dnnl, tag), gx.storageLayout(), "read as it is, not converted");
        assertArrayEquals(REF.maxPool2dGather(Tensor.of(REF, v, n, c, h, w), pooled.indices(), Pool2dSpec.of(2)).toFloatArray(),
                gathered.toFloatArray(), "the values at the indices");
    }

    /** oneDNN's layout of {@code block}-channel blocks, or channels-last for 0. */
    private static int tag(int block) {
        return block == 16 ? dnnl_aBcd16b() : block == 8 ? dnnl_aBcd8b() : dnnl_acdb();
    }

    /** A dnnl tensor holding {@code v} [n,c,h,w] in oneDNN's layout {@code tag}, written element by element. */
    private static Tensor carriedCopy(float[] v, int tag, int n, int c, int h, int w) {
        Carried layout = new Carried(dnnl, tag);
        Tensor t = dnnl.full(Shape.of(n, c, h, w), DType.FLOAT32, 0);
        MemorySegment s = t.storage();
        int plane = h * w, lanes = layout.lanes(c);
        for (int k = 0; k < n; k++) {
            for (int ch = 0; ch < c; ch++) {
                for (int p = 0; p < plane; p++) {
                    long at = (((long) k * (c / lanes) + ch / lanes) * plane + p) * lanes + ch % lanes;
                    s.setAtIndex(ValueLayout.JAVA_FLOAT, at, v[(k * c + ch) * plane + p]);
                }
            }
        }
        t.setStorageLayout(layout);
        return t;
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    @Test
    void aCarriedTensorIsReleasedByItsBlock() {
        Pair x = random(31, 2, 16, 4, 4), w = random(32, 16, 16, 3, 3);
        try (Scope scope = Scope.open()) {
            Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, Conv2dSpec.of(1, 1));
            assertNotNull(y.storageLayout());
            long live = scope.liveBytes();
            assertTrue(scope.release(y));
            assertTrue(scope.liveBytes() < live, "its block went back without a conversion");
        }
    }

    /** A convolution output still in the layout its kernel wrote. */
    private static Tensor fresh(Pair x, Pair w) {
        Tensor y = dnnl.conv2d(x.dnnl(), w.dnnl(), null, Conv2dSpec.of(1, 0));
        assertNotNull(y.storageLayout(), "a carried input");
        return y;
    }
}
