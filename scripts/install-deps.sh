#!/usr/bin/env bash
# Installs the Debian 12 packages due needs to build, test and run, when they are missing.
# Idempotent and silent when everything is already there. Needs root (or sudo) only when it installs.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache git pkg-config make
  libtorch-dev libopenblas0-pthread              # LibTorch (CPU); OpenBLAS makes its convolutions 4-9x faster
  libinsighttoolkit5-dev libgdcm-tools           # ITK (DICOM, NIfTI, filters); gdcm tools silence configure noise
  libpng-dev                                     # PNG montages encoded in memory, then written atomically
  libhdf5-dev hdf5-tools                         # HDF5 C/C++ and h5dump
  libyaml-cpp-dev libboost-program-options-dev catch2
  libpugixml-dev nlohmann-json3-dev              # LIDC readers' XML; JSON reports
  libplplot-dev plplot-driver-cairo              # the report's figures (PLplot's C++ API, PNG through cairo)
  python3-sklearn                                # tests only: scikit-learn as an independent check of the metrics
  slurm-wlm munge                                # tests only (ctest -L slurm): a one-node SLURM on localhost
)
# Optional: PyTorch for Python (the same 1.13), only for the Python side of bench/bench_train_step (DUE_BENCH=1).
[[ "${DUE_BENCH:-0}" == 1 ]] && packages+=(python3-torch)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
run_as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
  run_as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done" >&2
