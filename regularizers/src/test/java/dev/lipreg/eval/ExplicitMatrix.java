package dev.lipreg.eval;

import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/** Test oracle: a linear operator written out as a matrix (columns = images of basis vectors) and its σ_max by Jacobi. */
final class ExplicitMatrix {
    private ExplicitMatrix() {
    }

    /** A [m][n] with column j = op(e_j), built by applying op to the batch of all n basis images at once. */
    static double[][] of(LinearOperator op) {
        Shape in = op.inputShape();
        int n = in.intSize();
        int[] dims = in.dims();
        dims[0] = n;
        double[] basis = new double[n * n];
        for (int j = 0; j < n; j++) basis[j * n + j] = 1;
        Tensor out = op.apply(op.backend().fromArray(basis, Shape.of(dims)));
        int m = out.shape().intSize() / n;
        double[] v = out.toDoubleArray();
        double[][] a = new double[m][n];
        for (int j = 0; j < n; j++) for (int i = 0; i < m; i++) a[i][j] = v[j * m + i];
        return a;
    }

    /** σ_max(A) = √λ_max(AᵀA), λ_max by the cyclic Jacobi eigenvalue method. */
    static double sigmaMax(double[][] a) {
        int m = a.length, n = a[0].length;
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            double t = 0;
            for (int r = 0; r < m; r++) t += a[r][i] * a[r][j];
            s[i][j] = t;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += s[p][q] * s[p][q];
            if (off < 1e-30) break;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (s[p][q] == 0) continue;
                    double theta = (s[q][q] - s[p][p]) / (2 * s[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), sn = t * c;
                    for (int k = 0; k < n; k++) { // rotate columns p, q
                        double kp = s[k][p], kq = s[k][q];
                        s[k][p] = c * kp - sn * kq;
                        s[k][q] = sn * kp + c * kq;
                    }
                    for (int k = 0; k < n; k++) { // rotate rows p, q
                        double pk = s[p][k], qk = s[q][k];
                        s[p][k] = c * pk - sn * qk;
                        s[q][k] = sn * pk + c * qk;
                    }
                }
            }
        }
        double max = 0;
        for (int i = 0; i < n; i++) max = Math.max(max, s[i][i]);
        return Math.sqrt(max);
    }
}
