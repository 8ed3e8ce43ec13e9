package dev.lipreg.regularizers;

import dev.lipreg.data.Dataset;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import dev.lipreg.tensor.UnaryOp;

/**
 * The "data Lipschitz constant" max_{i,j} ‖y_i − y_j‖₂ / ‖x_i − x_j‖₂ over a
 * sample, with one-hot labels: √2 over the smallest distance between two
 * differently labelled images. A model's Lipschitz estimate can be compared
 * with it (docs/method.md §2). Distances come from one Gram matrix on the backend.
 *
 * @param value    the estimate (∞ when two differently labelled images coincide)
 * @param distance the smallest ℓ2 distance between differently labelled images
 * @param first    index in the sample of one image of the closest pair
 * @param second   index of the other
 */
public record DataLipschitz(double value, double distance, int first, int second) {

    /**
     * The estimate over a seeded sample of {@code n} images of {@code data}.
     *
     * @param data    the dataset
     * @param n       the sample size, at least 2
     * @param seed    the seed of the sample
     * @param backend the backend of the distance computation
     * @return the estimate
     */
    public static DataLipschitz estimate(Dataset data, int n, long seed, Backend backend) {
        if (n < 2) throw new IllegalArgumentException("data Lipschitz estimate: sample size must be >= 2, got " + n);
        Dataset s = n >= data.count() ? data : data.sample(n, seed);
        int m = s.count(), d = s.imageSize();
        double[] sq;
        try (Scope scope = Scope.open()) {
            Tensor x = backend.fromArray(s.images(), Shape.of(m, d));
            // ‖xi − xj‖² = ‖xi‖² + ‖xj‖² − 2 xi·xj
            Tensor gram = backend.matmul(x, x, false, true);
            Tensor norms = backend.reduce(ReduceOp.SUM, backend.unary(UnaryOp.SQUARE, x), new int[]{1}, true);
            Tensor dist = backend.binary(BinaryOp.ADD, backend.binary(BinaryOp.ADD, backend.affine(gram, -2, 0), norms),
                    norms.reshape(1, m));
            sq = dist.toDoubleArray();
        }
        int[] y = s.labels();
        double best = Double.POSITIVE_INFINITY;
        int bi = -1, bj = -1;
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                if (y[i] != y[j] && sq[i * m + j] < best) {
                    best = sq[i * m + j];
                    bi = i;
                    bj = j;
                }
            }
        }
        if (bi < 0) throw new IllegalArgumentException("data Lipschitz estimate: the sample holds a single class");
        // the Gram identity cancels digits for close pairs: recompute the chosen pair exactly
        float[] a = s.image(bi), b = s.image(bj);
        double acc = 0;
        for (int k = 0; k < d; k++) acc += (double) (a[k] - b[k]) * (a[k] - b[k]);
        double dist = Math.sqrt(acc);
        return new DataLipschitz(Math.sqrt(2) / dist, dist, bi, bj);
    }
}
