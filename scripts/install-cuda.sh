#!/usr/bin/env bash
# Installs the pinned CUDA compiler, runtime and headers from PyPI (NVIDIA's own wheels) into a
# venv outside the repository and prints the toolkit root (bin/nvcc, include/, lib/), so that
#   cmake -DCMAKE_CUDA_COMPILER=$ROOT/bin/nvcc -DCUDAToolkit_ROOT=$ROOT
# builds the CUDA backend on a machine without a GPU or a system CUDA install. CI does that so
# that every .cu file is compiled; a GPU machine uses its own toolkit instead (bench/cuda/).
# Cached: a second run only checks the pins. RAYCTL_CUDA_VENV overrides where it goes.
# The CUDA 13 wheels install one merged tree, site-packages/nvidia/cu13 (the 12.x
# nvidia-cuda-nvcc-cu12 wheels ship ptxas but no nvcc driver).
set -euo pipefail
CUDA_VERSION=13.5.37   # nvcc, crt, nvvm, runtime
CCCL_VERSION=13.3.5.0.6
VENV="${RAYCTL_CUDA_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/rayctl/cuda-$CUDA_VERSION}"
stamp="cuda=$CUDA_VERSION cccl=$CCCL_VERSION"
root() { "$VENV/bin/python" -c 'import nvidia, os; print(os.path.join(nvidia.__path__[0], "cu13"))'; }
if [ -f "$VENV/.pins" ] && [ "$(cat "$VENV/.pins")" = "$stamp" ]; then
  ROOT="$(root)"
  if [ -x "$ROOT/bin/nvcc" ]; then echo "$ROOT"; exit 0; fi
fi
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >&2
"$VENV/bin/pip" install -q --disable-pip-version-check \
  "nvidia-cuda-nvcc==$CUDA_VERSION" "nvidia-cuda-crt==$CUDA_VERSION" "nvidia-nvvm==$CUDA_VERSION" \
  "nvidia-cuda-runtime==$CUDA_VERSION" "nvidia-cuda-cccl==$CCCL_VERSION" >&2
ROOT="$(root)"
[ -x "$ROOT/bin/nvcc" ] || { echo "install-cuda: no nvcc under $ROOT after pip install" >&2; exit 1; }
# The runtime wheel ships libcudart.so.13 only; CMake's FindCUDAToolkit looks for libcudart.so
# (we link the static runtime, but the module wants the shared one to exist).
ln -sfn libcudart.so.13 "$ROOT/lib/libcudart.so"
"$ROOT/bin/nvcc" --version | tail -2 >&2
echo "$stamp" > "$VENV/.pins"
echo "$ROOT"
