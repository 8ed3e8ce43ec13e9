package dev.lipreg.tensor.dnnl;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Batch normalization of plain NCHW images: training-mode forward, backward and
 * double backward one channel per task, and inference one plane per task. oneDNN
 * has fast batch-norm kernels only for channels-last and channel-blocked layouts; on
 * plain NCHW it runs a generic kernel ({@code ncsp_bnorm}) that reads the input once
 * per statistic, from memory each time. Here a channel's N planes are copied once
 * into a heap array (128 KiB for 32 images of 32x32), every pass then runs over that
 * cached copy in eight-lane loops, and the channels run in parallel on the OpenMP team.
 *
 * <p>Numerics follow oneDNN's: two-pass statistics (mean, then the mean squared
 * deviation: the biased variance), y = γ·(x − mean)·invstd + β, and the backward
 * gx = γ·invstd·(gy − Σgy/M − x̂·Σ(gy·x̂)/M). Sums run in float within a plane and
 * in double across planes.
 */
final class PlaneBatchNorm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /** Largest channel (N·H·W floats) cached on the heap; beyond it oneDNN's kernel is used. */
    static final long MAX_CHANNEL = 1 << 20;

    private PlaneBatchNorm() {
    }

    /** Smallest plane (H·W) whose inference-mode batch norm runs here ([16,256,8,8]: 0.13 ms here, 0.10 in oneDNN). */
    static final int INFERENCE_PLANE = 256;

    /** Whether [n, c, r] images (r = H·W) run here: planes worth a loop, a channel that fits the cache. */
    static boolean applies(long n, long r) {
        return r >= 16 && n * r <= MAX_CHANNEL;
    }

    /** y, the batch mean and the biased batch variance of x [n, c, r]. */
    static void training(int n, int c, int r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                         MemorySegment y, MemorySegment mean, MemorySegment variance) {
        HostLoops.parallel(c, (long) n * r, (from, to) -> {
            float[] v = new float[n * r];
            for (long ch = from; ch < to; ch++) {
                load(x, n, c, r, ch, v);
                float m = (float) (sum(v) / v.length);
                float var = (float) (squaredDeviation(v, m) / v.length);
                float invstd = (float) (1 / Math.sqrt(var + eps));
                float g = gamma.getAtIndex(F32, ch) * invstd, b = beta.getAtIndex(F32, ch);
                for (int i = 0; i < v.length; i++) v[i] = (v[i] - m) * g + b;
                store(v, n, c, r, ch, y);
                mean.setAtIndex(F32, ch, m);
                variance.setAtIndex(F32, ch, var);
            }
        });
    }

    /**
     * Inference-mode batch norm with fixed statistics, y = (x − mean)·γ·invstd + β: one
     * pass over each [r] plane (oneDNN's generic NCHW kernel took 3–6× a plain
     * element-wise pass over the same data: [128,32,28,28] 1.54 ms, this 0.25 ms). On
     * planes under {@link #INFERENCE_PLANE} elements the per-plane cost loses to oneDNN.
     */
    static void inference(int n, int c, int r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment beta,
                          MemorySegment mean, MemorySegment variance, MemorySegment y) {
        HostLoops.parallel((long) n * c, r, (from, to) -> {
            float[] v = new float[r];
            for (long p = from; p < to; p++) {
                long ch = p % c;
                float m = mean.getAtIndex(F32, ch), b = beta.getAtIndex(F32, ch);
                float g = gamma.getAtIndex(F32, ch) * (float) (1 / Math.sqrt(variance.getAtIndex(F32, ch) + eps));
                MemorySegment.copy(x, F32, p * r * 4, v, 0, r);
                for (int i = 0; i < r; i++) v[i] = (v[i] - m) * g + b;
                MemorySegment.copy(v, 0, y, F32, p * r * 4, r);
            }
        });
    }

    /** gx, gγ and gβ from x, γ, the batch statistics and gy, all [n, c, r]. */
    static void backward(int n, int c, int r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                         MemorySegment variance, MemorySegment gy, MemorySegment gx, MemorySegment gGamma, MemorySegment gBeta) {
        HostLoops.parallel(c, (long) n * r, (from, to) -> {
            float[] v = new float[n * r], g = new float[n * r];
            for (long ch = from; ch < to; ch++) {
                load(x, n, c, r, ch, v);
                load(gy, n, c, r, ch, g);
                float m = mean.getAtIndex(F32, ch);
                float invstd = (float) (1 / Math.sqrt(variance.getAtIndex(F32, ch) + eps));
                double sumG = sum(g), sumGx = 0;
                for (int p = 0; p < v.length; p += PLANE_SUM) sumGx += products(g, v, p, Math.min(p + PLANE_SUM, v.length), m);
                float dBeta = (float) sumG, dGamma = (float) (sumGx * invstd);
                float scale = gamma.getAtIndex(F32, ch) * invstd;
                float meanG = dBeta / v.length, meanGx = dGamma / v.length;
                for (int i = 0; i < v.length; i++) g[i] = scale * (g[i] - meanG - (v[i] - m) * invstd * meanGx);
                store(g, n, c, r, ch, gx);
                gGamma.setAtIndex(F32, ch, dGamma);
                gBeta.setAtIndex(F32, ch, dBeta);
            }
        });
    }

    /**
     * The derivatives of the backward's input gradient against u (see the Backend's
     * batchNormDoubleBackward): five per-channel sums over the cached x, gy and u, then
     * one element-wise pass for each full-size output.
     */
    static void doubleBackward(int n, int c, int r, float eps, MemorySegment x, MemorySegment gamma, MemorySegment mean,
                               MemorySegment variance, MemorySegment gy, MemorySegment u, MemorySegment gx, MemorySegment gGy,
                               MemorySegment gGamma) {
        HostLoops.parallel(c, (long) n * r, (from, to) -> {
            float[] v = new float[n * r], g = new float[n * r], w = new float[n * r];
            for (long ch = from; ch < to; ch++) {
                load(x, n, c, r, ch, v);
                load(gy, n, c, r, ch, g);
                load(u, n, c, r, ch, w);
                float m = mean.getAtIndex(F32, ch);
                double invD = 1 / Math.sqrt(variance.getAtIndex(F32, ch) + (double) eps), size = v.length;
                double sumG = sum(g), sumU = sum(w), ug = 0, gXhat = 0, uXhat = 0;
                for (int p = 0; p < v.length; p += PLANE_SUM) {
                    int end = Math.min(p + PLANE_SUM, v.length);
                    ug += products(w, g, p, end, 0);
                    gXhat += products(g, v, p, end, m);
                    uXhat += products(w, v, p, end, m);
                }
                SecondOrder t = SecondOrder.of(sumG, sumU, ug, gXhat, uXhat, size, invD, gamma.getAtIndex(F32, ch));
                for (int i = 0; i < v.length; i++) {
                    float xHat = (v[i] - m) * t.inv(), uc = w[i] - t.uMean();
                    float dx = t.scaleX() * (xHat * t.a() + t.d() * (g[i] - t.gMean()) + t.c() * uc);
                    w[i] = t.scaleG() * (uc - xHat * t.d());
                    g[i] = dx;
                }
                store(g, n, c, r, ch, gx);
                store(w, n, c, r, ch, gGy);
                gGamma.setAtIndex(F32, ch, t.gGamma());
            }
        });
    }

    /**
     * One channel's constants of the double backward, from its five sums over the batch
     * (Σgy, Σu, Σu·gy, Σgy·(x − mean), Σu·(x − mean)), its size M, 1/√(var + eps) and γ:
     * per element then x̂ = (x − mean)·inv, gx = scaleX·(x̂·a + d·(gy − gMean) + c·(u − uMean))
     * and g(gy) = scaleG·(u − uMean − x̂·d). {@link BlockedBatchNorm} uses them too.
     */
    record SecondOrder(float inv, float d, float c, float gMean, float uMean, float a, float scaleX, float scaleG, float gGamma) {
        static SecondOrder of(double sumG, double sumU, double sumUG, double sumGXc, double sumUXc, double size, double invD, float gamma) {
            double gMean = sumG / size, uMean = sumU / size, c = sumGXc * invD / size, d = sumUXc * invD / size;
            double k = sumUG / size - uMean * gMean - c * d, gammaInv = gamma * invD;
            return new SecondOrder((float) invD, (float) d, (float) c, (float) gMean, (float) uMean, (float) (k - 2 * c * d),
                    (float) (-gammaInv * invD), (float) gammaInv, (float) (size * invD * k));
        }
    }

    private static void load(MemorySegment src, int n, int c, int r, long ch, float[] to) {
        for (int k = 0; k < n; k++) MemorySegment.copy(src, F32, ((long) k * c + ch) * r * 4, to, k * r, r);
    }

    private static void store(float[] from, int n, int c, int r, long ch, MemorySegment dst) {
        for (int k = 0; k < n; k++) MemorySegment.copy(from, k * r, dst, F32, ((long) k * c + ch) * r * 4, r);
    }

    /** Σv in double over float partial sums of {@link #PLANE_SUM} floats each. */
    private static double sum(float[] v) {
        double total = 0;
        for (int p = 0; p < v.length; p += PLANE_SUM) total += deviations(v, p, Math.min(p + PLANE_SUM, v.length), 0, false);
        return total;
    }

    /** Σ(v − m)² in double over float partial sums. */
    private static double squaredDeviation(float[] v, float m) {
        double total = 0;
        for (int p = 0; p < v.length; p += PLANE_SUM) total += deviations(v, p, Math.min(p + PLANE_SUM, v.length), m, true);
        return total;
    }

    /**
     * Σ(v − m) or Σ(v − m)² over [from, to) in eight independent float lanes: C2 does
     * not vectorize an ordered float sum, and one accumulator waits on every add.
     */
    private static float deviations(float[] v, int from, int to, float m, boolean squared) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            float d0 = v[i] - m, d1 = v[i + 1] - m, d2 = v[i + 2] - m, d3 = v[i + 3] - m;
            float d4 = v[i + 4] - m, d5 = v[i + 5] - m, d6 = v[i + 6] - m, d7 = v[i + 7] - m;
            if (squared) {
                s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
                s4 += d4 * d4; s5 += d5 * d5; s6 += d6 * d6; s7 += d7 * d7;
            } else {
                s0 += d0; s1 += d1; s2 += d2; s3 += d3; s4 += d4; s5 += d5; s6 += d6; s7 += d7;
            }
        }
        for (; i < to; i++) {
            float d = v[i] - m;
            s0 += squared ? d * d : d;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** Σ g·(v − m) over [from, to) in eight float lanes. */
    private static float products(float[] g, float[] v, int from, int to, float m) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            s0 += g[i] * (v[i] - m); s1 += g[i + 1] * (v[i + 1] - m);
            s2 += g[i + 2] * (v[i + 2] - m); s3 += g[i + 3] * (v[i + 3] - m);
            s4 += g[i + 4] * (v[i + 4] - m); s5 += g[i + 5] * (v[i + 5] - m);
            s6 += g[i + 6] * (v[i + 6] - m); s7 += g[i + 7] * (v[i + 7] - m);
        }
        for (; i < to; i++) s0 += g[i] * (v[i] - m);
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** Floats summed in float before the running total takes them in double. */
    private static final int PLANE_SUM = 1024;
}
