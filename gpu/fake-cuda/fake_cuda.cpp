// A fake CUDA for checking LipReg's CUDA path on a machine without a GPU (gpu/run.sh --self-check).
// One source, one library per -D flag, each under the file name CudaLibraryFinder accepts:
//   FAKE_CUDART  libcudart.so.13   host malloc/memmove, one "device", stream calls that do nothing
//   FAKE_DRIVER  libcuda.so.1      context/module calls; cuLaunchKernel runs the kernel's CPU emulation
//                                  (emu_<name>, compiled into this library from EmulatedRuntime's unit)
//   FAKE_NVRTC   libnvrtc.so.13    "compiles" to a marker the fake driver checks
//   FAKE_CUBLAS  libcublas.so.13   reference column-major SGEMM (BLAS definition)
//   FAKE_CUDNN   libcudnn.so.9     descriptors that check every argument, naive convolutions
//   (libcublasLt.so.13 is an empty library: it only has to load)
// The runtime and driver parts include NVIDIA's headers, so their signatures are checked against the
// real declarations. The NVIDIA libraries' behaviour (algorithms, asynchrony, numerics) is not modelled.
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#ifdef FAKE_CUDART
#include <cuda_runtime_api.h>
extern "C" {
cudaError_t cudaRuntimeGetVersion(int* v) { *v = 13000; return cudaSuccess; }
cudaError_t cudaDriverGetVersion(int* v) { *v = 13000; return cudaSuccess; }
cudaError_t cudaGetDeviceCount(int* c) { *c = 1; return cudaSuccess; }
const char* cudaGetErrorName(cudaError_t e) { return e == cudaSuccess ? "cudaSuccess" : "cudaErrorFake"; }
const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "fake CUDA runtime error"; }
cudaError_t cudaGetLastError(void) { return cudaSuccess; }
cudaError_t cudaGetDevice(int* d) { *d = 0; return cudaSuccess; }
cudaError_t cudaSetDevice(int d) { return d == 0 ? cudaSuccess : cudaErrorInvalidDevice; }
cudaError_t cudaMalloc(void** p, size_t n) {
    *p = aligned_alloc(256, (n + 255) / 256 * 256 + 256);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void* p) { free(p); return cudaSuccess; }
cudaError_t cudaMemcpy(void* d, const void* s, size_t n, enum cudaMemcpyKind k) { memmove(d, s, n); return cudaSuccess; }
cudaError_t cudaMemcpyAsync(void* d, const void* s, size_t n, enum cudaMemcpyKind k, cudaStream_t st) {
    if (st == 0) return cudaErrorInvalidResourceHandle; // LipReg always passes its own stream
    memmove(d, s, n);
    return cudaSuccess;
}
cudaError_t cudaStreamCreate(cudaStream_t* s) { *s = (cudaStream_t) malloc(64); return cudaSuccess; }
cudaError_t cudaStreamDestroy(cudaStream_t s) { free(s); return cudaSuccess; }
cudaError_t cudaStreamSynchronize(cudaStream_t s) { return s ? cudaSuccess : cudaErrorInvalidResourceHandle; }
cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
}
#endif

#ifdef FAKE_DRIVER
#include <cuda.h>
#include <dlfcn.h>
static const char FAKE_PTX[] = "// fake ptx for ";
static int current = 0;
extern "C" {
CUresult cuInit(unsigned int flags) { return flags == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUresult cuDeviceGet(CUdevice* d, int ordinal) { if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE; *d = 0; return CUDA_SUCCESS; }
CUresult cuDeviceGetName(char* name, int len, CUdevice d) { snprintf(name, len, "Fake GPU (CPU emulation)"); return CUDA_SUCCESS; }
CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice d) {
    if (a == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) *v = 7;
    else if (a == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) *v = 5;
    else return CUDA_ERROR_INVALID_VALUE;
    return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) { *c = (CUcontext) 0x5eed; return CUDA_SUCCESS; }
CUresult cuDevicePrimaryCtxRelease(CUdevice d) { return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext c) { if (c != (CUcontext) 0x5eed) return CUDA_ERROR_INVALID_CONTEXT; current = 1; return CUDA_SUCCESS; }
CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    if (!current) return CUDA_ERROR_INVALID_CONTEXT;
    if (strncmp((const char*) image, FAKE_PTX, strlen(FAKE_PTX)) != 0) return CUDA_ERROR_INVALID_PTX;
    *m = (CUmodule) strdup((const char*) image);
    return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule m) { free(m); return CUDA_SUCCESS; }
CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    Dl_info self;
    if (!dladdr((void*) &cuInit, &self)) return CUDA_ERROR_NOT_FOUND;
    void* lib = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    char sym[256];
    snprintf(sym, sizeof sym, "emu_%s", name);
    void* fn = lib ? dlsym(lib, sym) : 0;
    if (!fn) return CUDA_ERROR_NOT_FOUND;
    *f = (CUfunction) fn;
    return CUDA_SUCCESS;
}
CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, CUstream stream, void** params, void** extra) {
    if (!current) return CUDA_ERROR_INVALID_CONTEXT;
    if (gy != 1 || gz != 1 || by != 1 || bz != 1 || bx == 0 || bx > 1024 || gx == 0 || gx > 2147483647u || extra) return CUDA_ERROR_INVALID_VALUE;
    if (!stream) return CUDA_ERROR_INVALID_HANDLE;
    ((void (*)(unsigned, unsigned, void**)) f)(gx, bx, params);
    return CUDA_SUCCESS;
}
CUresult cuGetErrorName(CUresult e, const char** s) { *s = e == CUDA_SUCCESS ? "CUDA_SUCCESS" : "CUDA_ERROR_FAKE"; return CUDA_SUCCESS; }
CUresult cuGetErrorString(CUresult e, const char** s) { *s = "fake CUDA driver"; return CUDA_SUCCESS; }
}
#endif

#ifdef FAKE_NVRTC
typedef int nvrtcResult;
struct fake_program { char* src; char* ptx; const char* log; };
extern "C" {
nvrtcResult nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
const char* nvrtcGetErrorString(nvrtcResult r) { return r == 0 ? "NVRTC_SUCCESS" : "NVRTC_ERROR_FAKE"; }
nvrtcResult nvrtcCreateProgram(fake_program** p, const char* src, const char* name, int nh, const char* const* h, const char* const* in) {
    if (!p || !src || !name || nh != 0) return 3; // NVRTC_ERROR_INVALID_INPUT
    *p = (fake_program*) calloc(1, sizeof(fake_program));
    (*p)->src = strdup(src);
    return 0;
}
nvrtcResult nvrtcCompileProgram(fake_program* p, int n, const char* const* opts) {
    if (n < 1 || strncmp(opts[0], "--gpu-architecture=compute_", 27) != 0) { p->log = "fake nvrtc: expected --gpu-architecture=compute_XY first"; return 5; }
    if (!strstr(p->src, "extern \"C\" __global__ void lr_fill32")) { p->log = "fake nvrtc: not LipReg's kernel source"; return 6; }
    p->ptx = (char*) malloc(64);
    snprintf(p->ptx, 64, "// fake ptx for %s", opts[0] + 19);
    return 0;
}
nvrtcResult nvrtcGetPTXSize(fake_program* p, size_t* n) { if (!p->ptx) return 4; *n = strlen(p->ptx) + 1; return 0; }
nvrtcResult nvrtcGetPTX(fake_program* p, char* out) { if (!p->ptx) return 4; strcpy(out, p->ptx); return 0; }
nvrtcResult nvrtcGetProgramLogSize(fake_program* p, size_t* n) { *n = (p->log ? strlen(p->log) : 0) + 1; return 0; }
nvrtcResult nvrtcGetProgramLog(fake_program* p, char* out) { strcpy(out, p->log ? p->log : ""); return 0; }
nvrtcResult nvrtcDestroyProgram(fake_program** p) { free((*p)->src); free((*p)->ptx); free(*p); *p = 0; return 0; }
}
#endif

