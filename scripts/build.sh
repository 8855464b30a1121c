#!/usr/bin/env bash
# Configures (once) and builds due into build/ with Ninja, through ccache when present.
# BUILD_DIR and extra cmake arguments (e.g. -DCMAKE_PREFIX_PATH=/opt/libtorch for a CUDA LibTorch) may be given.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [[ ! -f "$build_dir/build.ninja" ]]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
# Each torch translation unit takes ~1.5 GB while compiling: cap parallel jobs by memory as well as cores.
cores=$(nproc)
memory_jobs=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1600000 ))
jobs=$(( memory_jobs < cores ? memory_jobs : cores ))
(( jobs >= 1 )) || jobs=1
cmake --build "$build_dir" -j "$jobs"
