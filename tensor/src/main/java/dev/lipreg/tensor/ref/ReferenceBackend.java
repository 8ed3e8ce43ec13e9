package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BatchNormGrads;
import dev.lipreg.tensor.BatchNormResult;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.HostMemory;
import dev.lipreg.tensor.MaxPoolResult;
import dev.lipreg.tensor.OpChecks;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * Plain Java kernels, written to be obviously correct rather than fast: each op
 * reads its inputs into double arrays, computes in double precision and rounds
 * once to the output dtype. It is the oracle every other backend is tested
 * against, and it alone supports FLOAT64 (for gradient checks).
 */
public final class ReferenceBackend implements Backend {
    public static final ReferenceBackend INSTANCE = new ReferenceBackend();

    private ReferenceBackend() {
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
    public Tensor empty(Shape shape, DType dtype) {
        return HostMemory.allocate(this, shape, dtype);
    }

    @Override
    public Tensor full(Shape shape, DType dtype, double value) {
        double[] v = new double[shape.intSize()];
        Arrays.fill(v, value);
        return Buffers.write(this, v, shape, dtype);
    }

    @Override
    public Tensor fromHost(MemorySegment host, Shape shape, DType dtype) {
        return HostMemory.copyOf(this, host, shape, dtype);
    }

    @Override
    public MemorySegment toHost(Tensor t) {
        own(t);
        return HostMemory.bytes(t);
    }

    @Override
    public Tensor copy(Tensor x) {
        own(x);
        return HostMemory.copyOf(this, HostMemory.bytes(x), x.shape(), x.dtype());
    }

    @Override
    public Tensor cast(Tensor x, DType to) {
        own(x);
        if (x.dtype() == to) return copy(x);
        if (!to.isFloating() && x.dtype().isFloating()) {
            double[] v = Buffers.read(x);
            for (int i = 0; i < v.length; i++) v[i] = (long) v[i];
            return Buffers.write(this, v, x.shape(), to);
        }
        return Buffers.write(this, Buffers.read(x), x.shape(), to);
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        own(dst);
        own(src);
        HostMemory.copyInto(dst, src);
    }

    // ------------------------------------------------------------ element-wise

    @Override
    public Tensor unary(UnaryOp op, Tensor x, double alpha) {
        floating("unary " + op, x);
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = op.apply(v[i], alpha);
        return Buffers.write(this, v, x.shape(), x.dtype());
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor gy, Tensor x, double alpha) {
        floating("unaryBackward " + op, gy, x);
        OpChecks.sameShape("unaryBackward " + op, gy, x);
        double[] g = Buffers.read(gy);
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) g[i] *= op.derivative(v[i], alpha);
        return Buffers.write(this, g, x.shape(), x.dtype());
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        floating("binary " + op, a, b);
        Shape out = Shape.broadcast(a.shape(), b.shape());
        double[] av = Buffers.read(a), bv = Buffers.read(b);
        int[] ia = Indexing.broadcastIndex(a.shape(), out), ib = Indexing.broadcastIndex(b.shape(), out);
        double[] r = new double[out.intSize()];
        for (int i = 0; i < r.length; i++) r[i] = op.apply(av[ia[i]], bv[ib[i]]);
        return Buffers.write(this, r, out, a.dtype());
    }

    @Override
    public Tensor affine(Tensor x, double scale, double shift) {
        floating("affine", x);
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = v[i] * scale + shift;
        return Buffers.write(this, v, x.shape(), x.dtype());
    }

    @Override
    public Tensor clamp(Tensor x, double lo, double hi) {
        floating("clamp", x);
        if (!(lo <= hi)) throw new IllegalArgumentException("clamp: lower bound " + lo + " above upper bound " + hi);
        double[] v = Buffers.read(x);
        for (int i = 0; i < v.length; i++) v[i] = Math.min(Math.max(v[i], lo), hi);
        return Buffers.write(this, v, x.shape(), x.dtype());
    }

