package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.HostBackend;
import dev.lipreg.tensor.KernelBackend;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.util.Arrays;
import java.util.List;

/**
 * Plain Java kernels, written to be obviously correct rather than fast: each op
 * reads its inputs into double arrays, computes in double precision and rounds
 * once to the output dtype. It is the oracle every other backend is tested
 * against, and it alone supports FLOAT64 (for gradient checks). Its checks are
 * {@link KernelBackend}'s, the same as every other backend's. Stateless, so
 * its ops run concurrently.
 */
public final class ReferenceBackend extends HostBackend {
    /** The JVM's one reference backend. */
    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    private ReferenceBackend() {
        super(false, false);
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public boolean supports(DType dtype) {
        return true;
    }

    // ------------------------------------------------------------ memory

    @Override
    protected void fillKernel(Tensor t, double value) {
        double[] v = new double[t.shape().intSize()];
        Arrays.fill(v, value);
        Buffers.store(v, t);
    }

    @Override
    protected void castKernel(Tensor x, Tensor y) {
        Buffers.store(Buffers.read(x), y);
    }

    // ------------------------------------------------------------ element-wise

    @Override
    protected void unaryKernel(UnaryOp op, Tensor x, double alpha, Tensor y) {
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = op.apply(v[i], alpha);
        Buffers.store(v, y);
    }

    @Override
    protected void unaryBackwardKernel(UnaryOp op, Tensor gy, Tensor x, double alpha, Tensor gx) {
        double[] g = Buffers.read(gy);
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) g[i] *= op.derivative(v[i], alpha);
        Buffers.store(g, gx);
    }

    @Override
    protected void binaryKernel(BinaryOp op, Tensor a, Tensor b, Tensor y) {
        double[] av = Buffers.read(a), bv = Buffers.read(b);
        int[] ia = Indexing.broadcastIndex(a.shape(), y.shape()), ib = Indexing.broadcastIndex(b.shape(), y.shape());
        double[] r = new double[y.shape().intSize()];
        for (int i = 0; i < r.length; i++) r[i] = op.apply(av[ia[i]], bv[ib[i]]);
        Buffers.store(r, y);
    }

    @Override
    protected void affineKernel(Tensor x, double scale, double shift, Tensor y) {
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = v[i] * scale + shift;
        Buffers.store(v, y);
    }

    @Override
    protected void clampKernel(Tensor x, double lo, double hi, Tensor y) {
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = Math.min(Math.max(v[i], lo), hi);
        Buffers.store(v, y);
    }

    // ------------------------------------------------------------ reductions

    @Override
    protected void reduceKernel(ReduceOp op, Tensor x, boolean[] reduced, Tensor y) {
        int[] keptDims = x.shape().dims();
        for (int i = 0; i < keptDims.length; i++) if (reduced[i]) keptDims[i] = 1;
        Shape kept = Shape.of(keptDims);
        double[] v = Buffers.read(x);
        int[] target = Indexing.broadcastIndex(kept, x.shape());
        int n = kept.intSize();
        double[] acc = new double[n];
        long[] count = new long[n];
        double init = switch (op) {
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            default -> 0;
        };
        Arrays.fill(acc, init);
        for (int i = 0; i < v.length; i++) {
            int t = target[i];
            double e = v[i];
            count[t]++;
            acc[t] = switch (op) {
                case SUM, MEAN -> acc[t] + e;
                case MAX -> Double.isNaN(e) || e > acc[t] ? e : acc[t];
                case MIN -> Double.isNaN(e) || e < acc[t] ? e : acc[t];
                case NORM_L1 -> acc[t] + Math.abs(e);
                case NORM_L2 -> acc[t] + e * e;
                case NORM_LINF -> Math.max(acc[t], Math.abs(e));
            };
        }
        for (int t = 0; t < n; t++) {
            if (op == ReduceOp.MEAN) acc[t] /= count[t];
            if (op == ReduceOp.NORM_L2) acc[t] = Math.sqrt(acc[t]);
        }
        Buffers.store(acc, y);
    }