#ifdef FAKE_CUBLAS
extern "C" {
int cublasCreate_v2(void** h) { *h = malloc(64); return 0; }
int cublasDestroy_v2(void* h) { free(h); return 0; }
int cublasSetStream_v2(void* h, void* s) { return h && s ? 0 : 7; } // CUBLAS_STATUS_INVALID_VALUE
int cublasSetMathMode(void* h, int mode) { return mode == 0 ? 0 : 7; }
// C = alpha op(A) op(B) + beta C, column-major, op 0 = N, 1 = T; beta == 0 never reads C
int cublasSgemm_v2(void* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
    if (m < 0 || n < 0 || k < 0 || ldc < (m > 1 ? m : 1) || lda < ((ta ? k : m) > 1 ? (ta ? k : m) : 1)
            || ldb < ((tb ? n : k) > 1 ? (tb ? n : k) : 1) || ta > 1 || tb > 1) return 7;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int p = 0; p < k; p++) s += (double) (ta ? A[p + i * lda] : A[i + p * lda]) * (tb ? B[j + p * ldb] : B[p + j * ldb]);
            C[i + j * ldc] = (float) (*alpha * s + (*beta == 0 ? 0.0 : (double) *beta * C[i + j * ldc]));
        }
    return 0;
}
}
#endif

#ifdef FAKE_CUDNN
enum { OK = 0, BAD_PARAM = 2000, NOT_SUPPORTED = 3000 };
enum { TENSOR = 1, FILTER = 2, CONV = 3 };
struct desc { int kind; int d[4]; int pad[2], stride[2], dil[2], groups, math; };
struct perf { int algo; int status; float time; size_t memory; int determinism; int mathType; int reserved[3]; };
static const size_t WS = 64;

