#!/usr/bin/env bash
# Issue 14's GPU run: everything that needs the GPU, as one script for one device call.
# Here first:   bash bench/cuda/fetch-device-debs.sh        # → .devdeps/ (ignored by git)
# Then (device tool):  run(command="bash bench/cuda/device_check.sh", carry=[".devdeps"], timeout_s=560)
# Steps: probe the machine; build the inference targets for sm_90 with the machine's own nvcc
# (RAYCTL_INFERENCE_ONLY: no libssh2 there); write the random-weight models; the GPU tests
# (kernels per weight type, tiny HF checkpoints and a SmolLM2-shaped Q4_1 model vs the CPU
# exact path); compute-sanitizer memcheck on a short run; the loopback load test (200 streams,
# a third disconnecting, no leaked KV block) on --device cuda; the benchmark (bench.sh).
# Everything is logged to $OUT/log.txt; results: gpu_tests.txt, memcheck.txt, load.txt, bench.json.
set -uo pipefail
OUT="${OUT:-/tmp/rayctl-gpu-out}"; mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
cd "$(dirname "$0")/../.."
J="$(nproc)"
step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%T)"; }
step probe
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
NVCC="$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null || true)"
[ -x "$NVCC" ] || { echo "no nvcc on this machine"; exit 1; }
"$NVCC" --version | tail -2; cmake --version | head -1; ninja --version; python3 --version
DEPS=/opt/rayctl-deps; ML="$DEPS/usr/lib/x86_64-linux-gnu"
if compgen -G ".devdeps/*.deb" > /dev/null; then
  mkdir -p "$DEPS"; for f in .devdeps/*.deb; do dpkg -x "$f" "$DEPS"; done
  export PKG_CONFIG_PATH="$ML/pkgconfig:$DEPS/usr/share/pkgconfig:${PKG_CONFIG_PATH:-}"
  export LIBRARY_PATH="$ML:${LIBRARY_PATH:-}" LD_LIBRARY_PATH="$ML:${LD_LIBRARY_PATH:-}"
fi
step build
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DRAYCTL_INFERENCE_ONLY=ON -DRAYCTL_CUDA=ON \
  -DRAYCTL_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_PREFIX_PATH="$DEPS/usr" \
  -DCMAKE_EXE_LINKER_FLAGS="-Wl,-rpath-link,$ML" > "$OUT/cmake.txt" 2>&1 || { tail -40 "$OUT/cmake.txt"; exit 1; }
ninja -C build-gpu -j "$J" test_inference rayctl > "$OUT/build.txt" 2>&1 || { grep -B2 -A12 -m3 "error" "$OUT/build.txt"; exit 1; }
build-gpu/cli/rayctl version -o json
step models
mkdir -p /tmp/m
pids=()
for spec in "smollm2 Q4_1 smol-q4_1" "llama1b BF16 l1b-bf16" "llama1b Q8_0 l1b-q8_0"; do
  set -- $spec
  [ -s "/tmp/m/$3.gguf" ] || { python3 bench/cuda/make_random_gguf.py --shape "$1" --type "$2" --out "/tmp/m/$3.gguf" & pids+=($!); }
done
[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"  # by pid: a bare wait would also wait for the tee above
step "GPU tests"
RAYCTL_CUDA_TEST_MODEL=/tmp/m/smol-q4_1.gguf timeout 240 build-gpu/tests/test_inference --gtest_filter='*Cuda*' \
  > "$OUT/gpu_tests.txt" 2>&1; echo "gpu tests: exit $?"; grep -E "^\[  (PASSED|FAILED|SKIPPED)|OK \]|FAILED \]|max \||identical|differs|worst" "$OUT/gpu_tests.txt"
step memcheck
timeout 120 compute-sanitizer --tool memcheck --error-exitcode 9 build-gpu/tests/test_inference \
  --gtest_filter='CudaKernels.*:Tiny/CudaTinyModel.*/0' > "$OUT/memcheck.txt" 2>&1; echo "memcheck: exit $?"; tail -4 "$OUT/memcheck.txt"
step "load test on --device cuda"
RAYCTL_MODEL=/tmp/m/smol-q4_1.gguf timeout 180 bash tests/integration/inference_load/run.sh build-gpu/cli/rayctl \
  --device cuda > "$OUT/load.txt" 2>&1; echo "load: exit $?"; tail -8 "$OUT/load.txt"
step bench
timeout 240 bash bench/cuda/bench.sh build-gpu/cli/rayctl /tmp/m "$OUT"
step done