    @Override
    protected void argmaxKernel(Tensor x, int a, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        double[] v = Buffers.read(x);
        double[] r = new double[outer * inner];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int best = 0;
                double bv = v[o * len * inner + i];
                for (int k = 1; k < len; k++) {
                    double e = v[(o * len + k) * inner + i];
                    // NaN is the maximum, as in PyTorch; the first NaN wins
                    if (!Double.isNaN(bv) && (e > bv || Double.isNaN(e))) {
                        bv = e;
                        best = k;
                    }
                }
                r[o * inner + i] = best;
            }
        }
        Buffers.store(r, y);
    }

    @Override
    protected void broadcastKernel(Tensor x, Tensor y) {
        double[] v = Buffers.read(x);
        int[] idx = Indexing.broadcastIndex(x.shape(), y.shape());
        double[] r = new double[y.shape().intSize()];
        for (int i = 0; i < r.length; i++) r[i] = v[idx[i]];
        Buffers.store(r, y);
    }

    // ------------------------------------------------------------ linear algebra

    @Override
    protected void matmulKernel(Tensor a, Tensor b, boolean transA, boolean transB, Tensor y) {
        int m = y.dim(0), n = y.dim(1), k = transA ? a.dim(0) : a.dim(1);
        double[] av = Buffers.read(a), bv = Buffers.read(b);
        int lda = a.dim(1), ldb = b.dim(1);
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? av[p * lda + i] : av[i * lda + p];
                    double w = transB ? bv[j * ldb + p] : bv[p * ldb + j];
                    s += x * w;
                }
                c[i * n + j] = s;
            }
        }
        Buffers.store(c, y);
    }

    // ------------------------------------------------------------ convolution

    @Override
    protected void conv2dKernel(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec, Tensor out) {
        double[] y = new double[out.shape().intSize()];
        Convolution.forward(Buffers.read(x), x.shape(), Buffers.read(w), w.shape(), y, out.shape(), spec);
        if (bias != null) {
            double[] b = Buffers.read(bias);
            int plane = out.dim(2) * out.dim(3);
            for (int i = 0; i < y.length; i++) y[i] += b[(i / plane) % out.dim(1)];
        }
        Buffers.store(y, out);
    }

    @Override
    protected void conv2dBackwardDataKernel(Tensor gy, Tensor w, Conv2dSpec spec, Tensor out) {
        double[] gx = new double[out.shape().intSize()];
        Convolution.backwardData(Buffers.read(gy), gy.shape(), Buffers.read(w), w.shape(), gx, out.shape(), spec);
        Buffers.store(gx, out);
    }

    @Override
    protected void conv2dBackwardWeightsKernel(Tensor x, Tensor gy, Conv2dSpec spec, Tensor out) {
        double[] gw = new double[out.shape().intSize()];
        Convolution.backwardWeights(Buffers.read(x), x.shape(), Buffers.read(gy), gy.shape(), gw, out.shape(), spec);
        Buffers.store(gw, out);
    }

    // ------------------------------------------------------------ pooling

    @Override
    protected void maxPool2dKernel(Tensor x, Pool2dSpec spec, Tensor values, Tensor indices) {
        Shape out = values.shape();
        double[] y = new double[out.intSize()];
        double[] idx = new double[out.intSize()];
        Pooling.maxForward(Buffers.read(x), x.shape(), y, idx, out, spec);
        Buffers.store(y, values);
        Buffers.store(idx, indices);
    }

    @Override
    protected void maxPool2dBackwardKernel(Tensor gy, Tensor indices, Tensor out) {
        double[] g = Buffers.read(gy), idx = Buffers.read(indices);
        double[] gx = new double[out.shape().intSize()];
        int plane = out.dim(2) * out.dim(3), outPlane = gy.dim(2) * gy.dim(3);
        checkRange("maxPool2dBackward", idx, plane);
        for (int i = 0; i < g.length; i++) gx[(i / outPlane) * plane + (int) idx[i]] += g[i];
        Buffers.store(gx, out);
    }

    @Override
    protected void maxPool2dGatherKernel(Tensor gx, Tensor indices, Tensor out) {
        double[] g = Buffers.read(gx), idx = Buffers.read(indices);
        double[] r = new double[out.shape().intSize()];
        int plane = gx.dim(2) * gx.dim(3), outPlane = out.dim(2) * out.dim(3);
        checkRange("maxPool2dGather", idx, plane);
        for (int i = 0; i < r.length; i++) r[i] = g[(i / outPlane) * plane + (int) idx[i]];
        Buffers.store(r, out);
    }

    private static void checkRange(String op, double[] idx, int plane) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= plane) {
                throw new IllegalArgumentException(op + ": index " + (long) idx[i] + " at position " + i + " outside the input plane of " + plane);
            }
        }
    }

    @Override
    protected void avgPool2dKernel(Tensor x, Pool2dSpec spec, Tensor out) {
        double[] y = new double[out.shape().intSize()];
        Pooling.avgForward(Buffers.read(x), x.shape(), y, out.shape(), spec);
        Buffers.store(y, out);
    }

    @Override
    protected void avgPool2dBackwardKernel(Tensor gy, Pool2dSpec spec, Tensor out) {
        double[] gx = new double[out.shape().intSize()];
        Pooling.avgBackward(Buffers.read(gy), gy.shape(), gx, out.shape(), spec);
        Buffers.store(gx, out);
    }

    // ------------------------------------------------------------ softmax

    @Override
    protected void softmaxKernel(Tensor x, int a, boolean log, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        double[] v = Buffers.read(x);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < len; k++) max = Math.max(max, v[base + k * inner]);
                double sum = 0;
                for (int k = 0; k < len; k++) sum += Math.exp(v[base + k * inner] - max);
                double logSum = Math.log(sum);
                for (int k = 0; k < len; k++) {
                    double z = v[base + k * inner] - max;
                    v[base + k * inner] = log ? z - logSum : Math.exp(z) / sum;
                }
            }
        }
        Buffers.store(v, y);
    }

    @Override
    protected void logSoftmaxBackwardKernel(Tensor gy, Tensor y, int a, Tensor gx) {
        int outer = (int) y.shape().sizeOf(0, a), len = y.dim(a), inner = (int) y.shape().sizeOf(a + 1, y.rank());
        double[] g = Buffers.read(gy), yv = Buffers.read(y);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                double sum = 0;
                for (int k = 0; k < len; k++) sum += g[base + k * inner];
                for (int k = 0; k < len; k++) g[base + k * inner] -= Math.exp(yv[base + k * inner]) * sum;
            }
        }
        Buffers.store(g, gx);
    }

    // ------------------------------------------------------------ batch norm

    @Override
    protected void batchNormTrainingKernel(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor variance) {
        int c = x.dim(1);
        double[] m = new double[c], var = new double[c];
        double[] v = Buffers.read(x);
        BatchNorm.statistics(v, x.shape(), m, var);
        Buffers.store(BatchNorm.normalize(v, x.shape(), Buffers.read(gamma), Buffers.read(beta), m, var, eps), y);
        Buffers.store(m, mean);
        Buffers.store(var, variance);
    }

    @Override
    protected void batchNormInferenceKernel(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps, Tensor y) {
        Buffers.store(BatchNorm.normalize(Buffers.read(x), x.shape(), Buffers.read(gamma), Buffers.read(beta),
                Buffers.read(mean), Buffers.read(variance), eps), y);
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    protected void oneHotKernel(Tensor labels, int classes, Tensor y) {
        long[] l = labels.toLongArray();
        double[] r = new double[l.length * classes];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= classes) {
                throw new IllegalArgumentException("oneHot: label " + l[i] + " at position " + i + " outside [0, " + classes + ")");
            }
            r[i * classes + (int) l[i]] = 1;
        }
        Buffers.store(r, y);
    }

    @Override
    protected void permuteKernel(Tensor x, int[] perm, Tensor y) {
        int[] d = y.shape().dims();
        long[] inStrides = x.shape().strides();
        double[] v = Buffers.read(x);
        double[] r = new double[v.length];
        int[] pos = new int[perm.length];
        for (int i = 0; i < r.length; i++) {
            long src = 0;
            for (int k = 0; k < perm.length; k++) src += pos[k] * inStrides[perm[k]];
            r[i] = v[(int) src];
            Indexing.increment(pos, d);
        }
        Buffers.store(r, y);
    }

    @Override
    protected void sliceKernel(Tensor x, int a, int start, Tensor y) {
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        double[] v = Buffers.read(x);
        double[] r = new double[y.shape().intSize()];
        int n = y.dim(a);
        for (int o = 0; o < outer; o++) {
            System.arraycopy(v, (o * len + start) * inner, r, o * n * inner, n * inner);
        }
        Buffers.store(r, y);
    }

    @Override
    protected void concatKernel(List<Tensor> xs, int a, Tensor y) {
        Shape out = y.shape();
        int total = out.dim(a), outer = (int) out.sizeOf(0, a), inner = (int) out.sizeOf(a + 1, out.rank());
        double[] r = new double[out.intSize()];
        int offset = 0;
        for (Tensor t : xs) {
            double[] v = Buffers.read(t);
            int n = t.dim(a);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(v, o * n * inner, r, (o * total + offset) * inner, n * inner);
            }
            offset += n;
        }
        Buffers.store(r, y);
    }
}
