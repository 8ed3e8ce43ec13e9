package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Batch norm's double backward ({@link PlaneBatchNorm#doubleBackward}'s closed form) on
 * images in a {@link Carried} layout, read and written in it: per image, blocks of
 * {@code lanes} channels (16 or 8 for channel blocks, all C for channels-last) whose
 * positions each hold one value per channel of the block, so every loop runs over the
 * lanes of a block with per-lane sums. Images run in parallel: the first pass leaves
 * each image's sums, added up in image order (the result does not depend on the
 * thread count), the second writes the gradients.
 */
final class BlockedBatchNorm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    /** Per channel: Σgy, Σu, Σu·gy, Σgy·(x − mean), Σu·(x − mean). */
    private static final int SUMS = 5;

    private BlockedBatchNorm() {
    }

    /** gx, g(gy) and gγ of [n, c, r] images (r = H·W) whose channels come in blocks of {@code lanes}. */
    static void doubleBackward(int n, int c, int r, int lanes, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                               MemorySegment variance, MemorySegment gy, MemorySegment u, MemorySegment gx, MemorySegment gGy,
                               MemorySegment gGamma) {
        float[] m = mean.toArray(F32);
        double[][] perImage = new double[n][SUMS * c];
        HostLoops.parallel(n, (long) c * r, (from, to) -> {
            float[] v = new float[r * lanes], g = new float[r * lanes], w = new float[r * lanes];
            float[][] s = new float[SUMS][lanes];
            for (int k = (int) from; k < to; k++) {
                for (int b = 0; b < c / lanes; b++) {
                    long at = slab(k, b, c, r, lanes);
                    MemorySegment.copy(x, F32, at, v, 0, v.length);
                    MemorySegment.copy(gy, F32, at, g, 0, g.length);
                    MemorySegment.copy(u, F32, at, w, 0, w.length);
                    for (float[] row : s) java.util.Arrays.fill(row, 0f);
                    sums(v, g, w, m, b * lanes, lanes, s);
                    for (int q = 0; q < SUMS; q++) for (int l = 0; l < lanes; l++) perImage[k][q * c + b * lanes + l] = s[q][l];
                }
            }
        });
        double size = (double) n * r;
        float[] scaleX = new float[c], a = new float[c], fd = new float[c], fc = new float[c], gMean = new float[c], uMean = new float[c],
                inv = new float[c], scaleG = new float[c];
        for (int ch = 0; ch < c; ch++) {
            double[] t = new double[SUMS];
            for (int k = 0; k < n; k++) for (int q = 0; q < SUMS; q++) t[q] += perImage[k][q * c + ch];
            double invD = 1 / Math.sqrt(variance.getAtIndex(F32, ch) + (double) eps);
            double gm = t[0] / size, um = t[1] / size, cc = t[3] * invD / size, d = t[4] * invD / size;
            double kk = t[2] / size - um * gm - cc * d, gammaInv = gamma.getAtIndex(F32, ch) * invD;
            inv[ch] = (float) invD;
            fd[ch] = (float) d;
            fc[ch] = (float) cc;
            gMean[ch] = (float) gm;
            uMean[ch] = (float) um;
            a[ch] = (float) (kk - 2 * cc * d);
            scaleX[ch] = (float) (-gammaInv * invD);
            scaleG[ch] = (float) gammaInv;
            gGamma.setAtIndex(F32, ch, (float) (size * invD * kk));
        }
        HostLoops.parallel(n, (long) c * r, (from, to) -> {
            float[] v = new float[r * lanes], g = new float[r * lanes], w = new float[r * lanes];
            for (int k = (int) from; k < to; k++) {
                for (int b = 0; b < c / lanes; b++) {
                    long at = slab(k, b, c, r, lanes);
                    MemorySegment.copy(x, F32, at, v, 0, v.length);
                    MemorySegment.copy(gy, F32, at, g, 0, g.length);
                    MemorySegment.copy(u, F32, at, w, 0, w.length);
                    int c0 = b * lanes;
                    for (int p = 0; p < v.length; p += lanes) {
                        for (int l = 0; l < lanes; l++) {
                            int i = p + l, ch = c0 + l;
                            float xHat = (v[i] - m[ch]) * inv[ch], uc = w[i] - uMean[ch];
                            g[i] = scaleX[ch] * (xHat * a[ch] + fd[ch] * (g[i] - gMean[ch]) + fc[ch] * uc);
                            w[i] = scaleG[ch] * (uc - xHat * fd[ch]);
                        }
                    }
                    MemorySegment.copy(g, 0, gx, F32, at, g.length);
                    MemorySegment.copy(w, 0, gGy, F32, at, w.length);
                }
            }
        });
    }

    /** The per-lane sums of one block of one image, in float (at most H·W terms each). */
    private static void sums(float[] v, float[] g, float[] w, float[] m, int c0, int lanes, float[][] s) {
        float[] sg = s[0], su = s[1], sug = s[2], sgx = s[3], sux = s[4];
        for (int p = 0; p < v.length; p += lanes) {
            for (int l = 0; l < lanes; l++) {
                float gv = g[p + l], wv = w[p + l], xc = v[p + l] - m[c0 + l];
                sg[l] += gv;
                su[l] += wv;
                sug[l] += wv * gv;
                sgx[l] += gv * xc;
                sux[l] += wv * xc;
            }
        }
    }

    /** Byte offset of image k's block b: [n][c/lanes][r][lanes]. */
    private static long slab(int k, int b, int c, int r, int lanes) {
        return (((long) k * (c / lanes) + b) * r * lanes) * 4;
    }
}
