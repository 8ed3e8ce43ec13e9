package dev.lipreg.eval;

import dev.lipreg.attacks.Inputs;
import dev.lipreg.attacks.PerImage;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.BinaryOp;
import dev.lipreg.tensor.ReduceOp;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Lipschitz lower bounds from pairs of a sample: max over i &lt; j of
 * ‖f(x_i) − f(x_j)‖₂ / ‖x_i − x_j‖₂ for the model's logits, and the paper's
 * "data Lipschitz constant" max ‖y_i − y_j‖₂ / ‖x_i − x_j‖₂ for one-hot labels
 * (√2 for pairs of different classes, 0 otherwise). Differences are formed
 * directly (not from Gram matrices), so near-duplicate pairs do not cancel.
 */
public final class PairwiseLipschitz {
    private PairwiseLipschitz() {
    }

    /**
     * The largest ratio and the pair (indices into the sample) that attains it.
     *
     * @param value  the largest ratio: a lower bound on the Lipschitz constant (0 when no pair counts)
     * @param first  index of the pair's first image, −1 when no pair counts
     * @param second index of its second image, −1 when no pair counts
     * @param pairs  the pairs compared (identical images are skipped)
     */
    public record Bound(double value, int first, int second, long pairs) {
    }

    /**
     * {@code count} distinct images drawn without replacement (all of them, in order, when count ≥ N).
     *
     * @param images the images [N, ...]
     * @param count  how many to draw, ≥ 1
     * @param seed   seeds the draw
     * @return the drawn images in index order, or {@code images} itself when count ≥ N
     * @throws IllegalArgumentException if count is not positive
     */
    public static Tensor sample(Tensor images, int count, long seed) {
        int n = images.dim(0);
        Inputs.checkPositive(count, "count");
        if (count >= n) return images;
        int[] idx = new SplittableRandom(seed).ints(0, n).distinct().limit(count).sorted().toArray();
        Backend k = images.backend();
        List<Tensor> rows = new ArrayList<>(count);
        for (int i : idx) rows.add(k.slice(images, 0, i, i + 1));
        return k.concat(rows, 0);
    }

    /**
     * The model's logit pairs over all images given (pass a {@link #sample} for large sets): N²/2 pairs.
     *
     * @param model     the classifier, in eval mode, on the images' backend and dtype
     * @param images    the images [N, ...]
     * @param batchSize images per forward pass
     * @return the largest ‖f(x_i) − f(x_j)‖₂ / ‖x_i − x_j‖₂ and its pair
     * @throws IllegalArgumentException if the model is null or training, the images are malformed or batchSize is not positive
     */
    public static Bound ofModel(Module model, Tensor images, int batchSize) {
        Batches.check(images, null, batchSize);
        Inputs.checkModel(model, images);
        Inputs.checkImages(images, "images");
        Backend k = images.backend();
        try (Scope s = Scope.open()) {
            List<Tensor> parts = new ArrayList<>();
            for (int start = 0; start < images.dim(0); start += batchSize) {
                int end = Math.min(images.dim(0), start + batchSize);
                parts.add(PerImage.logits(model, k.slice(images, 0, start, end)));
            }
            Tensor logits = parts.size() == 1 ? parts.getFirst() : k.concat(parts, 0);
            return maxRatio(images, logits, null);
        }
    }

    /**
     * The labels' pairs: √2 / ‖x_i − x_j‖ for the closest pair of different classes.
     *
     * @param images the images [N, ...]
     * @param labels their labels [N]
     * @return the data Lipschitz constant and its pair
     * @throws IllegalArgumentException if the images or labels are malformed
     */
    public static Bound ofData(Tensor images, Tensor labels) {
        Batches.check(images, labels, 1);
        long[] y = labels.toLongArray();
        return maxRatio(images, null, y);
    }

    /** Over pairs i < j: ‖out_i − out_j‖₂ (or the one-hot label distance) over ‖x_i − x_j‖₂. */
    private static Bound maxRatio(Tensor images, Tensor out, long[] labels) {
        int n = images.dim(0);
        Backend k = images.backend();
        double best = 0;
        int bi = -1, bj = -1;
        long pairs = 0;
        for (int i = 0; i + 1 < n; i++) {
            try (Scope s = Scope.open()) {
                // distances from image i to every later image, one backend op per row
                double[] dx = PerImage.norms(k.binary(BinaryOp.SUB, k.slice(images, 0, i + 1, n), k.slice(images, 0, i, i + 1)), ReduceOp.NORM_L2);
                double[] dy = out == null ? null
                        : PerImage.norms(k.binary(BinaryOp.SUB, k.slice(out, 0, i + 1, n), k.slice(out, 0, i, i + 1)), ReduceOp.NORM_L2);
                for (int t = 0; t < dx.length; t++) {
                    if (!(dx[t] > 0)) continue; // duplicates carry no information
                    pairs++;
                    int j = i + 1 + t;
                    double num = dy != null ? dy[t] : labels[i] != labels[j] ? Math.sqrt(2) : 0;
                    double r = num / dx[t];
                    if (r > best) {
                        best = r;
                        bi = i;
                        bj = j;
                    }
                }
            }
        }
        return new Bound(best, bi, bj, pairs);
    }
}
