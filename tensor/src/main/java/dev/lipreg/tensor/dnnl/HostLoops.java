package dev.lipreg.tensor.dnnl;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The few kernels that stay in Java because oneDNN has no primitive with the
 * semantics the reference backend defines: PyTorch's max-pool argmax positions and
 * the scatter/gather through them, argmax and one-hot of small logits/labels,
 * truncating float→int casts, and fills. Each is one pass over memory.
 */
final class HostLoops {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG;

    private HostLoops() {
    }

    /** Sets {@code n} elements to {@code value} (rounded as the reference does) by doubling bulk copies. */
    static void fill(MemorySegment s, DType dtype, long n, double value) {
        if (n == 0) return;
        long bytes = n * dtype.byteSize();
        if (value == 0 && Double.doubleToRawLongBits(value) == 0) {
            s.asSlice(0, bytes).fill((byte) 0);
            return;
        }
        switch (dtype) {
            case FLOAT32 -> s.set(F32, 0, (float) value);
            case INT32 -> s.set(I32, 0, (int) value);
            case INT64 -> s.set(I64, 0, (long) value);
            case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
        }
        for (long done = dtype.byteSize(); done < bytes; done *= 2) {
            MemorySegment.copy(s, 0, s, done, Math.min(done, bytes - done));
        }
    }

    /**
     * For max pooling whose values {@code y} oneDNN computed: the position h·W+w of
     * the first element of each window (row-major) equal to the window's maximum,
     * as PyTorch. oneDNN skips NaN where PyTorch propagates it, so a plane holding a
     * NaN takes the reference's rule outright (and its values are rewritten).
     * Works plane by plane on a heap copy of the bits: plain array indexing, and a
     * NaN test the JIT vectorizes.
     */
    static void maxPoolIndices(MemorySegment x, Shape xs, Pool2dSpec s, MemorySegment y, MemorySegment idx, Shape ys) {
        int planes = xs.dim(0) * xs.dim(1), h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        int plane = h * w, outPlane = oh * ow;
        Windows win = new Windows(s, h, w, oh, ow);
        parallel(planes, plane, (from, to) -> {
            int[] xp = new int[plane];
            float[] yp = new float[outPlane];
            int[] ip = new int[outPlane];
            for (long pl = from; pl < to; pl++) {
                MemorySegment.copy(x, I32, pl * plane * 4, xp, 0, plane);
                MemorySegment.copy(y, F32, pl * outPlane * 4, yp, 0, outPlane);
                if (hasNaN(xp)) {
                    firstMaxima(xp, w, win, oh, ow, yp, ip);
                    MemorySegment.copy(yp, 0, y, F32, pl * outPlane * 4, outPlane);
                } else {
                    anyWindow(xp, w, win, oh, ow, yp, ip);
                }
                MemorySegment.copy(ip, 0, idx, I32, pl * outPlane * 4, outPlane);
            }
        });
    }

    /**
     * nn.MaxPool2d(2) whole, values and indices in one pass over a heap copy of each
     * plane, without oneDNN: its NCHW pooling plus {@link #maxPoolIndices} took 3.9 ms
     * on [128,32,28,28], this 1.6 ms. A plane holding a NaN takes the reference's rule.
     */
    static void maxPoolPairs(MemorySegment x, Shape xs, MemorySegment y, MemorySegment idx, Shape ys) {
        int planes = xs.dim(0) * xs.dim(1), h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        int plane = h * w, outPlane = oh * ow;
        Windows win = new Windows(Pool2dSpec.of(2), h, w, oh, ow);
        parallel(planes, plane, (from, to) -> {
            int[] xp = new int[plane], key = new int[plane];
            float[] yp = new float[outPlane];
            int[] ip = new int[outPlane];
            for (long pl = from; pl < to; pl++) {
                MemorySegment.copy(x, I32, pl * plane * 4, xp, 0, plane);
                if (hasNaN(xp)) {
                    firstMaxima(xp, w, win, oh, ow, yp, ip);
                } else {
                    orderKeys(xp, key);
                    pairMaxima(xp, key, w, oh, ow, yp, ip);
                }
                MemorySegment.copy(yp, 0, y, F32, pl * outPlane * 4, outPlane);
                MemorySegment.copy(ip, 0, idx, I32, pl * outPlane * 4, outPlane);
            }
        });
    }

