package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Batch norm's training-mode forward and double backward on images in a
 * {@link Carried} layout, read and written in it, with {@link PlaneBatchNorm}'s
 * numerics: per image, blocks of {@code lanes} channels (16 or 8 for channel blocks,
 * all C for channels-last) whose positions each hold one value per channel of the
 * block, so every loop runs over the lanes of a block with per-lane sums. A pass that
 * sums runs the images in parallel, each leaving its own sums in float (at most H·W
 * terms), added up in double in image order: the result does not depend on the thread
 * count. oneDNN's own kernel for these layouts sums in float over the whole batch,
 * which moved resnet-small's exact-penalty gradient 3.8e-3 (relative) away from
 * PyTorch's, against 2e-6 with these sums.
 */
final class BlockedBatchNorm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private BlockedBatchNorm() {
    }

    /** One block of one image: its inputs' values on the heap, [r][lanes], and the block's first channel. */
    private interface Block {
        void run(float[][] values, int c0);
    }

    /** y, the batch mean and the biased batch variance of x [n, c, r] (r = H·W): two-pass statistics. */
    static void training(int n, int c, int r, int lanes, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                         MemorySegment y, MemorySegment mean, MemorySegment variance) {
        double size = (double) n * r;
        float[] m = new float[c];
        double[] total = sums(n, c, r, lanes, 1, new MemorySegment[]{x}, (v, c0, s) -> {
            float[] sx = s[0], xs = v[0];
            for (int p = 0; p < xs.length; p += lanes) for (int l = 0; l < lanes; l++) sx[l] += xs[p + l];
        });
        for (int ch = 0; ch < c; ch++) m[ch] = (float) (total[ch] / size);
        double[] squares = sums(n, c, r, lanes, 1, new MemorySegment[]{x}, (v, c0, s) -> {
            float[] sq = s[0], xs = v[0];
            for (int p = 0; p < xs.length; p += lanes) {
                for (int l = 0; l < lanes; l++) {
                    float d = xs[p + l] - m[c0 + l];
                    sq[l] += d * d;
                }
            }
        });
        float[] g = new float[c], b = new float[c];
        for (int ch = 0; ch < c; ch++) {
            float var = (float) (squares[ch] / size);
            g[ch] = gamma.getAtIndex(F32, ch) * (float) (1 / Math.sqrt(var + eps));
            b[ch] = beta.getAtIndex(F32, ch);
            mean.setAtIndex(F32, ch, m[ch]);
            variance.setAtIndex(F32, ch, var);
        }
        blocks(n, c, r, lanes, new MemorySegment[]{x}, new MemorySegment[]{y}, (v, c0) -> {
            float[] xs = v[0];
            for (int p = 0; p < xs.length; p += lanes) {
                for (int l = 0; l < lanes; l++) xs[p + l] = (xs[p + l] - m[c0 + l]) * g[c0 + l] + b[c0 + l];
            }
        });
    }

    /** gx, g(gy) and gγ ({@link PlaneBatchNorm#doubleBackward}'s closed form) of [n, c, r] images. */
    static void doubleBackward(int n, int c, int r, int lanes, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                               MemorySegment variance, MemorySegment gy, MemorySegment u, MemorySegment gx, MemorySegment gGy,
                               MemorySegment gGamma) {
        float[] m = mean.toArray(F32);
        // per channel: Σgy, Σu, Σu·gy, Σgy·(x − mean), Σu·(x − mean)
        double[] t = sums(n, c, r, lanes, 5, new MemorySegment[]{x, gy, u}, (v, c0, s) -> {
            float[] xs = v[0], g = v[1], w = v[2], sg = s[0], su = s[1], sug = s[2], sgx = s[3], sux = s[4];
            for (int p = 0; p < xs.length; p += lanes) {
                for (int l = 0; l < lanes; l++) {
                    float gv = g[p + l], wv = w[p + l], xc = xs[p + l] - m[c0 + l];
                    sg[l] += gv;
                    su[l] += wv;
                    sug[l] += wv * gv;
                    sgx[l] += gv * xc;
                    sux[l] += wv * xc;
                }
            }
        });
        double size = (double) n * r;
        float[] scaleX = new float[c], a = new float[c], fd = new float[c], fc = new float[c], gMean = new float[c], uMean = new float[c],
                inv = new float[c], scaleG = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double invD = 1 / Math.sqrt(variance.getAtIndex(F32, ch) + (double) eps);
            double gm = t[ch] / size, um = t[c + ch] / size, cc = t[3 * c + ch] * invD / size, d = t[4 * c + ch] * invD / size;
            double k = t[2 * c + ch] / size - um * gm - cc * d, gammaInv = gamma.getAtIndex(F32, ch) * invD;
            inv[ch] = (float) invD;
            fd[ch] = (float) d;
            fc[ch] = (float) cc;
            gMean[ch] = (float) gm;
            uMean[ch] = (float) um;
            a[ch] = (float) (k - 2 * cc * d);
            scaleX[ch] = (float) (-gammaInv * invD);
            scaleG[ch] = (float) gammaInv;
            gGamma.setAtIndex(F32, ch, (float) (size * invD * k));
        }
        blocks(n, c, r, lanes, new MemorySegment[]{x, gy, u}, new MemorySegment[]{null, gx, gGy}, (v, c0) -> {
            float[] xs = v[0], g = v[1], w = v[2];
            for (int p = 0; p < xs.length; p += lanes) {
                for (int l = 0; l < lanes; l++) {
                    int i = p + l, ch = c0 + l;
                    float xHat = (xs[i] - m[ch]) * inv[ch], uc = w[i] - uMean[ch];
                    g[i] = scaleX[ch] * (xHat * a[ch] + fd[ch] * (g[i] - gMean[ch]) + fc[ch] * uc);
                    w[i] = scaleG[ch] * (uc - xHat * fd[ch]);
                }
            }
        });
    }

    /** Accumulates {@code count} per-lane float sums of one block of one image. */
    private interface BlockSums {
        void add(float[][] values, int c0, float[][] sums);
    }

    /**
     * {@code count} sums per channel, [count][c] flattened: each image's blocks summed
     * in float by {@code terms}, the images in parallel, then added up in double in
     * image order.
     */
    private static double[] sums(int n, int c, int r, int lanes, int count, MemorySegment[] inputs, BlockSums terms) {
        double[][] perImage = new double[n][count * c];
        HostLoops.parallel(n, (long) c * r * inputs.length, (from, to) -> {
            float[][] v = new float[inputs.length][r * lanes], s = new float[count][lanes];
            for (int k = (int) from; k < to; k++) {
                for (int b = 0; b < c / lanes; b++) {
                    long at = slab(k, b, c, r, lanes);
                    for (int i = 0; i < inputs.length; i++) MemorySegment.copy(inputs[i], F32, at, v[i], 0, v[i].length);
                    for (float[] row : s) Arrays.fill(row, 0f);
                    terms.add(v, b * lanes, s);
                    for (int q = 0; q < count; q++) for (int l = 0; l < lanes; l++) perImage[k][q * c + b * lanes + l] = s[q][l];
                }
            }
        });
        double[] total = new double[count * c];
        for (double[] image : perImage) for (int j = 0; j < total.length; j++) total[j] += image[j];
        return total;
    }

    /**
     * Every block of every image (images in parallel): {@code inputs} copied to the
     * heap, {@code body} run, and value array i written to {@code outputs[i]} where
     * that is not null.
     */
    private static void blocks(int n, int c, int r, int lanes, MemorySegment[] inputs, MemorySegment[] outputs, Block body) {
        HostLoops.parallel(n, (long) c * r * inputs.length, (from, to) -> {
            float[][] v = new float[inputs.length][r * lanes];
            for (int k = (int) from; k < to; k++) {
                for (int b = 0; b < c / lanes; b++) {
                    long at = slab(k, b, c, r, lanes);
                    for (int i = 0; i < inputs.length; i++) MemorySegment.copy(inputs[i], F32, at, v[i], 0, v[i].length);
                    body.run(v, b * lanes);
                    for (int i = 0; i < outputs.length; i++) if (outputs[i] != null) MemorySegment.copy(v[i], 0, outputs[i], F32, at, v[i].length);
                }
            }
        });
    }

    /** Byte offset of image k's block b: [n][c/lanes][r][lanes]. */
    private static long slab(int k, int b, int c, int r, int lanes) {
        return (((long) k * (c / lanes) + b) * r * lanes) * 4;
    }
}
