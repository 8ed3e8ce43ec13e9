package dev.lipreg.tensor.cuda;

/**
 * CUDA C source of the backend's own kernels, compiled once per backend by NVRTC. Written so
 * the same text also compiles as plain C++ (tests emulate kernels on the CPU with a small
 * prelude): no #include, no shared memory, no __syncthreads, every thread independent
 * (atomics only for scatter-add and error flags). Each kernel is a grid-stride loop over its
 * outputs, so any launch size is correct. Semantics follow {@code ReferenceBackend}: the
 * comments name the reference rule where a choice exists (NaN, ties, saturation).
 *
 * <p>Codes passed from Java: unary op = {@code UnaryOp.ordinal()}, binary op =
 * {@code BinaryOp.ordinal()}, reduce op = {@code ReduceOp.ordinal()}, dtype 0 = FLOAT32,
 * 1 = INT32, 2 = INT64.
 */
final class KernelSource {
    private KernelSource() {
    }

    static final String SOURCE = """
        typedef unsigned long long lr_u64;
        typedef long long lr_i64;

        /* An index space of up to 8 dims with two stride sets (elements); 0 = broadcast. */
        struct lr_strides { int rank; int dims[8]; int sa[8]; int sb[8]; };
        /* Reduction: kept dims (output order) and reduced dims, each with input strides. */
        struct lr_red { int nk; int kd[8]; int ks[8]; int nr; int rd[8]; int rs[8]; };
        /* 2-d pooling over planes (N*C) of h x w. */
        struct lr_pool { int planes; int h; int w; int oh; int ow; int kh; int kw; int sh; int sw; int ph; int pw; int include_pad; };

        #define LR_FOR(i, n) for (int i = (int) (blockIdx.x * blockDim.x + threadIdx.x); i < (n); i += (int) (blockDim.x * gridDim.x))

        __device__ __forceinline__ float lr_inf() { return __int_as_float(0x7f800000); }
        __device__ __forceinline__ float lr_nan() { return __int_as_float(0x7fc00000); }
        __device__ __forceinline__ int lr_mini(int a, int b) { return a < b ? a : b; }
        __device__ __forceinline__ int lr_maxi(int a, int b) { return a > b ? a : b; }
        __device__ __forceinline__ float lr_sigmoid(float x) { return x >= 0.f ? 1.f / (1.f + expf(-x)) : expf(x) / (1.f + expf(x)); }

        /* ---------------------------------------------------------------- memory */

        extern "C" __global__ void lr_fill32(unsigned* y, int n, unsigned v) { LR_FOR(i, n) y[i] = v; }
        extern "C" __global__ void lr_fill64(lr_u64* y, int n, lr_u64 v) { LR_FOR(i, n) y[i] = v; }

        /* Element i of the index space: offsets into a (sa) and b (sb). */
        __device__ __forceinline__ void lr_offsets(const lr_strides& s, int i, int* oa, int* ob) {
            int a = 0, b = 0;
        #pragma unroll
            for (int d = 7; d >= 0; d--) {
                if (d < s.rank) { int c = i % s.dims[d]; i /= s.dims[d]; a += c * s.sa[d]; b += c * s.sb[d]; }
            }
            *oa = a; *ob = b;
        }

        /* Strided copies (broadcastTo, permute, slice, concat): src offsets sa, dst offsets sb. */
        extern "C" __global__ void lr_copy32(const unsigned* x, unsigned* y, int n, lr_strides s) {
            LR_FOR(i, n) { int a, b; lr_offsets(s, i, &a, &b); y[b] = x[a]; }
        }
        extern "C" __global__ void lr_copy64(const lr_u64* x, lr_u64* y, int n, lr_strides s) {
            LR_FOR(i, n) { int a, b; lr_offsets(s, i, &a, &b); y[b] = x[a]; }
        }

        /* Java's (int) and (long) of a double: NaN -> 0, saturating. */
        __device__ __forceinline__ int lr_d2i(double v) {
            if (v != v) return 0;
            if (v >= 2147483647.0) return 2147483647;
            if (v <= -2147483648.0) return -2147483647 - 1;
            return (int) v;
        }
        __device__ __forceinline__ lr_i64 lr_d2l(double v) {
            if (v != v) return 0;
            if (v >= 9223372036854775807.0) return 9223372036854775807LL;
            if (v <= -9223372036854775807.0 - 1.0) return -9223372036854775807LL - 1;
            return (lr_i64) v;
        }

        /* The reference reads every dtype into a double, then writes with Java's casts. */
        extern "C" __global__ void lr_cast(const void* x, int from, void* y, int to, int n) {
            LR_FOR(i, n) {
                double v = from == 0 ? (double) ((const float*) x)[i]
                         : from == 1 ? (double) ((const int*) x)[i] : (double) ((const lr_i64*) x)[i];
                if (to == 0) ((float*) y)[i] = (float) v;
                else if (to == 1) ((int*) y)[i] = lr_d2i(v);
                else ((lr_i64*) y)[i] = lr_d2l(v);
            }
        }

        /* ---------------------------------------------------------------- element-wise */

        /* UnaryOp.apply: NEG ABS SIGN SQUARE SQRT EXP LOG RECIPROCAL RELU LEAKY_RELU ELU SOFTPLUS TANH SIGMOID STEP */
        __device__ float lr_unary_f(int op, float x, float a) {
            switch (op) {
                case 0: return -x;
                case 1: return fabsf(x);
                case 2: return x > 0.f ? 1.f : (x < 0.f ? -1.f : x); /* Math.signum: keeps 0, -0, NaN */
                case 3: return x * x;
                case 4: return sqrtf(x);
                case 5: return expf(x);
                case 6: return logf(x);
                case 7: return 1.f / x;
                case 8: return x > 0.f ? x : 0.f;                      /* NaN -> 0 as the reference */
                case 9: return x > 0.f ? x : a * x;
                case 10: return x > 0.f ? x : a * expm1f(x);
                case 11: return (x > 0.f ? x : 0.f) + log1pf(expf(-fabsf(x)));
                case 12: return tanhf(x);
                case 13: return lr_sigmoid(x);
                case 14: return x > 0.f ? 1.f : 0.f;
            }
            return lr_nan();
        }

        /* UnaryOp.derivative; 0 at kinks (ReLU'(0) = 0). */
        __device__ float lr_unary_d(int op, float x, float a) {
            switch (op) {
                case 0: return -1.f;
                case 1: return x > 0.f ? 1.f : (x < 0.f ? -1.f : x);
                case 2: return 0.f;
                case 3: return 2.f * x;
                case 4: return 0.5f / sqrtf(x);
                case 5: return expf(x);
                case 6: return 1.f / x;
                case 7: return -1.f / (x * x);
                case 8: return x > 0.f ? 1.f : 0.f;
                case 9: return x > 0.f ? 1.f : a;
                case 10: return x > 0.f ? 1.f : a * expf(x);
                case 11: return lr_sigmoid(x);
                case 12: { float t = tanhf(x); return 1.f - t * t; }
                case 13: { float s = lr_sigmoid(x); return s * (1.f - s); }
                case 14: return 0.f;
            }
            return lr_nan();
        }

        extern "C" __global__ void lr_unary(const float* x, float* y, int n, int op, float alpha) {
            LR_FOR(i, n) y[i] = lr_unary_f(op, x[i], alpha);
        }

        /* gy * f'(x): a NaN or infinite gy stays NaN even where f' = 0, as gy * 0 does. */
        extern "C" __global__ void lr_unary_bwd(const float* gy, const float* x, float* gx, int n, int op, float alpha) {
            LR_FOR(i, n) gx[i] = gy[i] * lr_unary_d(op, x[i], alpha);
        }

        /* BinaryOp.apply: ADD SUB MUL DIV MAX MIN GT GE LT LE EQ NE (comparisons give 1 or 0). */
        __device__ __forceinline__ float lr_binary_f(int op, float a, float b) {
            switch (op) {
                case 0: return a + b;
                case 1: return a - b;
                case 2: return a * b;
                case 3: return a / b;
                case 4: return a != a || b != b ? lr_nan() : (a >= b ? a : b); /* Math.max: NaN wins */
                case 5: return a != a || b != b ? lr_nan() : (a <= b ? a : b);
                case 6: return a > b ? 1.f : 0.f;
                case 7: return a >= b ? 1.f : 0.f;
                case 8: return a < b ? 1.f : 0.f;
                case 9: return a <= b ? 1.f : 0.f;
                case 10: return a == b ? 1.f : 0.f;
                case 11: return a != b ? 1.f : 0.f;
            }
            return lr_nan();
        }

        /* y (contiguous) = a op b; s.sa and s.sb are a's and b's strides, 0 on broadcast axes. */
        extern "C" __global__ void lr_binary(const float* a, const float* b, float* y, int n, int op, lr_strides s) {
            LR_FOR(i, n) { int oa, ob; lr_offsets(s, i, &oa, &ob); y[i] = lr_binary_f(op, a[oa], b[ob]); }
        }

        /* In double, rounded once, as the reference. */
        extern "C" __global__ void lr_affine(const float* x, float* y, int n, double scale, double shift) {
            LR_FOR(i, n) y[i] = (float) ((double) x[i] * scale + shift);
        }

        /* Math.min(Math.max(v, lo), hi): NaN stays NaN. */
        extern "C" __global__ void lr_clamp(const float* x, float* y, int n, double lo, double hi) {
            LR_FOR(i, n) {
                double v = x[i];
                if (v == v) { v = v < lo ? lo : v; v = v > hi ? hi : v; }
                y[i] = (float) v;
            }
        }

        /* ---------------------------------------------------------------- reductions */

        /* ReduceOp: SUM MEAN MAX MIN NORM_L1 NORM_L2 NORM_LINF. Accumulation in double. */
        __device__ __forceinline__ double lr_red_init(int op) {
            return op == 2 ? -(double) lr_inf() : (op == 3 ? (double) lr_inf() : 0.0);
        }
        __device__ __forceinline__ double lr_red_map(int op, double e) {
            return op == 4 || op == 6 ? fabs(e) : (op == 5 ? e * e : e);
        }
        /* The reference's update rule; also combines partial results. A NaN sticks for max/min/linf. */
        __device__ __forceinline__ double lr_red_add(int op, double acc, double e) {
            if (op == 2 || op == 6) return e != e || e > acc ? e : acc;
            if (op == 3) return e != e || e < acc ? e : acc;
            return acc + e;
        }
        __device__ __forceinline__ double lr_red_final(int op, double acc, int len) {
            return op == 1 ? acc / (double) len : (op == 5 ? sqrt(acc) : acc);
        }
        __device__ __forceinline__ int lr_red_offset(int i, int n, const int* d, const int* s) {
            int off = 0;
        #pragma unroll
            for (int j = 7; j >= 0; j--) {
                if (j < n) { int c = i % d[j]; i /= d[j]; off += c * s[j]; }
            }
            return off;
        }

        /*
         * Thread t = (output o, part p) reduces elements p, p + parts, ... of o's reduced index
         * space; with parts == 1 it writes the final float to y, else its double to part[t].
         * prep 0: x; 1: (x - center[o])^2; 2: (x - center[o]) * aux (batch-norm statistics).
         */
        extern "C" __global__ void lr_reduce(const float* x, const float* aux, const float* center, double* part, float* y,
                                             int m, int parts, int len, int op, int prep, lr_red r) {
            LR_FOR(t, m * parts) {
                int o = t / parts, p = t - o * parts;
                int base = lr_red_offset(o, r.nk, r.kd, r.ks);
                double c = prep == 0 ? 0.0 : (double) center[o];
                double acc = lr_red_init(op);
                for (int q = p; q < len; q += parts) {
                    int off = base + lr_red_offset(q, r.nr, r.rd, r.rs);
                    double e = x[off];
                    if (prep == 1) { e -= c; e *= e; }
                    else if (prep == 2) { e = (e - c) * (double) aux[off]; }
                    acc = lr_red_add(op, acc, lr_red_map(op, e));
                }
                if (parts == 1) y[o] = (float) lr_red_final(op, acc, len);
                else part[t] = acc;
            }
        }

        extern "C" __global__ void lr_reduce_parts(const double* part, float* y, int m, int parts, int len, int op) {
            LR_FOR(o, m) {
                double acc = lr_red_init(op);
                for (int p = 0; p < parts; p++) acc = lr_red_add(op, acc, part[o * parts + p]);
                y[o] = (float) lr_red_final(op, acc, len);
            }
        }

        /* First maximum along the axis; NaN counts as the maximum and the first NaN wins. */
        extern "C" __global__ void lr_argmax(const float* x, lr_i64* y, int outer, int len, int inner) {
            LR_FOR(t, outer * inner) {
                int o = t / inner, i = t - o * inner;
                const float* row = x + o * len * inner + i;
                int best = 0;
                float bv = row[0];
                for (int k = 1; k < len; k++) {
                    float e = row[k * inner];
                    if (bv == bv && (e > bv || e != e)) { bv = e; best = k; }
                }
                y[t] = best;
            }
        }

        /* ---------------------------------------------------------------- softmax */

        extern "C" __global__ void lr_softmax(const float* x, float* y, int outer, int len, int inner, int log_) {
            LR_FOR(t, outer * inner) {
                int o = t / inner, i = t - o * inner, base = o * len * inner + i;
                float mx = -lr_inf();
                for (int k = 0; k < len; k++) { float v = x[base + k * inner]; mx = v != v || v > mx ? v : mx; }
                double sum = 0.0;
                for (int k = 0; k < len; k++) sum += (double) expf(x[base + k * inner] - mx);
                float ls = (float) log(sum), s = (float) sum;
                for (int k = 0; k < len; k++) {
                    float z = x[base + k * inner] - mx;
                    y[base + k * inner] = log_ ? z - ls : expf(z) / s;
                }
            }
        }

        /* gy - exp(y) * sum(gy) along the axis, y = logSoftmax(x). */
        extern "C" __global__ void lr_logsoftmax_bwd(const float* gy, const float* y, float* gx, int outer, int len, int inner) {
            LR_FOR(t, outer * inner) {
                int o = t / inner, i = t - o * inner, base = o * len * inner + i;
                double sum = 0.0;
                for (int k = 0; k < len; k++) sum += (double) gy[base + k * inner];
                float s = (float) sum;
                for (int k = 0; k < len; k++) gx[base + k * inner] = gy[base + k * inner] - expf(y[base + k * inner]) * s;
            }
        }

        /* ---------------------------------------------------------------- pooling */

        /* Values and the first maximum's position h * W + w in the plane; padding never wins; NaN propagates. */
        extern "C" __global__ void lr_maxpool(const float* x, float* y, int* idx, lr_pool p) {
            LR_FOR(t, p.planes * p.oh * p.ow) {
                int j = t % p.ow, i = (t / p.ow) % p.oh, pl = t / (p.ow * p.oh);
                const float* plane = x + pl * p.h * p.w;
                float best = -lr_inf();
                int at = -1;
                for (int a = 0; a < p.kh; a++) {
                    int hi = i * p.sh - p.ph + a;
                    if (hi < 0 || hi >= p.h) continue;
                    for (int b = 0; b < p.kw; b++) {
                        int wi = j * p.sw - p.pw + b;
                        if (wi < 0 || wi >= p.w) continue;
                        float v = plane[hi * p.w + wi];
                        if (at < 0 || v > best || (v != v && best == best)) { best = v; at = hi * p.w + wi; }
                    }
                }
                y[t] = best;
                idx[t] = at;
            }
        }

        /* gx[plane][idx] += gy (gx zeroed first). Out-of-range indices are skipped and the first one's position is recorded in *bad. */
        extern "C" __global__ void lr_maxpool_scatter(const float* gy, const int* idx, float* gx, int n, int out_plane, int plane, int* bad) {
            LR_FOR(t, n) {
                int k = idx[t];
                if (k < 0 || k >= plane) { atomicMin(bad, t); continue; }
                atomicAdd(gx + (t / out_plane) * plane + k, gy[t]);
            }
        }

        extern "C" __global__ void lr_maxpool_gather(const float* gx, const int* idx, float* r, int n, int out_plane, int plane, int* bad) {
            LR_FOR(t, n) {
                int k = idx[t];
                if (k < 0 || k >= plane) { atomicMin(bad, t); r[t] = 0.f; continue; }
                r[t] = gx[(t / out_plane) * plane + k];
            }
        }

        /* The reference's divisor: the window clipped to the padded input, or to the input without padding. */
        __device__ __forceinline__ int lr_avg_div(const lr_pool& p, int i, int j) {
            int h0 = i * p.sh - p.ph, w0 = j * p.sw - p.pw;
            if (p.include_pad) return (lr_mini(h0 + p.kh, p.h + p.ph) - h0) * (lr_mini(w0 + p.kw, p.w + p.pw) - w0);
            return (lr_mini(h0 + p.kh, p.h) - lr_maxi(h0, 0)) * (lr_mini(w0 + p.kw, p.w) - lr_maxi(w0, 0));
        }

        extern "C" __global__ void lr_avgpool(const float* x, float* y, lr_pool p) {
            LR_FOR(t, p.planes * p.oh * p.ow) {
                int j = t % p.ow, i = (t / p.ow) % p.oh, pl = t / (p.ow * p.oh);
                const float* plane = x + pl * p.h * p.w;
                int h0 = i * p.sh - p.ph, w0 = j * p.sw - p.pw;
                int hs = lr_maxi(h0, 0), he = lr_mini(h0 + p.kh, p.h), ws = lr_maxi(w0, 0), we = lr_mini(w0 + p.kw, p.w);
                double sum = 0.0;
                for (int hi = hs; hi < he; hi++)
                    for (int wi = ws; wi < we; wi++) sum += (double) plane[hi * p.w + wi];
                y[t] = (float) (sum / (double) lr_avg_div(p, i, j));
            }
        }

        /* Per input element: the sum over the windows that cover it (no atomics). */
        extern "C" __global__ void lr_avgpool_bwd(const float* gy, float* gx, lr_pool p) {
            LR_FOR(t, p.planes * p.h * p.w) {
                int wi = t % p.w, hi = (t / p.w) % p.h, pl = t / (p.w * p.h);
                int lo_h = hi + p.ph - p.kh + 1, lo_w = wi + p.pw - p.kw + 1;
                int i0 = lo_h <= 0 ? 0 : (lo_h + p.sh - 1) / p.sh, i1 = lr_mini(p.oh - 1, (hi + p.ph) / p.sh);
                int j0 = lo_w <= 0 ? 0 : (lo_w + p.sw - 1) / p.sw, j1 = lr_mini(p.ow - 1, (wi + p.pw) / p.sw);
                double sum = 0.0;
                for (int i = i0; i <= i1; i++)
                    for (int j = j0; j <= j1; j++)
                        sum += (double) gy[(pl * p.oh + i) * p.ow + j] / (double) lr_avg_div(p, i, j);
                gx[t] = (float) sum;
            }
        }

        /* ---------------------------------------------------------------- batch norm (channel axis 1, in double) */

        extern "C" __global__ void lr_bn_forward(const float* x, const float* mean, const float* var, const float* gamma,
                                                 const float* beta, float* y, int n, int c, int inner, double eps) {
            LR_FOR(i, n) {
                int k = (i / inner) % c;
                y[i] = (float) (((double) x[i] - mean[k]) / sqrt((double) var[k] + eps) * gamma[k] + beta[k]);
            }
        }

        /* ---------------------------------------------------------------- indexing */

        /* y (zeroed, [n, classes], 4- or 8-byte elements) gets 'one' at each label; bad labels are skipped and recorded. */
        extern "C" __global__ void lr_onehot(const void* labels, int labels64, void* y, int y64, lr_u64 one, int n, int classes, int* bad) {
            LR_FOR(i, n) {
                lr_i64 l = labels64 ? ((const lr_i64*) labels)[i] : (lr_i64) ((const int*) labels)[i];
                if (l < 0 || l >= classes) { atomicMin(bad, i); continue; }
                lr_i64 at = (lr_i64) i * classes + l;
                if (y64) ((lr_u64*) y)[at] = one; else ((unsigned*) y)[at] = (unsigned) one;
            }
        }
        """;
}
