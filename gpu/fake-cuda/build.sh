#!/usr/bin/env bash
# Builds the fake CUDA libraries into $1 (see fake_cuda.cpp). $2: the kernels' emulation unit (C++),
# written by dev.lipreg.tensor.cuda.EmulatedRuntime, compiled into the fake libcuda.
set -euo pipefail
out=$1 emu=$2 src=$(dirname "$0")/fake_cuda.cpp inc=${CUDA_HOME:-/usr/local/cuda}/include
mkdir -p "$out"
cc() { g++ -O2 -shared -fPIC -w -I"$inc" "$@"; }
cc -DFAKE_CUDART -o "$out/libcudart.so.13" "$src"
cc -DFAKE_DRIVER -o "$out/libcuda.so.1" "$src" "$emu" -ldl
cc -DFAKE_NVRTC -o "$out/libnvrtc.so.13" "$src"
cc -DFAKE_CUBLAS -o "$out/libcublas.so.13" "$src"
cc -DFAKE_CUDNN -o "$out/libcudnn.so.9" "$src"
echo "" | g++ -shared -fPIC -x c++ -o "$out/libcublasLt.so.13" -
