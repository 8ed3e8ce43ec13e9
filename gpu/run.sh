#!/usr/bin/env bash
# On a GPU machine (no Java, no network), with .gpu/ from gpu/prepare.sh carried along:
#   bash gpu/run.sh                 gpu-tagged tests, then LipReg vs PyTorch penalty-step timing
#   bash gpu/run.sh --self-check    (prepare.sh, any machine) the bundle runs: non-gpu smoke tests,
#                                   and the gpu tests report skipped where there is no GPU
# Writes to $OUT (default target/gpu-out): summary.txt, gpu-tests.txt, junit/ XML reports,
# lipreg-steps.json, pytorch-steps.json, nvidia-smi.txt, env.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
G=.gpu
OUT=${OUT:-$PWD/target/gpu-out}
mkdir -p "$OUT"
[ -x "$G/jre/bin/java" ] || { echo "no $G/jre: run 'bash gpu/prepare.sh' first and carry .gpu" >&2; exit 2; }
JAVA=("$G/jre/bin/java" --enable-native-access=ALL-UNNAMED -Xss8m)
CONSOLE=$(ls "$G"/lib/junit-platform-console-standalone-*.jar)
CP="$G/test-classes/tensor:$G/test-classes/regularizers:$(ls "$G"/lib/*.jar | grep -v console-standalone | paste -sd:)"
summary() { echo "$*" >> "$OUT/summary.txt"; }
: > "$OUT/summary.txt"

# CUDA libraries: NVIDIA's wheels under PyTorch's site-packages (nvidia/<pkg>/lib, or nvidia/cu13/lib)
PY=${PYTHON:-/opt/torch/.venv/bin/python3}
[ -x "$PY" ] || PY=$(command -v python3 || true)
SITE=""
if [ -n "$PY" ]; then
    SITE=$("$PY" -c 'import nvidia, os; print(os.path.dirname(list(nvidia.__path__)[0]))' 2>/dev/null || true)
