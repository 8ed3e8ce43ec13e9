package dev.lipreg.bench;

/**
 * FLOPs of one forward pass of {@code fashion-cnn} (conv 1→32 3x3 p1, pool, conv
 * 32→64 3x3 p1, pool, linear 3136→128, linear 128→10) on [N,1,28,28]: multiply-adds
 * ×2 of the convolutions and linear layers; element-wise ops, pooling and softmax
 * (under 1%) are not counted. At N = 128: 57.8 + 924.8 + 102.8 + 0.3 ≈ 1.086 GFLOP.
 * A step's count is this times {@link Mode#forwardPasses()}.
 */
public final class Flops {
    private Flops() {
    }

    public static double fashionCnnForward(int batch) {
        double n = batch;
        double conv1 = 2 * n * 32 * 28 * 28 * (1 * 3 * 3);
        double conv2 = 2 * n * 64 * 14 * 14 * (32 * 3 * 3);
        double fc1 = 2 * n * (64 * 7 * 7) * 128;
        double fc2 = 2 * n * 128 * 10;
        return conv1 + conv2 + fc1 + fc2;
    }

    public static double step(Mode mode, int batch) {
        return mode.forwardPasses() * fashionCnnForward(batch);
    }

    /** The step's FLOPs for {@code model}: counted for fashion-cnn only, NaN (not reported) for the others. */
    public static double step(Mode mode, int batch, String model) {
        return model.equals("fashion-cnn") ? step(mode, batch) : Double.NaN;
    }
}