    // ------------------------------------------------------------ reductions

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDims) {
        floating("reduce " + op, x);
        int[] ax = axes.length == 0 ? OpChecks.allAxes(x.rank()) : axes;
        Shape kept = x.shape().keeping(ax);
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
        return Buffers.write(this, acc, keepDims ? kept : x.shape().without(ax), x.dtype());
    }

    @Override
    public Tensor argmax(Tensor x, int axis) {
        floating("argmax", x);
        int a = OpChecks.axis("argmax", x.shape(), axis);
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
        return Buffers.write(this, r, x.shape().without(a), DType.INT64);
    }

    @Override
    public Tensor broadcastTo(Tensor x, Shape shape) {
        own(x);
        if (!x.shape().broadcastsTo(shape)) {
            throw new IllegalArgumentException("broadcastTo: " + x.shape() + " cannot broadcast to " + shape);
        }
        double[] v = Buffers.read(x);
        int[] idx = Indexing.broadcastIndex(x.shape(), shape);
        double[] r = new double[shape.intSize()];
        for (int i = 0; i < r.length; i++) r[i] = v[idx[i]];
        return Buffers.write(this, r, shape, x.dtype());
    }

    // ------------------------------------------------------------ linear algebra

    @Override
    public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) {
        floating("matmul", a, b);
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: expected 2-d operands, got " + a.shape() + " and " + b.shape());
        }
        int m = transA ? a.dim(1) : a.dim(0), k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0), n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + a.shape() + (transA ? "ᵀ" : "") + " · "
                    + b.shape() + (transB ? "ᵀ" : ""));
        }
        double[] av = Buffers.read(a), bv = Buffers.read(b);
        int lda = a.dim(1), ldb = b.dim(1);
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double x = transA ? av[p * lda + i] : av[i * lda + p];
                    double y = transB ? bv[j * ldb + p] : bv[p * ldb + j];
                    s += x * y;
                }
                c[i * n + j] = s;
            }
        }
        return Buffers.write(this, c, Shape.of(m, n), a.dtype());
    }

    // ------------------------------------------------------------ convolution

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, Conv2dSpec spec) {
        floating("conv2d", x, w);
        Shape out = spec.outputShape(x.shape(), w.shape());
        if (bias != null) {
            floating("conv2d", bias);
            if (!bias.shape().equals(Shape.of(w.dim(0)))) {
                throw new IllegalArgumentException("conv2d: bias must be [" + w.dim(0) + "], got " + bias.shape());
            }
        }
        double[] y = new double[out.intSize()];
        Convolution.forward(Buffers.read(x), x.shape(), Buffers.read(w), w.shape(), y, out, spec);
        if (bias != null) {
            double[] b = Buffers.read(bias);
            int plane = out.dim(2) * out.dim(3);
            for (int i = 0; i < y.length; i++) y[i] += b[(i / plane) % out.dim(1)];
        }
        return Buffers.write(this, y, out, x.dtype());
    }

    @Override
    public Tensor conv2dBackwardData(Tensor gy, Tensor w, Shape xShape, Conv2dSpec spec) {
        floating("conv2dBackwardData", gy, w);
        Shape out = spec.outputShape(xShape, w.shape());
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("conv2dBackwardData: gradient " + gy.shape() + " does not match output " + out
                    + " of input " + xShape + " and weights " + w.shape());
        }
        double[] gx = new double[xShape.intSize()];
        Convolution.backwardData(Buffers.read(gy), out, Buffers.read(w), w.shape(), gx, xShape, spec);
        return Buffers.write(this, gx, xShape, gy.dtype());
    }

    @Override
    public Tensor conv2dBackwardWeights(Tensor x, Tensor gy, Shape wShape, Conv2dSpec spec) {
        floating("conv2dBackwardWeights", x, gy);
        Shape out = spec.outputShape(x.shape(), wShape);
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("conv2dBackwardWeights: gradient " + gy.shape() + " does not match output " + out
                    + " of input " + x.shape() + " and weights " + wShape);
        }
        double[] gw = new double[wShape.intSize()];
        Convolution.backwardWeights(Buffers.read(x), x.shape(), Buffers.read(gy), out, gw, wShape, spec);
        return Buffers.write(this, gw, wShape, x.dtype());
    }

    // ------------------------------------------------------------ pooling

    @Override
    public MaxPoolResult maxPool2d(Tensor x, Pool2dSpec spec) {
        floating("maxPool2d", x);
        Shape out = spec.outputShape(x.shape());
        double[] y = new double[out.intSize()];
        double[] idx = new double[out.intSize()];
        Pooling.maxForward(Buffers.read(x), x.shape(), y, idx, out, spec);
        return new MaxPoolResult(Buffers.write(this, y, out, x.dtype()), Buffers.write(this, idx, out, DType.INT32));
    }

    @Override
    public Tensor maxPool2dBackward(Tensor gy, Tensor indices, Shape xShape, Pool2dSpec spec) {
        floating("maxPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        checkIndices("maxPool2dBackward", gy.shape(), indices, out);
        double[] g = Buffers.read(gy), idx = Buffers.read(indices);
        double[] gx = new double[xShape.intSize()];
        int plane = xShape.dim(2) * xShape.dim(3), outPlane = out.dim(2) * out.dim(3);
        checkRange("maxPool2dBackward", idx, plane);
        for (int i = 0; i < g.length; i++) gx[(i / outPlane) * plane + (int) idx[i]] += g[i];
        return Buffers.write(this, gx, xShape, gy.dtype());
    }

    @Override
    public Tensor maxPool2dGather(Tensor gx, Tensor indices, Pool2dSpec spec) {
        floating("maxPool2dGather", gx);
        Shape out = spec.outputShape(gx.shape());
        checkIndices("maxPool2dGather", indices.shape(), indices, out);
        double[] g = Buffers.read(gx), idx = Buffers.read(indices);
        double[] r = new double[out.intSize()];
        int plane = gx.dim(2) * gx.dim(3), outPlane = out.dim(2) * out.dim(3);
        checkRange("maxPool2dGather", idx, plane);
        for (int i = 0; i < r.length; i++) r[i] = g[(i / outPlane) * plane + (int) idx[i]];
        return Buffers.write(this, r, out, gx.dtype());
    }

    @Override
    public Tensor avgPool2d(Tensor x, Pool2dSpec spec) {
        floating("avgPool2d", x);
        Shape out = spec.outputShape(x.shape());
        double[] y = new double[out.intSize()];
        Pooling.avgForward(Buffers.read(x), x.shape(), y, out, spec);
        return Buffers.write(this, y, out, x.dtype());
    }

    @Override
    public Tensor avgPool2dBackward(Tensor gy, Shape xShape, Pool2dSpec spec) {
        floating("avgPool2dBackward", gy);
        Shape out = spec.outputShape(xShape);
        if (!gy.shape().equals(out)) {
            throw new IllegalArgumentException("avgPool2dBackward: gradient " + gy.shape() + " does not match output " + out + " of input " + xShape);
        }
        double[] gx = new double[xShape.intSize()];
        Pooling.avgBackward(Buffers.read(gy), out, gx, xShape, spec);
        return Buffers.write(this, gx, xShape, gy.dtype());
    }

    // ------------------------------------------------------------ softmax

    @Override
    public Tensor softmax(Tensor x, int axis) {
        return softmax(x, axis, false);
    }

    @Override
    public Tensor logSoftmax(Tensor x, int axis) {
        return softmax(x, axis, true);
    }

    private Tensor softmax(Tensor x, int axis, boolean log) {
        floating(log ? "logSoftmax" : "softmax", x);
        int a = x.shape().axis(axis);
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
        return Buffers.write(this, v, x.shape(), x.dtype());
    }

    @Override
    public Tensor logSoftmaxBackward(Tensor gy, Tensor y, int axis) {
        floating("logSoftmaxBackward", gy, y);
        OpChecks.sameShape("logSoftmaxBackward", gy, y);
        int a = y.shape().axis(axis);
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
        return Buffers.write(this, g, y.shape(), y.dtype());
    }

    // ------------------------------------------------------------ batch norm

    @Override
    public BatchNormResult batchNormTraining(Tensor x, Tensor gamma, Tensor beta, double eps) {
        floating("batchNormTraining", x, gamma, beta);
        int c = OpChecks.channels("batchNormTraining", x, gamma, beta);
        double[] mean = new double[c], var = new double[c];
        double[] v = Buffers.read(x);
        BatchNorm.statistics(v, x.shape(), mean, var);
        double[] y = BatchNorm.normalize(v, x.shape(), Buffers.read(gamma), Buffers.read(beta), mean, var, eps);
        Shape cs = Shape.of(c);
        return new BatchNormResult(Buffers.write(this, y, x.shape(), x.dtype()),
                Buffers.write(this, mean, cs, x.dtype()), Buffers.write(this, var, cs, x.dtype()));
    }

    @Override
    public Tensor batchNormInference(Tensor x, Tensor gamma, Tensor beta, Tensor mean, Tensor variance, double eps) {
        floating("batchNormInference", x, gamma, beta, mean, variance);
        int c = OpChecks.channels("batchNormInference", x, gamma, beta, mean, variance);
        double[] y = BatchNorm.normalize(Buffers.read(x), x.shape(), Buffers.read(gamma), Buffers.read(beta),
                Buffers.read(mean), Buffers.read(variance), eps);
        assert c == gamma.size();
        return Buffers.write(this, y, x.shape(), x.dtype());
    }

    @Override
    public BatchNormGrads batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor variance, double eps) {
        floating("batchNormBackward", gy, x, gamma, mean, variance);
        OpChecks.sameShape("batchNormBackward", gy, x);
        int c = OpChecks.channels("batchNormBackward", x, gamma, mean, variance);
        double[] dg = new double[c], db = new double[c];
        double[] dx = BatchNorm.backward(Buffers.read(gy), Buffers.read(x), x.shape(), Buffers.read(gamma),
                Buffers.read(mean), Buffers.read(variance), eps, dg, db);
        Shape cs = Shape.of(c);
        return new BatchNormGrads(Buffers.write(this, dx, x.shape(), x.dtype()),
                Buffers.write(this, dg, cs, x.dtype()), Buffers.write(this, db, cs, x.dtype()));
    }

    // ------------------------------------------------------------ indexing and layout

    @Override
    public Tensor oneHot(Tensor labels, int classes, DType dtype) {
        own(labels);
        if (labels.rank() != 1 || labels.dtype().isFloating()) {
            throw new IllegalArgumentException("oneHot: labels must be a 1-d integer tensor, got " + labels.dtype() + labels.shape());
        }
        long[] l = labels.toLongArray();
        double[] r = new double[l.length * classes];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= classes) {
                throw new IllegalArgumentException("oneHot: label " + l[i] + " at position " + i + " outside [0, " + classes + ")");
            }
            r[i * classes + (int) l[i]] = 1;
        }
        return Buffers.write(this, r, Shape.of(l.length, classes), dtype);
    }

    @Override
    public Tensor permute(Tensor x, int... axes) {
        own(x);
        int[] perm = OpChecks.permutation(x.shape(), axes);
        int[] d = new int[perm.length];
        for (int i = 0; i < perm.length; i++) d[i] = x.dim(perm[i]);
        Shape out = Shape.of(d);
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
        return Buffers.write(this, r, out, x.dtype());
    }

    @Override
    public Tensor slice(Tensor x, int axis, int start, int end) {
        own(x);
        int a = OpChecks.slice(x.shape(), axis, start, end);
        int outer = (int) x.shape().sizeOf(0, a), len = x.dim(a), inner = (int) x.shape().sizeOf(a + 1, x.rank());
        Shape out = x.shape().withDim(a, end - start);
        double[] v = Buffers.read(x);
        double[] r = new double[out.intSize()];
        int n = end - start;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(v, (o * len + start) * inner, r, o * n * inner, n * inner);
        }
        return Buffers.write(this, r, out, x.dtype());
    }

    @Override
    public Tensor concat(List<Tensor> xs, int axis) {
        if (xs.isEmpty()) throw new IllegalArgumentException("concat: no tensors given");
        Tensor first = xs.getFirst();
        for (Tensor t : xs) own(t);
        Shape out = OpChecks.concat(xs, axis);
        int a = out.axis(axis), total = out.dim(a);
        int outer = (int) out.sizeOf(0, a), inner = (int) out.sizeOf(a + 1, out.rank());
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
        return Buffers.write(this, r, out, first.dtype());
    }

    // ------------------------------------------------------------ checks

    private void own(Tensor t) {
        if (t.backend() != this) {
            throw new IllegalArgumentException("tensor " + t.dtype() + t.shape() + " belongs to backend '" + t.backend().name()
                    + "', not 'reference': move it with tensor.to(backend)");
        }
    }

    private void floating(String op, Tensor... ts) {
        DType d = null;
        for (Tensor t : ts) {
            own(t);
            if (!t.dtype().isFloating()) throw new IllegalArgumentException(op + ": expected a floating tensor, got " + t.dtype() + t.shape());
            if (d != null && t.dtype() != d) throw new IllegalArgumentException(op + ": mixed dtypes " + d + " and " + t.dtype());
            d = t.dtype();
        }
    }

    private static void checkRange(String op, double[] idx, int plane) {
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= plane) {
                throw new IllegalArgumentException(op + ": index " + (long) idx[i] + " at position " + i + " outside the input plane of " + plane);
            }
        }
    }

    private void checkIndices(String op, Shape gy, Tensor indices, Shape expected) {
        own(indices);
        OpChecks.poolIndices(op, gy, indices, expected);
    }
}