static int out_size(int in, int k, int s, int p, int d) { return (in + 2 * p - d * (k - 1) - 1) / s + 1; }
// x [N,C,H,W], w [K,C/g,R,S], y [N,K,P,Q] consistent with the convolution?
static bool consistent(const desc* x, const desc* w, const desc* c, const desc* y) {
    if (!x || !w || !c || !y || x->kind != TENSOR || w->kind != FILTER || c->kind != CONV || y->kind != TENSOR) return false;
    return x->d[1] == w->d[1] * c->groups && w->d[0] % c->groups == 0 && y->d[0] == x->d[0] && y->d[1] == w->d[0]
            && y->d[2] == out_size(x->d[2], w->d[2], c->stride[0], c->pad[0], c->dil[0])
            && y->d[3] == out_size(x->d[3], w->d[3], c->stride[1], c->pad[1], c->dil[1]);
}
// Every (output, tap, input) triple, as the reference backend's Convolution.
template <class F> static void taps(const desc* x, const desc* w, const desc* c, const desc* y, F f) {
    int N = x->d[0], C = x->d[1], H = x->d[2], W = x->d[3], K = w->d[0], Cg = w->d[1], R = w->d[2], S = w->d[3];
    int P = y->d[2], Q = y->d[3], Kg = K / c->groups;
    for (int n = 0; n < N; n++) for (int k = 0; k < K; k++) for (int p = 0; p < P; p++) for (int q = 0; q < Q; q++)
        for (int ci = 0; ci < Cg; ci++) for (int r = 0; r < R; r++) {
            int h = p * c->stride[0] - c->pad[0] + r * c->dil[0];
            if (h < 0 || h >= H) continue;
            for (int s = 0; s < S; s++) {
                int wi = q * c->stride[1] - c->pad[1] + s * c->dil[1];
                if (wi < 0 || wi >= W) continue;
                int ch = (k / Kg) * Cg + ci;
                f(((n * K + k) * P + p) * Q + q, ((k * Cg + ci) * R + r) * S + s, ((n * C + ch) * H + h) * W + wi);
            }
        }
}
static long count(const desc* t) { return (long) t->d[0] * t->d[1] * t->d[2] * t->d[3]; }
static void blend(float* out, const double* acc, long n, const float* alpha, const float* beta) {
    for (long i = 0; i < n; i++) out[i] = (float) (*alpha * acc[i] + (*beta == 0 ? 0.0 : (double) *beta * out[i]));
}
static int fill_perf(const desc* x, const desc* w, const desc* c, const desc* y, int req, int* ret, perf* out) {
    if (!consistent(x, w, c, y) || req < 2) return BAD_PARAM;
    memset(out, 0, 2 * sizeof(perf));
    out[0].algo = 1; out[0].status = NOT_SUPPORTED; out[0].mathType = 3;      // must be skipped
    out[1].algo = 0; out[1].status = OK; out[1].memory = WS; out[1].mathType = 3;
    *ret = 2;
    return OK;
}
extern "C" {
int cudnnCreate(void** h) { *h = malloc(64); return OK; }
int cudnnDestroy(void* h) { free(h); return OK; }
int cudnnSetStream(void* h, void* s) { return h && s ? OK : BAD_PARAM; }
void cudnnGetLastErrorString(char* buf, size_t n) { snprintf(buf, n, "fake cuDNN: an argument did not fit"); }
static int create(desc** d, int kind) { *d = (desc*) calloc(1, sizeof(desc)); (*d)->kind = kind; (*d)->groups = 1; return OK; }
int cudnnCreateTensorDescriptor(desc** d) { return create(d, TENSOR); }
int cudnnCreateFilterDescriptor(desc** d) { return create(d, FILTER); }
int cudnnCreateConvolutionDescriptor(desc** d) { return create(d, CONV); }
int cudnnDestroyTensorDescriptor(desc* d) { if (d->kind != TENSOR) return BAD_PARAM; free(d); return OK; }
int cudnnDestroyFilterDescriptor(desc* d) { if (d->kind != FILTER) return BAD_PARAM; free(d); return OK; }
int cudnnDestroyConvolutionDescriptor(desc* d) { if (d->kind != CONV) return BAD_PARAM; free(d); return OK; }
int cudnnSetTensor4dDescriptor(desc* t, int format, int type, int n, int c, int h, int w) {
    if (t->kind != TENSOR || format != 0 || type != 0 || n < 1 || c < 1 || h < 1 || w < 1) return BAD_PARAM;
    t->d[0] = n; t->d[1] = c; t->d[2] = h; t->d[3] = w;
    return OK;
}
int cudnnSetFilter4dDescriptor(desc* f, int type, int format, int k, int c, int h, int w) {
    if (f->kind != FILTER || format != 0 || type != 0 || k < 1 || c < 1 || h < 1 || w < 1) return BAD_PARAM;
    f->d[0] = k; f->d[1] = c; f->d[2] = h; f->d[3] = w;
    return OK;
}
int cudnnSetConvolution2dDescriptor(desc* c, int ph, int pw, int u, int v, int dh, int dw, int mode, int type) {
    if (c->kind != CONV || mode != 1 || type != 0 || ph < 0 || pw < 0 || u < 1 || v < 1 || dh < 1 || dw < 1) return BAD_PARAM;
    c->pad[0] = ph; c->pad[1] = pw; c->stride[0] = u; c->stride[1] = v; c->dil[0] = dh; c->dil[1] = dw;
    return OK;
}
int cudnnSetConvolutionGroupCount(desc* c, int g) { if (c->kind != CONV || g < 1) return BAD_PARAM; c->groups = g; return OK; }
int cudnnSetConvolutionMathType(desc* c, int m) { if (c->kind != CONV || m < 0 || m > 3) return BAD_PARAM; c->math = m; return OK; }
int cudnnGetConvolutionForwardAlgorithmMaxCount(void* h, int* n) { *n = 2; return OK; }
int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(void* h, int* n) { *n = 2; return OK; }
int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(void* h, int* n) { *n = 2; return OK; }
int cudnnGetConvolutionForwardAlgorithm_v7(void* h, desc* x, desc* w, desc* c, desc* y, int req, int* ret, perf* p) { return fill_perf(x, w, c, y, req, ret, p); }
int cudnnGetConvolutionBackwardDataAlgorithm_v7(void* h, desc* w, desc* dy, desc* c, desc* dx, int req, int* ret, perf* p) { return fill_perf(dx, w, c, dy, req, ret, p); }
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void* h, desc* x, desc* dy, desc* c, desc* dw, int req, int* ret, perf* p) { return fill_perf(x, dw, c, dy, req, ret, p); }
int cudnnGetConvolutionForwardWorkspaceSize(void* h, desc* x, desc* w, desc* c, desc* y, int algo, size_t* n) {
    if (!consistent(x, w, c, y)) return BAD_PARAM; if (algo != 0) return NOT_SUPPORTED; *n = WS; return OK;
}
int cudnnGetConvolutionBackwardDataWorkspaceSize(void* h, desc* w, desc* dy, desc* c, desc* dx, int algo, size_t* n) {
    if (!consistent(dx, w, c, dy)) return BAD_PARAM; if (algo != 0) return NOT_SUPPORTED; *n = WS; return OK;
}
int cudnnGetConvolutionBackwardFilterWorkspaceSize(void* h, desc* x, desc* dy, desc* c, desc* dw, int algo, size_t* n) {
    if (!consistent(x, dw, c, dy)) return BAD_PARAM; if (algo != 0) return NOT_SUPPORTED; *n = WS; return OK;
}
int cudnnConvolutionForward(void* h, const float* alpha, desc* xd, const float* x, desc* wd, const float* w, desc* cd, int algo,
                            void* ws, size_t wss, const float* beta, desc* yd, float* y) {
    if (!consistent(xd, wd, cd, yd) || algo != 0 || wss < WS || !ws || cd->math != 3) return BAD_PARAM;
    long n = count(yd);
    double* acc = (double*) calloc(n, sizeof(double));
    taps(xd, wd, cd, yd, [&](int yi, int wi, int xi) { acc[yi] += (double) w[wi] * x[xi]; });
    blend(y, acc, n, alpha, beta);
    free(acc);
    return OK;
}
int cudnnConvolutionBackwardData(void* h, const float* alpha, desc* wd, const float* w, desc* dyd, const float* dy, desc* cd, int algo,
                                 void* ws, size_t wss, const float* beta, desc* dxd, float* dx) {
    if (!consistent(dxd, wd, cd, dyd) || algo != 0 || wss < WS || !ws || cd->math != 3) return BAD_PARAM;
    long n = count(dxd);
    double* acc = (double*) calloc(n, sizeof(double));
    taps(dxd, wd, cd, dyd, [&](int yi, int wi, int xi) { acc[xi] += (double) w[wi] * dy[yi]; });
    blend(dx, acc, n, alpha, beta);
    free(acc);
    return OK;
}
int cudnnConvolutionBackwardFilter(void* h, const float* alpha, desc* xd, const float* x, desc* dyd, const float* dy, desc* cd, int algo,
                                   void* ws, size_t wss, const float* beta, desc* dwd, float* dw) {
    if (!consistent(xd, dwd, cd, dyd) || algo != 0 || wss < WS || !ws || cd->math != 3) return BAD_PARAM;
    long n = (long) dwd->d[0] * dwd->d[1] * dwd->d[2] * dwd->d[3];
    double* acc = (double*) calloc(n, sizeof(double));
    taps(xd, dwd, cd, dyd, [&](int yi, int wi, int xi) { acc[wi] += (double) x[xi] * dy[yi]; });
    blend(dw, acc, n, alpha, beta);
    free(acc);
    return OK;
}
// C = alpha A + beta C, A broadcast over its size-1 dims (LipReg: the conv bias [1,K,1,1])
int cudnnAddTensor(void* h, const float* alpha, desc* ad, const float* A, const float* beta, desc* cd, float* C) {
    if (ad->kind != TENSOR || cd->kind != TENSOR) return BAD_PARAM;
    for (int i = 0; i < 4; i++) if (ad->d[i] != 1 && ad->d[i] != cd->d[i]) return BAD_PARAM;
    for (long i = 0; i < count(cd); i++) {
        long r = i, ai = 0, stride = 1;
        int idx[4];
        for (int k = 3; k >= 0; k--) { idx[k] = (int) (r % cd->d[k]); r /= cd->d[k]; }
        for (int k = 3; k >= 0; k--) { ai += (ad->d[k] == 1 ? 0 : idx[k]) * stride; stride *= ad->d[k]; }
        C[i] = (float) (*alpha * A[ai] + *beta * C[i]);
    }
    return OK;
}
}
#endif
