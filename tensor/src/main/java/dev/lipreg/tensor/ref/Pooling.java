package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Pool2dSpec;
import dev.lipreg.tensor.Shape;

/** Max and average pooling loops, PyTorch semantics (first maximum wins ties). */
final class Pooling {
    private Pooling() {
    }

    static void maxForward(double[] x, Shape xs, double[] y, double[] idx, Shape ys, Pool2dSpec s) {
        int planes = xs.dim(0) * xs.dim(1), h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int p = 0; p < s.kernelH(); p++) {
                        int hi = i * s.strideH() - s.padH() + p;
                        if (hi < 0 || hi >= h) continue;
                        for (int q = 0; q < s.kernelW(); q++) {
                            int wi = j * s.strideW() - s.padW() + q;
                            if (wi < 0 || wi >= w) continue;
                            double v = x[pl * h * w + hi * w + wi];
                            // strict '>' keeps the first maximum; NaN propagates as in PyTorch
                            if (at < 0 || v > best || Double.isNaN(v) && !Double.isNaN(best)) {
                                best = v;
                                at = hi * w + wi;
                            }
                        }
                    }
                    int o = (pl * oh + i) * ow + j;
                    y[o] = best;
                    idx[o] = at;
                }
            }
        }
    }

    static void avgForward(double[] x, Shape xs, double[] y, Shape ys, Pool2dSpec s) {
        avgWalk(xs, ys, s, (o, xi, div) -> y[o] += x[xi] / div);
    }

    static void avgBackward(double[] gy, Shape ys, double[] gx, Shape xs, Pool2dSpec s) {
        avgWalk(xs, ys, s, (o, xi, div) -> gx[xi] += gy[o] / div);
    }

    private interface AvgTap {
        void visit(int o, int xi, double divisor);
    }

    private static void avgWalk(Shape xs, Shape ys, Pool2dSpec s, AvgTap tap) {
        int planes = xs.dim(0) * xs.dim(1), h = xs.dim(2), w = xs.dim(3), oh = ys.dim(2), ow = ys.dim(3);
        for (int pl = 0; pl < planes; pl++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int h0 = i * s.strideH() - s.padH(), w0 = j * s.strideW() - s.padW();
                    int hs = Math.max(h0, 0), he = Math.min(h0 + s.kernelH(), h);
                    int ws = Math.max(w0, 0), we = Math.min(w0 + s.kernelW(), w);
                    double div = s.countIncludePad()
                            ? (Math.min(h0 + s.kernelH(), h + s.padH()) - h0) * (Math.min(w0 + s.kernelW(), w + s.padW()) - w0)
                            : (he - hs) * (we - ws);
                    int o = (pl * oh + i) * ow + j;
                    for (int hi = hs; hi < he; hi++) {
                        for (int wi = ws; wi < we; wi++) tap.visit(o, pl * h * w + hi * w + wi, div);
                    }
                }
            }
        }
    }
}
