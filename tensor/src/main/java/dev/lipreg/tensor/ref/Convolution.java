package dev.lipreg.tensor.ref;

import dev.lipreg.tensor.Conv2dSpec;
import dev.lipreg.tensor.Shape;

/**
 * Direct convolution loops. One visitor walks every (output, kernel tap, input)
 * triple; forward and both backward passes differ only in which of the three
 * arrays they accumulate into, so they cannot disagree on geometry.
 */
final class Convolution {
    private Convolution() {
    }

    private interface Tap {
        void visit(int yi, int wi, int xi);
    }

    private static void forEachTap(Shape x, Shape w, Shape y, Conv2dSpec s, Tap tap) {
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), wd = x.dim(3);
        int oc = w.dim(0), icg = w.dim(1), kh = w.dim(2), kw = w.dim(3);
        int oh = y.dim(2), ow = y.dim(3), g = s.groups(), ocg = oc / g;
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < oc; o++) {
                int group = o / ocg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yi = ((b * oc + o) * oh + i) * ow + j;
                        for (int ci = 0; ci < icg; ci++) {
                            int ch = group * icg + ci;
                            for (int p = 0; p < kh; p++) {
                                int hi = i * s.strideH() - s.padH() + p * s.dilationH();
                                if (hi < 0 || hi >= h) continue;
                                for (int q = 0; q < kw; q++) {
                                    int wi = j * s.strideW() - s.padW() + q * s.dilationW();
                                    if (wi < 0 || wi >= wd) continue;
                                    tap.visit(yi, ((o * icg + ci) * kh + p) * kw + q, ((b * c + ch) * h + hi) * wd + wi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static void forward(double[] x, Shape xs, double[] w, Shape ws, double[] y, Shape ys, Conv2dSpec s) {
        forEachTap(xs, ws, ys, s, (yi, wi, xi) -> y[yi] += w[wi] * x[xi]);
    }

    static void backwardData(double[] gy, Shape ys, double[] w, Shape ws, double[] gx, Shape xs, Conv2dSpec s) {
        forEachTap(xs, ws, ys, s, (yi, wi, xi) -> gx[xi] += w[wi] * gy[yi]);
    }

    static void backwardWeights(double[] x, Shape xs, double[] gy, Shape ys, double[] gw, Shape ws, Conv2dSpec s) {
        forEachTap(xs, ws, ys, s, (yi, wi, xi) -> gw[wi] += x[xi] * gy[yi]);
    }
}
