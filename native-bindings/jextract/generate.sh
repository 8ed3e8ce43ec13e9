#!/usr/bin/env bash
# Regenerates the committed jextract bindings (make bindings) from the pinned *.args files here.
# Output: native-bindings/src/main/java/dev/lipreg/bindings/<lib>/gen, replaced per library.
# Headers: oneDNN's come from the dnnl jar in ~/.m2; CUDA's from $CUDA_INC (default
# /usr/local/cuda/include), cuDNN's from $CUDNN_INC, cuBLAS's from $CUBLAS_INC (both default to
# $CUDA_INC). A library whose header is absent is skipped. NVIDIA headers are never committed.
# The dnnl/cudnn/cublas args were made with `jextract --dump-includes` filtered to the library's
# own prefix (see ../../shared/bindings/README.md); cudart.args is hand-picked.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/native-bindings/src/main/java"

if ! command -v jextract >/dev/null 2>&1; then
  cat >&2 <<'MSG'
jextract is not on PATH, so the bindings were not regenerated; the committed output under
native-bindings/src/main/java/dev/lipreg/bindings/*/gen stays in use (nothing else needs jextract).
To regenerate, install jextract 22 (https://jdk.java.net/jextract/, or build openjdk/jextract at
commit 0b89a462: later commits emit code that needs Java 23) and put its bin/ on PATH.
MSG
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# gen <lib> <header> <jextract -I options...>
gen() {
  local lib=$1 header=$2; shift 2
  local pkg="dev/lipreg/bindings/$lib/gen"
  echo "jextract: $lib <- $header"
  # into a scratch dir first: a failed run leaves the committed package untouched
  jextract "$@" -t "dev.lipreg.bindings.$lib.gen" --header-class-name "${lib}_h" \
    --output "$tmp/out" "@$here/$lib.args" "$header"
  rm -rf "${out:?}/$pkg" && mkdir -p "$out/$pkg" && cp "$tmp/out/$pkg"/*.java "$out/$pkg/"
}

skip() { echo "skipping $1: $2 not found (set $3)" >&2; }

# oneDNN: headers from the carrier jar Maven already downloaded.
dnnl_version=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' "$root/pom.xml")
jar="${DNNL_JAR:-$HOME/.m2/repository/org/bytedeco/dnnl/$dnnl_version/dnnl-$dnnl_version-linux-x86_64.jar}"
if [ -f "$jar" ]; then
  (cd "$tmp" && unzip -q "$jar" 'org/bytedeco/dnnl/linux-x86_64/include/*')
  inc="$tmp/org/bytedeco/dnnl/linux-x86_64/include"
  gen dnnl "$inc/oneapi/dnnl/dnnl.h" -I "$inc"
else
  skip dnnl "$jar" "DNNL_JAR, or run 'make build' to download it"
fi

cuda=${CUDA_INC:-/usr/local/cuda/include}
cudnn=${CUDNN_INC:-$cuda}
cublas=${CUBLAS_INC:-$cuda}
if [ -f "$cuda/cuda_runtime_api.h" ]; then
  gen cudart "$cuda/cuda_runtime_api.h" -I "$cuda"
  if [ -f "$cudnn/cudnn.h" ]; then gen cudnn "$cudnn/cudnn.h" -I "$cudnn" -I "$cuda"
  else skip cudnn "$cudnn/cudnn.h" CUDNN_INC; fi
  if [ -f "$cublas/cublas_v2.h" ]; then gen cublas "$cublas/cublas_v2.h" -I "$cublas" -I "$cuda"
  else skip cublas "$cublas/cublas_v2.h" CUBLAS_INC; fi
else
  skip "cudart, cudnn and cublas" "$cuda/cuda_runtime_api.h" CUDA_INC
fi
echo "done: review 'git diff --stat native-bindings' (a rerun on the same headers is byte-identical)"
