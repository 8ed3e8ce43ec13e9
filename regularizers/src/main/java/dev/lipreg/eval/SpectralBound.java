package dev.lipreg.eval;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

/**
 * Upper bounds on the spectral norm σ_max of a layer's linear part that are
 * provably never below it (docs/evaluation.md, "Sound bounds"), unlike
 * {@link PowerIteration}, which approaches σ_max from below.
 *
 * <p>Convolutions (zero padding, stride, dilation, groups, an optional
 * per-output-channel scale such as a folded batch norm): the layer equals
 * S·C·E where E zero-pads the image into an N×N' canvas (an isometry), C is a
 * <em>circular</em> strided convolution on that canvas, and S keeps the output
 * positions the layer computes (a row selection). With N = s·⌈(H + 2p)/s⌉ no
 * index the layer reads wraps around, so the selected rows of C are exactly the
 * layer's. Hence σ_max(layer) ≤ ‖C‖. Splitting the canvas into its s×s
 * polyphase components turns C into a stride-1 circular convolution with
 * C_in·s_h·s_w input channels, which the 2-d DFT block-diagonalizes:
 * ‖C‖ = max over the M×M' frequencies of σ_max(K̂(u, v)), K̂ a small complex
 * matrix. Each of those is bounded by the Gram iteration of Delattre et al.
 * (ICML 2023), σ_max(K̂) ≤ ‖(K̂ᴴK̂)^(2^T)‖_F^(1/2^(T+1)), which overshoots by at
 * most (matrix side)^(1/2^(T+1)) (1.002 for a side of 64 at T = 10).
 *
 * <p>Dense layers: the same Gram iteration on the explicit weight matrix.
 * Average pooling: Schur's test σ_max ≤ √(max row sum · max column sum) of its
 * non-negative matrix, computed in closed form.
 *
 * <p>Everything is computed in double from the (exactly converted) weights; the
 * result is multiplied by {@link #ROUNDING_MARGIN}, orders of magnitude above the
 * worst-case relative rounding error of these computations (about 1e-12 for
 * matrix sides up to a few thousand).
 */
public final class SpectralBound {
    /** Relative margin covering floating-point rounding in the computation. */
    public static final double ROUNDING_MARGIN = 1 + 1e-9;
    /** Gram iteration steps: overshoot ≤ n^(1/2^(T+1)) for an n×n Gram matrix. */
    public static final int GRAM_STEPS = 10;

    private SpectralBound() {
    }

    /**
     * ‖x ↦ y‖ for y = conv2d(x, weight, spec) without bias, times {@code channelScale[o]} per output channel (null: 1),
     * on inputs {@code inputShape} [1,C,H,W].
     *
     * @param weight       the weight [O, C/groups, kH, kW]
     * @param spec         stride, padding, dilation and groups
     * @param inputShape   [1, C, H, W]
     * @param channelScale a scale per output channel [O] (an eval-mode batch norm's γ/√(var+eps)), or null
     * @return an upper bound on the operator's ℓ2 norm
     * @throws IllegalArgumentException if the geometry does not fit the input shape
     */
    public static double conv2d(Tensor weight, Conv2dSpec spec, Shape inputShape, Tensor channelScale) {
        spec.outputShape(inputShape, weight.shape()); // validates the geometry
        int cout = weight.dim(0), cinG = weight.dim(1), kh = weight.dim(2), kw = weight.dim(3), groups = spec.groups(), coutG = cout / groups;
        double[] k = weight.toDoubleArray();
        double[] scale = channelScale == null ? null : channelScale.toDoubleArray();
        int sh = spec.strideH(), sw = spec.strideW();
        int mh = ceilDiv(inputShape.dim(2) + 2 * spec.padH(), sh), mw = ceilDiv(inputShape.dim(3) + 2 * spec.padW(), sw);
        int cols = cinG * sh * sw;
        // every tap's column in K̂ (input channel, polyphase) and its offset (in strides) on the canvas
        int taps = cinG * kh * kw;
        int[] col = new int[taps], offH = new int[taps], offW = new int[taps];
        for (int c = 0; c < cinG; c++) {
            for (int a = 0; a < kh; a++) {
                for (int b = 0; b < kw; b++) {
                    int t = (c * kh + a) * kw + b, qh = a * spec.dilationH(), qw = b * spec.dilationW();
                    col[t] = (c * sh + qh % sh) * sw + qw % sw;
                    offH[t] = qh / sh;
                    offW[t] = qw / sw;
                }
            }
        }
        double best = 0;
        double[] re = new double[coutG * cols], im = new double[coutG * cols];
        for (int g = 0; g < groups; g++) {
            for (int u = 0; u < mh; u++) {
                for (int v = 0; v < mw; v++) {
                    java.util.Arrays.fill(re, 0);
                    java.util.Arrays.fill(im, 0);
                    for (int o = 0; o < coutG; o++) {
                        int out = g * coutG + o;
                        double s = scale == null ? 1 : scale[out];
                        for (int t = 0; t < taps; t++) {
                            double w = k[out * taps + t] * s;
                            if (w == 0) continue;
                            double phase = -2 * Math.PI * ((double) u * offH[t] / mh + (double) v * offW[t] / mw);
                            re[o * cols + col[t]] += w * Math.cos(phase);
                            im[o * cols + col[t]] += w * Math.sin(phase);
                        }
                    }
                    best = Math.max(best, gramBound(re, im, coutG, cols));
                }
            }
        }
        return best * ROUNDING_MARGIN;
    }

