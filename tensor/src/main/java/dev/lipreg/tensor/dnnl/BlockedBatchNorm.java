package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Batch norm's training-mode statistics and double backward on images in a
 * {@link Carried} layout, read and written in it, with {@link PlaneBatchNorm}'s
 * numerics (the first backward is oneDNN's kernel: see {@link BatchNorm}). Per image,
 * a block of {@code lanes} channels (16 or 8 for channel blocks, all C for
 * channels-last) holds one value per channel of the block at each of its H·W
 * positions. Each task takes a range of images and, block by block, copies their
 * slabs to the heap a chunk of 4096 floats at a time (whole positions, so every chunk
 * starts at the block's first channel); every loop indexes its chunk, its sums and
 * its per-channel constants (spread to the chunk's length) with one index, which the
 * JIT vectorizes (an offset between two arrays stops it). Sums run in float over the
 * task's images, then in double, tasks added in image order (deterministic for a
 * thread count). oneDNN's own statistics for these layouts, summed in float over the
 * whole batch, moved resnet-small's exact-penalty gradient 3.8e-3 (relative) away
 * from PyTorch's (which sums in double), against 2e-6 with these sums: the gradient
 * jumps where a normalized value crosses ReLU's kink (docs/benchmarks.md).
 */
final class BlockedBatchNorm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    private BlockedBatchNorm() {
    }

    /** Floats per chunk a loop takes at a time, so that its arrays stay in cache. */
    private static final int CHUNK = 4096;

    /**
     * The layout of one call: [n][c / lanes][r][lanes], each slab [r][lanes] walked in
     * chunks of whole positions ({@link #chunk()} floats, the last may be shorter).
     */
    private record Blocks(int n, int c, int r, int lanes) {
        int slab() {
            return r * lanes;
        }

        int chunk() {
            return Math.min(slab(), Math.max(1, CHUNK / lanes) * lanes);
        }

        int count() {
            return c / lanes;
        }

        /** Byte offset of image k's block b. */
        long at(int k, int b) {
            return (((long) k * count() + b) * r * lanes) * 4;
        }

        /** Per-channel constants of block b spread over a chunk: [constant][chunk]. */
        float[][] spread(float[][] perChannel, int b) {
            float[][] out = new float[perChannel.length][chunk()];
            for (int q = 0; q < perChannel.length; q++) {
                for (int i = 0; i < out[q].length; i++) out[q][i] = perChannel[q][b * lanes + i % lanes];
            }
            return out;
        }
    }

    /** Adds the first {@code len} values of a chunk to the sums, all indexed alike. */
    private interface BlockSums {
        void add(float[][] values, float[][] constants, float[][] sums, int len);
    }

    /** Rewrites the first {@code len} values of a chunk in place, all indexed alike. */
    private interface Block {
        void run(float[][] values, float[][] constants, int len);
    }

    /**
     * The batch mean and biased batch variance of x [n, c, r] (r = H·W) in one pass of
     * shifted sums: with K each channel's mean over the first image, Σ(x − K) and
     * Σ(x − K)² give mean = K + Σ(x − K)/M and variance = Σ(x − K)²/M − (Σ(x − K)/M)²,
     * which loses nothing to cancellation while K is near the batch mean (two passes,
     * as {@link PlaneBatchNorm}'s, cost a second read of x here). The caller normalizes
     * with them (oneDNN's inference kernel, which sums nothing).
     */
    static void statistics(int n, int c, int r, int lanes, MemorySegment x, MemorySegment mean, MemorySegment variance) {
        Blocks bl = new Blocks(n, c, r, lanes);
        float[] shift = new float[c];
        for (int b = 0; b < bl.count(); b++) { // the first image's means
            float[] first = x.asSlice(bl.at(0, b), (long) bl.slab() * 4).toArray(F32);
            double[] sum = new double[lanes];
            for (int i = 0; i < first.length; i++) sum[i % lanes] += first[i];
            for (int l = 0; l < lanes; l++) shift[b * lanes + l] = (float) (sum[l] / r);
        }
        double[] t = sums(bl, 2, new MemorySegment[]{x}, new float[][]{shift}, (v, k, s, len) -> {
            float[] xs = v[0], kr = k[0], s1 = s[0], s2 = s[1];
            for (int i = 0; i < len; i++) {
                float d = xs[i] - kr[i];
                s1[i] += d;
                s2[i] += d * d;
            }
        });
        double size = (double) n * r;
        for (int ch = 0; ch < c; ch++) {
            double d = t[ch] / size;
            mean.setAtIndex(F32, ch, (float) (shift[ch] + d));
            variance.setAtIndex(F32, ch, (float) Math.max(t[c + ch] / size - d * d, 0));
        }
    }

    /** gx, g(gy) and gγ ({@link PlaneBatchNorm#doubleBackward}'s closed form) of [n, c, r] images. */
    static void doubleBackward(int n, int c, int r, int lanes, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                               MemorySegment variance, MemorySegment gy, MemorySegment u, MemorySegment gx, MemorySegment gGy,
                               MemorySegment gGamma) {
        Blocks bl = new Blocks(n, c, r, lanes);
        float[] m = mean.toArray(F32);
        // per channel: Σgy, Σu, Σu·gy, Σgy·(x − mean), Σu·(x − mean)
        double[] t = sums(bl, 5, new MemorySegment[]{x, gy, u}, new float[][]{m}, (v, k, s, len) -> {
            float[] xs = v[0], g = v[1], w = v[2], mr = k[0], sg = s[0], su = s[1], sug = s[2], sgx = s[3], sux = s[4];
            for (int i = 0; i < len; i++) {
                float xc = xs[i] - mr[i];
                sg[i] += g[i];
                su[i] += w[i];
                sug[i] += w[i] * g[i];
                sgx[i] += g[i] * xc;
                sux[i] += w[i] * xc;
            }
        });
        double size = (double) n * r;
        float[] scaleX = new float[c], a = new float[c], fd = new float[c], fc = new float[c], gMean = new float[c], uMean = new float[c],
                inv = new float[c], scaleG = new float[c];
        for (int ch = 0; ch < c; ch++) {
            PlaneBatchNorm.SecondOrder so = PlaneBatchNorm.SecondOrder.of(t[ch], t[c + ch], t[2 * c + ch], t[3 * c + ch], t[4 * c + ch], size,
                    1 / Math.sqrt(variance.getAtIndex(F32, ch) + (double) eps), gamma.getAtIndex(F32, ch));
            inv[ch] = so.inv();
            fd[ch] = so.d();
            fc[ch] = so.c();
            gMean[ch] = so.gMean();
            uMean[ch] = so.uMean();
            a[ch] = so.a();
            scaleX[ch] = so.scaleX();
            scaleG[ch] = so.scaleG();
            gGamma.setAtIndex(F32, ch, so.gGamma());
        }
        blocks(bl, new MemorySegment[]{x, gy, u}, new MemorySegment[]{null, gx, gGy}, new float[][]{m, inv, fd, fc, gMean, uMean, a, scaleX, scaleG},
                (v, k, len) -> {
                    float[] xs = v[0], g = v[1], w = v[2], mr = k[0], ir = k[1], dr = k[2], cr = k[3], gmr = k[4], umr = k[5], ar = k[6],
                            sxr = k[7], sgr = k[8];
                    for (int i = 0; i < len; i++) { // two loops: one writing both arrays ran at less than half speed
                        g[i] = sxr[i] * ((xs[i] - mr[i]) * ir[i] * ar[i] + dr[i] * (g[i] - gmr[i]) + cr[i] * (w[i] - umr[i]));
                    }
                    for (int i = 0; i < len; i++) {
                        w[i] = sgr[i] * ((w[i] - umr[i]) - (xs[i] - mr[i]) * ir[i] * dr[i]);
                    }
                });
    }

    /**
     * {@code count} sums per channel, [count][c] flattened: per task (a range of
     * images) and block, {@code terms} adds each image's slab into float sums of the
     * slab's shape, folded into the task's doubles per channel; tasks added in image
     * order.
     */
    private static double[] sums(Blocks bl, int count, MemorySegment[] inputs, float[][] perChannel, BlockSums terms) {
        int c = bl.c(), lanes = bl.lanes();
        double[][] perTask = new double[bl.n()][]; // at each task's first image
        HostLoops.parallel(bl.n(), (long) c * bl.r() * inputs.length, (from, to) -> {
            double[] mine = new double[count * c];
            int chunk = bl.chunk();
            float[][] v = new float[inputs.length][chunk], s = new float[count][chunk];
            for (int b = 0; b < bl.count(); b++) {
                float[][] k = bl.spread(perChannel, b);
                for (float[] row : s) Arrays.fill(row, 0f);
                for (int img = (int) from; img < to; img++) {
                    for (int off = 0; off < bl.slab(); off += chunk) {
                        int len = Math.min(chunk, bl.slab() - off);
                        long at = bl.at(img, b) + off * 4L;
                        for (int i = 0; i < inputs.length; i++) MemorySegment.copy(inputs[i], F32, at, v[i], 0, len);
                        terms.add(v, k, s, len);
                    }
                }
                for (int q = 0; q < count; q++) {
                    for (int i = 0; i < chunk; i++) mine[q * c + b * lanes + i % lanes] += s[q][i];
                }
            }
            perTask[(int) from] = mine;
        });
        double[] total = new double[count * c];
        for (double[] task : perTask) if (task != null) for (int j = 0; j < total.length; j++) total[j] += task[j];
        return total;
    }

    /**
     * Every block of every image (images in parallel): {@code inputs} copied to the
     * heap, {@code body} run, and value array i written to {@code outputs[i]} where
     * that is not null.
     */
    private static void blocks(Blocks bl, MemorySegment[] inputs, MemorySegment[] outputs, float[][] perChannel, Block body) {
        HostLoops.parallel(bl.n(), (long) bl.c() * bl.r() * inputs.length, (from, to) -> {
            int chunk = bl.chunk();
            float[][] v = new float[inputs.length][chunk];
            for (int b = 0; b < bl.count(); b++) {
                float[][] k = bl.spread(perChannel, b);
                for (int img = (int) from; img < to; img++) {
                    for (int off = 0; off < bl.slab(); off += chunk) {
                        int len = Math.min(chunk, bl.slab() - off);
                        long at = bl.at(img, b) + off * 4L;
                        for (int i = 0; i < inputs.length; i++) MemorySegment.copy(inputs[i], F32, at, v[i], 0, len);
                        body.run(v, k, len);
                        for (int i = 0; i < outputs.length; i++) if (outputs[i] != null) MemorySegment.copy(v[i], 0, outputs[i], F32, at, len);
                    }
                }
            }
        });
    }
}
