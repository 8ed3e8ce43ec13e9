package dev.lipreg.nn;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/**
 * Batch normalization per channel. Training mode normalizes with batch
 * statistics and updates running ones (unbiased variance, momentum 0.1, as
 * PyTorch); evaluation mode uses the running statistics.
 */
public final class BatchNorm2d extends Module {
    private final int channels;
    private final double eps, momentum;
    private final Parameter weight, bias;
    private final Buffer runningMean, runningVar, batchesTracked;

    /**
     * Batch normalization of {@code channels} channels (weight 1, bias 0, running mean 0, running variance 1).
     *
     * @param init     gives the backend and dtype
     * @param channels the channels
     * @param eps      added to the variance
     * @param momentum the weight of a new batch in the running statistics
     */
    public BatchNorm2d(Init init, int channels, double eps, double momentum) {
        if (channels < 1) throw new IllegalArgumentException("BatchNorm2d: channels must be >= 1, got " + channels);
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        Shape c = Shape.of(channels);
        this.weight = registerParameter("weight", init.constant(c, 1));
        this.bias = registerParameter("bias", init.constant(c, 0));
        this.runningMean = registerBuffer("running_mean", init.constant(c, 0));
        this.runningVar = registerBuffer("running_var", init.constant(c, 1));
        this.batchesTracked = registerBuffer("num_batches_tracked", init.backend().full(Shape.scalar(), DType.INT64, 0));
    }

    /**
     * Batch normalization with PyTorch's eps 1e-5 and momentum 0.1.
     *
     * @param init     gives the backend and dtype
     * @param channels the channels
     */
    public BatchNorm2d(Init init, int channels) {
        this(init, channels, 1e-5, 0.1);
    }

    /** {@return the number of channels} */
    public int channels() {
        return channels;
    }

    /** {@return the constant added to the variance} */
    public double eps() {
        return eps;
    }

    /**
     * The per-channel scale γ/√(running_var + eps) of evaluation mode, where
     * this layer is the affine map x ↦ scale⊙x + shift; in the current scope.
     *
     * @return the scale per channel
     */
    public Tensor evalScale() {
        Backend k = weight.backend();
        return k.binary(dev.lipreg.tensor.BinaryOp.DIV, weight.value(),
                k.unary(dev.lipreg.tensor.UnaryOp.SQRT, k.affine(runningVar.value(), 1, eps)));
    }

    @Override
    public Variable forward(Variable x) {
        if (x.shape().rank() < 2 || x.dim(1) != channels) {
            throw new IllegalArgumentException("BatchNorm2d(" + channels + "): input must be [N, " + channels + ", ...], got " + x.shape());
        }
        if (!isTraining()) {
            return Ops.batchNormInference(x, weight, bias, runningMean.value(), runningVar.value(), eps);
        }
        Ops.BatchNormOutput out = Ops.batchNorm(x, weight, bias, eps);
        updateRunningStatistics(out.mean(), out.variance(), x.shape().size() / channels);
        return out.output();
    }

    private void updateRunningStatistics(Tensor mean, Tensor biasedVar, long count) {
        try (GradMode.Restore off = GradMode.disabled()) {
            Backend k = mean.backend();
            double unbias = count > 1 ? (double) count / (count - 1) : 1;
            // in place, one pass each: six tiny ops per layer cost more in dispatch than in arithmetic
            k.addScaledInto(runningMean.value(), 1 - momentum, mean, momentum);
            k.addScaledInto(runningVar.value(), 1 - momentum, biasedVar, momentum * unbias);
            long n = batchesTracked.value().toLongArray()[0];
            batchesTracked.assign(k.full(Shape.scalar(), DType.INT64, n + 1));
        }
    }

    @Override
    public String describe() {
        return "BatchNorm2d(" + channels + ", eps=" + eps + ", momentum=" + momentum + ")";
    }
}
