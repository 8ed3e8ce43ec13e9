package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Shape;

/** Batch normalization over all axes but the channel axis 1, biased variance (PyTorch). */
final class BatchNorm {
    private BatchNorm() {
    }

    static void statistics(double[] x, Shape s, double[] mean, double[] var) {
        int c = s.dim(1), inner = (int) s.sizeOf(2, s.rank());
        double count = (double) s.size() / c;
        for (int i = 0; i < x.length; i++) mean[(i / inner) % c] += x[i];
        for (int k = 0; k < c; k++) mean[k] /= count;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - mean[(i / inner) % c];
            var[(i / inner) % c] += d * d;
        }
        for (int k = 0; k < c; k++) var[k] /= count;
    }

    static double[] normalize(double[] x, Shape s, double[] gamma, double[] beta, double[] mean, double[] var, double eps) {
        int c = s.dim(1), inner = (int) s.sizeOf(2, s.rank());
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = (i / inner) % c;
            y[i] = (x[i] - mean[k]) / Math.sqrt(var[k] + eps) * gamma[k] + beta[k];
        }
        return y;
    }
}