    /**
     * Ints ordered as the floats whose bits they are (no NaN), with -0.0 and 0.0 equal:
     * negative floats' magnitude bits flipped, then shifted up by one. Vectorizes.
     */
    private static void orderKeys(int[] bits, int[] key) {
        for (int i = 0; i < bits.length; i++) {
            int b = bits[i];
            key[i] = (b ^ ((b >> 31) & 0x7fffffff)) + (b >>> 31);
        }
    }

    /**
     * Each 2x2 window's first maximum in row-major order: each row pair's first
     * maximum, then the second row's only if strictly greater, which is the rule of a
     * scan with strict '>'. Branch-free on the order keys ({@code (a − b) >>> 63} is
     * 1 when a &lt; b): the JIT compiles float selects to branches, which real data
     * mispredicts (4x slower).
     */
    private static void pairMaxima(int[] xp, int[] key, int w, int oh, int ow, float[] yp, int[] ip) {
        for (int i = 0, o = 0; i < oh; i++) {
            int r0 = 2 * i * w, r1 = r0 + w;
            for (int j = 0; j < ow; j++, o++) {
                int k0 = r0 + 2 * j, k1 = r1 + 2 * j;
                int a = key[k0], b = key[k0 + 1], c = key[k1], d = key[k1 + 1];
                int s0 = (int) (((long) a - b) >>> 63), s1 = (int) (((long) c - d) >>> 63);
                int m0 = a ^ ((a ^ b) & -s0), m1 = c ^ ((c ^ d) & -s1);
                int s = (int) (((long) m0 - m1) >>> 63);
                int i0 = k0 + s0, i1 = k1 + s1;
                int at = i0 ^ ((i0 ^ i1) & -s);
                ip[o] = at;
                yp[o] = f(xp[at]);
            }
        }
    }

    /** nn.MaxPool2d(2): 2x2 windows, stride 2, no padding, so windows never overlap. */
    static boolean isPairs(Pool2dSpec s) {
        return s.kernelH() == 2 && s.kernelW() == 2 && s.strideH() == 2 && s.strideW() == 2 && s.padH() == 0 && s.padW() == 0;
    }

    /** NaN is a magnitude above infinity's bit pattern; this int max reduction vectorizes. */
    private static boolean hasNaN(int[] bits) {
        int m = 0;
        for (int b : bits) m = Math.max(m, b & 0x7fffffff);
        return m > 0x7f800000;
    }

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    /**
     * Each window's first element equal (as a float: 0.0 == -0.0) to its maximum.
     * It scans backwards selecting every match, so the last one selected is the
     * first in row-major order: the JIT makes the select a conditional move, which
     * on real data (random winners) is several times faster than an early exit.
     */
    private static void anyWindow(int[] xp, int w, Windows win, int oh, int ow, float[] yp, int[] ip) {
        for (int i = 0, o = 0; i < oh; i++) {
            int hs = win.hs[i], he = win.he[i];
            for (int j = 0; j < ow; j++, o++) {
                float t = yp[o];
                int at = -1;
                for (int hi = he - 1; hi >= hs; hi--) {
                    for (int k = hi * w + win.we[j] - 1, end = hi * w + win.ws[j]; k >= end; k--) {
                        at = f(xp[k]) == t ? k : at;
                    }
                }
                ip[o] = at >= 0 ? at : firstMaximum(xp, w, hs, he, win.ws[j], win.we[j]);
            }
        }
    }