    /**
     * ‖x ↦ x·Wᵀ‖ for a dense weight W [out, in].
     *
     * @param weight W [out, in]
     * @return an upper bound on σ_max(W)
     * @throws IllegalArgumentException if the weight is not a matrix
     */
    public static double linear(Tensor weight) {
        if (weight.shape().rank() != 2) throw new IllegalArgumentException("linear weight must be [out, in], got " + weight.shape());
        return matrix(weight.toDoubleArray(), weight.dim(0), weight.dim(1));
    }

    /**
     * σ_max of a real row-major {@code rows}×{@code cols} matrix, from above.
     *
     * @param a    the entries, row-major
     * @param rows the row count
     * @param cols the column count
     * @return an upper bound on the largest singular value
     * @throws IllegalArgumentException if {@code a} does not have rows·cols entries
     */
    public static double matrix(double[] a, int rows, int cols) {
        if (a.length != rows * cols) throw new IllegalArgumentException("matrix has " + a.length + " entries, expected " + rows + "x" + cols);
        return gramBound(a, null, rows, cols) * ROUNDING_MARGIN;
    }

    /**
     * Average pooling on inputs {@code inputShape} [1,C,H,W]: Schur's test on its
     * non-negative matrix. Window weights are separable (1/k per axis, or 1/valid
     * count per axis when padding is excluded), so the row and column sums are
     * products of per-axis sums.
     *
     * @param spec       the window, stride, padding and divisor policy
     * @param inputShape [1, C, H, W]
     * @return an upper bound on the pooling's ℓ2 norm
     * @throws IllegalArgumentException if the window does not fit the input shape
     */
    public static double avgPool2d(Pool2dSpec spec, Shape inputShape) {
        Shape out = spec.outputShape(inputShape);
        double[] h = axisSums(inputShape.dim(2), out.dim(2), spec.kernelH(), spec.strideH(), spec.padH(), spec.countIncludePad());
        double[] w = axisSums(inputShape.dim(3), out.dim(3), spec.kernelW(), spec.strideW(), spec.padW(), spec.countIncludePad());
        return Math.sqrt(h[0] * w[0] * h[1] * w[1]) * ROUNDING_MARGIN;
    }

    /** {max row sum, max column sum} along one axis of a pooling. */
    private static double[] axisSums(int size, int outSize, int kernel, int stride, int pad, boolean includePad) {
        double[] colSum = new double[size];
        double maxRow = 0;
        for (int i = 0; i < outSize; i++) {
            int lo = i * stride - pad, from = Math.max(lo, 0), to = Math.min(lo + kernel, size);
            int valid = Math.max(to - from, 0);
            double weight = valid == 0 ? 0 : 1.0 / (includePad ? kernel : valid);
            maxRow = Math.max(maxRow, valid * weight);
            for (int x = from; x < to; x++) colSum[x] += weight;
        }
        double maxCol = 0;
        for (double c : colSum) maxCol = Math.max(maxCol, c);
        return new double[]{maxRow, maxCol};
    }

