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

    /** dx for training mode (statistics depend on x); fills dGamma and dBeta. */
    static double[] backward(double[] gy, double[] x, Shape s, double[] gamma, double[] mean, double[] var, double eps,
                             double[] dGamma, double[] dBeta) {
        int c = s.dim(1), inner = (int) s.sizeOf(2, s.rank());
        double m = (double) s.size() / c;
        double[] sumDxHat = new double[c], sumDxHatXHat = new double[c];
        for (int i = 0; i < x.length; i++) {
            int k = (i / inner) % c;
            double xHat = (x[i] - mean[k]) / Math.sqrt(var[k] + eps);
            dBeta[k] += gy[i];
            dGamma[k] += gy[i] * xHat;
            double dxHat = gy[i] * gamma[k];
            sumDxHat[k] += dxHat;
            sumDxHatXHat[k] += dxHat * xHat;
        }
        double[] dx = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int k = (i / inner) % c;
            double inv = 1 / Math.sqrt(var[k] + eps);
            double xHat = (x[i] - mean[k]) * inv;
            dx[i] = inv / m * (m * gy[i] * gamma[k] - sumDxHat[k] - xHat * sumDxHatXHat[k]);
        }
        return dx;
    }
}