    /** The reference's rule for every window, values included: planes with NaN. */
    private static void firstMaxima(int[] xp, int w, Windows win, int oh, int ow, float[] yp, int[] ip) {
        for (int i = 0, o = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++, o++) {
                ip[o] = firstMaximum(xp, w, win.hs[i], win.he[i], win.ws[j], win.we[j]);
                yp[o] = f(xp[ip[o]]);
            }
        }
    }

    /** Strict '>' keeps the first maximum; the first NaN wins and stays, as in PyTorch. */
    private static int firstMaximum(int[] x, int w, int hs, int he, int ws, int we) {
        float best = Float.NEGATIVE_INFINITY;
        int at = -1;
        for (int hi = hs; hi < he; hi++) {
            for (int k = hi * w + ws, end = hi * w + we; k < end; k++) {
                float v = f(x[k]);
                if (at < 0 || v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                    best = v;
                    at = k;
                }
            }
        }
        return at;
    }

    /** Window bounds per output row and column, clipped to the input (padding is never a maximum). */
    private static final class Windows {
        final int[] hs, he, ws, we;

        Windows(Pool2dSpec s, int h, int w, int oh, int ow) {
            hs = new int[oh];
            he = new int[oh];
            ws = new int[ow];
            we = new int[ow];
            for (int i = 0; i < oh; i++) {
                hs[i] = Math.max(i * s.strideH() - s.padH(), 0);
                he[i] = Math.min(i * s.strideH() - s.padH() + s.kernelH(), h);
            }
            for (int j = 0; j < ow; j++) {
                ws[j] = Math.max(j * s.strideW() - s.padW(), 0);
                we[j] = Math.min(j * s.strideW() - s.padW() + s.kernelW(), w);
            }
        }
    }

    private static final int CHUNK = 4096;

    /**
     * dst ← keep·dst + scale·x over n floats, in L1-sized chunks copied to arrays
     * (loops C2 vectorizes), chunks in parallel. Float arithmetic, no fused
     * multiply-add: the same rounding as an affine map of each side and a sum.
     */
    static void addScaled(MemorySegment dst, float keep, MemorySegment x, float scale, long n) {
        long chunks = (n + CHUNK - 1) / CHUNK;
        parallel(chunks, CHUNK, (from, to) -> {
            float[] d = new float[CHUNK], v = new float[CHUNK];
            for (long c = from; c < to; c++) {
                long off = c * CHUNK;
                int len = (int) Math.min(CHUNK, n - off);
                MemorySegment.copy(dst, F32, off * 4, d, 0, len);
                MemorySegment.copy(x, F32, off * 4, v, 0, len);
                for (int i = 0; i < len; i++) d[i] = keep * d[i] + scale * v[i];
                MemorySegment.copy(d, 0, dst, F32, off * 4, len);
            }
        });
    }

    /** gx (x-shaped, fully written) = gy scatter-added to the planes' {@code idx} positions; planes run in parallel. */
    static void scatterAdd(MemorySegment gy, MemorySegment idx, int outPlane, MemorySegment gx, int plane, long planes, String op) {
        parallel(planes, plane, (from, to) -> {
            float[] g = new float[outPlane], r = new float[plane];
            int[] ip = new int[outPlane];
            for (long pl = from; pl < to; pl++) {
                MemorySegment.copy(gy, F32, pl * outPlane * 4, g, 0, outPlane);
                MemorySegment.copy(idx, I32, pl * outPlane * 4, ip, 0, outPlane);
                java.util.Arrays.fill(r, 0f);
                for (int o = 0; o < outPlane; o++) r[checked(ip[o], plane, pl * outPlane + o, op)] += g[o];
                MemorySegment.copy(r, 0, gx, F32, pl * plane * 4, plane);
            }
        });
    }

    /**
     * r[o] = gx at the o-th index of its plane. Reads gx in place (a heap copy of
     * each plane would move four times the bytes the gather needs), in its layout:
     * plane (image, channel) at position p is element ((image·C/lanes + channel/lanes)·plane
     * + p)·lanes + channel % lanes, lanes 1 for row-major (a carried gx converted to
     * row-major first would move all of it twice for the quarter read).
     */
    static void gather(MemorySegment gx, int channels, int lanes, MemorySegment idx, int outPlane, MemorySegment r, int plane, long planes,
                       String op) {
        int blocks = channels / lanes;
        parallel(planes, plane, (from, to) -> {
            float[] out = new float[outPlane];
            int[] ip = new int[outPlane];
            for (long pl = from; pl < to; pl++) {
                MemorySegment.copy(idx, I32, pl * outPlane * 4, ip, 0, outPlane);
                long image = pl / channels;
                int ch = (int) (pl % channels);
                long base = ((image * blocks + ch / lanes) * plane) * lanes + ch % lanes;
                for (int o = 0; o < outPlane; o++) {
                    out[o] = gx.getAtIndex(F32, base + (long) checked(ip[o], plane, pl * outPlane + o, op) * lanes);
                }
                MemorySegment.copy(out, 0, r, F32, pl * outPlane * 4, outPlane);
            }
        });
    }

    /** A loop body over planes [from, to). */
    @FunctionalInterface
    interface Planes {
        void run(long from, long to);
    }

    /** Below this many elements in all a loop runs on the calling thread alone. */
    static final long PARALLEL_MIN_ELEMENTS = 1L << 16;

    /**
     * Runs {@code body} over [0, planes) split across the OpenMP thread count: on
     * oneDNN's OpenMP team when libgomp is there (see {@link OmpTeam}), else the
     * calling thread takes the first share and the common fork-join pool the others.
     * Small loops run on the calling thread alone. An exception in any share is
     * rethrown here.
     */
    static void parallel(long planes, long elementsPerPlane, Planes body) {
        int threads = (int) Math.min(Math.min(threads(), planes), Math.max(1, planes * elementsPerPlane / PARALLEL_MIN_ELEMENTS));
        if (threads <= 1) {
            body.run(0, planes);
            return;
        }
        if (OmpTeam.available()) {
            OmpTeam.run(planes, threads, body);
            return;
        }
        java.util.concurrent.ForkJoinTask<?>[] others = new java.util.concurrent.ForkJoinTask<?>[threads - 1];
        for (int t = 1; t < threads; t++) {
            long from = planes * t / threads, to = planes * (t + 1) / threads;
            others[t - 1] = java.util.concurrent.ForkJoinPool.commonPool().submit(() -> body.run(from, to));
        }
        RuntimeException failure = null;
        try {
            body.run(0, planes / threads);
        } catch (RuntimeException e) {
            failure = e;
        }
        for (var f : others) {
            try {
                f.join();
            } catch (RuntimeException e) {
                Throwable c = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                if (failure == null) failure = c instanceof RuntimeException re ? re : e;
            }
        }
        if (failure != null) throw failure;
    }

    private static int threads() {
        return Math.max(1, Math.min(dev.lipreg.bindings.Dnnl.maxThreads(), Runtime.getRuntime().availableProcessors()));
    }

    private static int checked(int i, int plane, long position, String op) {
        if (i < 0 || i >= plane) {
            throw new IllegalArgumentException(op + ": index " + i + " at position " + position + " outside the input plane of "
                    + plane + " elements");
        }
        return i;
    }

    /** INT64 index of the first maximum along the middle axis of [outer, len, inner] (NaN never wins, as the reference). */
    static void argmax(MemorySegment x, long outer, int len, long inner, MemorySegment r) {
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                long base = o * len * inner + i;
                int best = 0;
                float bv = x.getAtIndex(F32, base);
                for (int k = 1; k < len; k++) {
                    float e = x.getAtIndex(F32, base + k * inner);
                    if (e > bv) {
                        bv = e;
                        best = k;
                    }
                }
                r.setAtIndex(I64, o * inner + i, best);
            }
        }
    }

    /** Integer label of element i of an INT32 or INT64 tensor. */
    static long label(MemorySegment labels, DType dtype, long i) {
        return dtype == DType.INT32 ? labels.getAtIndex(I32, i) : labels.getAtIndex(I64, i);
    }

    /** Sets element i of a tensor of {@code dtype} to 1. */
    static void setOne(MemorySegment s, DType dtype, long i) {
        switch (dtype) {
            case FLOAT32 -> s.setAtIndex(F32, i, 1f);
            case INT32 -> s.setAtIndex(I32, i, 1);
            case INT64 -> s.setAtIndex(I64, i, 1L);
            case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
        }
    }

    /**
     * Casts the reference defines element by element: float→int truncates toward
     * zero (a reorder would round to nearest), and INT64 has no oneDNN conversion.
     * The results match the reference's double-based conversions exactly.
     */
    static void cast(MemorySegment src, DType from, MemorySegment dst, DType to, long n) {
        for (long i = 0; i < n; i++) {
            switch (from) {
                case FLOAT32 -> {
                    float v = src.getAtIndex(F32, i);
                    if (to == DType.INT32) dst.setAtIndex(I32, i, (int) v);
                    else dst.setAtIndex(I64, i, (long) v);
                }
                case INT32 -> {
                    int v = src.getAtIndex(I32, i);
                    if (to == DType.INT64) dst.setAtIndex(I64, i, v);
                    else dst.setAtIndex(F32, i, (float) v);
                }
                case INT64 -> {
                    long v = src.getAtIndex(I64, i);
                    // through double, as the reference reads values: it rounds twice for |v| > 2^53
                    if (to == DType.FLOAT32) dst.setAtIndex(F32, i, (float) (double) v);
                    else dst.setAtIndex(I32, i, (int) (double) v);
                }
                case FLOAT64 -> throw new IllegalArgumentException(DnnlBackend.FLOAT64_MESSAGE);
            }
        }
    }
}