    /**
     * σ_max of the complex {@code rows}×{@code cols} matrix re + i·im (im null: real)
     * by the Gram iteration on its smaller Gram matrix, without the rounding margin.
     */
    static double gramBound(double[] re, double[] im, int rows, int cols) {
        boolean wide = rows <= cols; // Gram of the smaller side: M·Mᴴ (rows×rows) or Mᴴ·M
        int n = wide ? rows : cols, len = wide ? cols : rows;
        double[] gr = new double[n * n], gi = im == null ? null : new double[n * n];
        for (int p = 0; p < n; p++) {
            for (int q = p; q < n; q++) {
                double sr = 0, si = 0;
                for (int t = 0; t < len; t++) {
                    int ip = wide ? p * cols + t : t * cols + p, iq = wide ? q * cols + t : t * cols + q;
                    // M·Mᴴ: Σ m_pt·conj(m_qt); Mᴴ·M: Σ conj(m_tp)·m_tq (conjugate of the former's form)
                    sr += re[ip] * re[iq] + (im == null ? 0 : im[ip] * im[iq]);
                    if (im != null) si += wide ? im[ip] * re[iq] - re[ip] * im[iq] : re[ip] * im[iq] - im[ip] * re[iq];
                }
                gr[p * n + q] = sr;
                gr[q * n + p] = sr;
                if (gi != null) {
                    gi[p * n + q] = si;
                    gi[q * n + p] = -si;
                }
            }
        }
        return Math.sqrt(hermitianGram(gr, gi, n));
    }

    /**
     * An upper bound on λ_max of a Hermitian positive semi-definite G:
     * λ_max^(2^T) = ‖G^(2^T)‖₂ ≤ ‖G^(2^T)‖_F, with G rescaled to unit Frobenius norm
     * before each squaring (the scales are carried in log form).
     */
    private static double hermitianGram(double[] gr, double[] gi, int n) {
        double logScale = 0;
        for (int step = 0; step < GRAM_STEPS; step++) {
            double f = frobenius(gr, gi);
            if (f == 0) return 0;
            logScale = 2 * (logScale + Math.log(f));
            for (int i = 0; i < gr.length; i++) {
                gr[i] /= f;
                if (gi != null) gi[i] /= f;
            }
            double[][] sq = square(gr, gi, n);
            gr = sq[0];
            gi = sq[1];
        }
        double f = frobenius(gr, gi);
        if (f == 0) return 0;
        return Math.exp((logScale + Math.log(f)) / (1L << GRAM_STEPS));
    }

    /** G·G for a Hermitian G (the result is Hermitian too). */
    private static double[][] square(double[] gr, double[] gi, int n) {
        double[] r = new double[n * n], i = gi == null ? null : new double[n * n];
        for (int p = 0; p < n; p++) {
            for (int t = 0; t < n; t++) {
                double ar = gr[p * n + t], ai = gi == null ? 0 : gi[p * n + t];
                if (ar == 0 && ai == 0) continue;
                int rowT = t * n, rowP = p * n;
                if (gi == null) {
                    for (int q = 0; q < n; q++) r[rowP + q] += ar * gr[rowT + q];
                } else {
                    for (int q = 0; q < n; q++) {
                        double br = gr[rowT + q], bi = gi[rowT + q];
                        r[rowP + q] += ar * br - ai * bi;
                        i[rowP + q] += ar * bi + ai * br;
                    }
                }
            }
        }
        return new double[][]{r, i};
    }

    private static double frobenius(double[] re, double[] im) {
        double s = 0;
        for (int i = 0; i < re.length; i++) s += re[i] * re[i] + (im == null ? 0 : im[i] * im[i]);
        return Math.sqrt(s);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