fi
[ -n "$SITE" ] || SITE=$(ls -d /opt/torch/.venv/lib/python3*/site-packages 2>/dev/null | head -1)
LIBDIRS=$(ls -d "$SITE"/nvidia/*/lib 2>/dev/null | paste -sd: || true)
if [ -n "$LIBDIRS" ]; then
    export LIPREG_CUDA_LIB_DIR="$LIBDIRS"
    export LD_LIBRARY_PATH="$LIBDIRS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" # cuDNN/NVRTC dlopen their siblings
fi
{ echo "python: $PY"; echo "site-packages: $SITE"; echo "LIPREG_CUDA_LIB_DIR=${LIPREG_CUDA_LIB_DIR:-}";
  "${JAVA[@]}" -version 2>&1; } > "$OUT/env.txt"
(nvidia-smi || echo "no nvidia-smi") > "$OUT/nvidia-smi.txt" 2>&1

tests() { # $1 = name, rest = console launcher selectors/filters
    local name=$1; shift
    timeout "${TEST_TIMEOUT:-360}" "${JAVA[@]}" -cp "$CP:$CONSOLE" org.junit.platform.console.ConsoleLauncher execute \
        --disable-banner --details=summary --details-theme=ascii --reports-dir="$OUT/junit-$name" "$@" > "$OUT/$name.txt" 2>&1
    local rc=$?
    summary "$name: exit $rc; $(grep -E 'tests (successful|failed|skipped|aborted)|containers (failed|aborted)' "$OUT/$name.txt" | tr -s ' ' | paste -sd';')"
    return $rc
}

if [ "${1:-}" = "--self-check" ]; then
    tests smoke-tests --select-class=dev.lipreg.regularizers.TrainerTest --select-class=dev.lipreg.tensor.cuda.EmulatedKernelOpsTest \
        --select-class=dev.lipreg.tensor.cuda.CudaUnavailableTest
    ok=$?
    tests gpu-tests --select-package=dev.lipreg.tensor.cuda --select-package=dev.lipreg.regularizers.cuda --include-tag=gpu
    grep -q "skipping gpu tests" "$OUT/gpu-tests.txt" && summary "gpu tests: skipped here, reason logged: $(grep -o 'skipping gpu tests: .*' "$OUT/gpu-tests.txt" | head -1)"
    # The whole CUDA path (probe, CudaDevice, the NVRTC/driver/cuBLAS/cuDNN calls, Gemm, CudnnConv) on fake
    # libraries (gpu/fake-cuda) whose kernel launches run the CPU emulation of the kernels
    if command -v g++ > /dev/null; then
        FAKE="$OUT/fake-cuda"
        mkdir -p "$FAKE"
        "${JAVA[@]}" -cp "$CP" dev.lipreg.tensor.cuda.EmulatedRuntime "$FAKE/emu.cpp" \
            && bash gpu/fake-cuda/build.sh "$FAKE" "$FAKE/emu.cpp" > "$OUT/fake-cuda-build.txt" 2>&1 || { summary "fake cuda: build failed"; ok=1; }
        (
            export LIPREG_CUDA_LIB_DIR="$FAKE" LD_LIBRARY_PATH="$FAKE"
            tests fake-gpu-tests --select-package=dev.lipreg.tensor.cuda --select-package=dev.lipreg.regularizers.cuda --include-tag=gpu
            timeout 300 "${JAVA[@]}" -cp "$CP" dev.lipreg.regularizers.cuda.CudaStepTimer 8 1 2 > "$OUT/fake-steps.json" 2> "$OUT/fake-steps.log"
            rc=$?
            summary "fake-gpu step timer: exit $rc $(cut -c1-200 "$OUT/fake-steps.json") $(grep -m1 -E 'Exception|Error' "$OUT/fake-steps.log")"
        ) || ok=1
        f="$OUT/fake-gpu-tests.txt" # every gpu test must run (none aborted) and pass
        grep -qE '\[ +0 containers aborted' "$f" && grep -qE '\[ +0 containers failed' "$f" && grep -qE '\[ +0 tests failed' "$f" || ok=1
        grep -q "exit 0" <(grep "fake-gpu step timer" "$OUT/summary.txt") || ok=1
    else
        summary "fake cuda: skipped (no g++)"
    fi
    cat "$OUT/summary.txt"
    exit $ok
fi

# 1. the gpu-tagged suite: kernel parity, cuBLAS/cuDNN parity, memory, penalty gradients vs the reference
tests gpu-tests --select-package=dev.lipreg.tensor.cuda --select-package=dev.lipreg.regularizers.cuda --include-tag=gpu
grep -m1 -o "CUDA available: .*\|CUDA unavailable: .*" "$OUT/gpu-tests.txt" | while read -r l; do summary "$l"; done

# 2. exact-penalty and train steps, fashion-cnn, batch 128: LipReg (cuda) then PyTorch, same GPU
timeout 150 "${JAVA[@]}" -cp "$CP" dev.lipreg.regularizers.cuda.CudaStepTimer 128 10 30 > "$OUT/lipreg-steps.json" 2> "$OUT/lipreg-steps.log"
summary "lipreg steps: exit $? $(cut -c1-400 "$OUT/lipreg-steps.json") $(grep -m1 -E 'Exception|Error' "$OUT/lipreg-steps.log")"
if [ -n "$PY" ]; then
    timeout 150 "$PY" bench/python/compare.py --device cuda --batch 128 --warmup 10 --steps 30 --modes train,exact-penalty \
        --data /nonexistent > "$OUT/pytorch-steps.json" 2> "$OUT/pytorch-steps.log"
    summary "pytorch steps: exit $? $(head -c 600 "$OUT/pytorch-steps.json")"
    "$PY" - "$OUT/lipreg-steps.json" "$OUT/pytorch-steps.json" <<'PYEOF' >> "$OUT/summary.txt" 2>&1
import json, statistics, sys
try:
    lip = json.load(open(sys.argv[1]))["results"]
    pt = json.load(open(sys.argv[2]))["results"]
    for mode in ("train", "exact-penalty"):
        a, b = lip[mode]["median_ms"], statistics.median(pt[mode]["ms"])
        print("%-14s LipReg %.3f ms, PyTorch %.3f ms, ratio %.2f (goal for exact-penalty: <= 0.8)" % (mode, a, b, a / b))
except Exception as e:  # noqa: BLE001
    print("no comparison: %s" % e)
PYEOF
fi
echo "== $OUT/gpu-tests.txt (failures first)"; grep -A3 -E "^(Failures|  JUnit Jupiter:)|=> " "$OUT/gpu-tests.txt" | head -60
echo "== $OUT/summary.txt"; cat "$OUT/summary.txt"
