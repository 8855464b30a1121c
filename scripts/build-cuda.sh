#!/usr/bin/env bash
# Builds due into build-cuda/ against the LibTorch that ships inside an installed PyTorch wheel (how most clusters
# provide CUDA LibTorch: `module load` a Python with torch, or `pip install torch`), or against an unpacked
# LibTorch given as LIBTORCH=/path/to/libtorch. Everything else (ITK, HDF5, yaml-cpp, Boost) comes from the system
# as for scripts/build.sh. Not yet run on a GPU machine here (docs/building.md).
#
#   scripts/build-cuda.sh [extra cmake arguments]
#   PYTHON=python3        the Python whose torch to use;  LIBTORCH=DIR  an unpacked LibTorch instead of the wheel's
#   BUILD_DIR=build-cuda  CUDA_HOME=DIR  the CUDA toolkit (else nvcc's on PATH, else /usr/local/cuda)
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "build-cuda: $*" >&2; exit 2; }

if [[ -n ${LIBTORCH:-} ]]; then
  prefix=$LIBTORCH
  [[ -d $prefix ]] || fail "LIBTORCH=$prefix is not a folder"
else
  python=${PYTHON:-python3}
  prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null) ||
    fail "$python cannot import torch: install a PyTorch wheel (pip install torch) or give LIBTORCH=/path/to/libtorch"
fi
torch_config=$(find "$prefix" -name TorchConfig.cmake -print -quit 2>/dev/null || true)
[[ -n $torch_config ]] || fail "no TorchConfig.cmake under $prefix"

# The C++ ABI must match: Debian's yaml-cpp, Boost, HDF5 C++ and ITK use the C++11 std::string ABI
# (_GLIBCXX_USE_CXX11_ABI=1). PyTorch wheels before 2.7 (except CUDA 12.6 builds of 2.6) were built with the old one
# (=0), and the link would then fail on every std::string in those libraries' interfaces. Forcing =1 instead would
# break the link with torch itself, so the only fix is a LibTorch built with the new ABI.
abi=$(sed -n 's/.*_GLIBCXX_USE_CXX11_ABI=\([01]\).*/\1/p' "$torch_config" | head -n 1)
if [[ $abi == 0 ]]; then
  fail "the LibTorch in $prefix uses the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0), which the system's C++ libraries" \
       "cannot link with: use a PyTorch >= 2.7 wheel, or download the 'cxx11 ABI' LibTorch from pytorch.org and give" \
       "LIBTORCH=/path/to/libtorch"
fi
echo "build-cuda: LibTorch $torch_config (_GLIBCXX_USE_CXX11_ABI=${abi:-unset})"

# A CUDA LibTorch's CMake package looks for the CUDA toolkit (nvcc, cudart headers) at configure time.
cuda_args=()
cuda_home=${CUDA_HOME:-}
if [[ -z $cuda_home ]] && command -v nvcc >/dev/null; then cuda_home=$(dirname "$(dirname "$(command -v nvcc)")"); fi
[[ -z $cuda_home && -x /usr/local/cuda/bin/nvcc ]] && cuda_home=/usr/local/cuda
if [[ -n $cuda_home ]]; then
  cuda_args=(-DCUDAToolkit_ROOT="$cuda_home" -DCMAKE_CUDA_COMPILER="$cuda_home/bin/nvcc")
  echo "build-cuda: CUDA toolkit $cuda_home"
fi

# The wheel's libraries and their CUDA dependencies (the nvidia-* wheels) are found at run time through the RPATH
# CMake writes into each executable, so no LD_LIBRARY_PATH is needed to run build-cuda/bin/due-*.
export BUILD_DIR=${BUILD_DIR:-build-cuda}
scripts/build.sh -DCMAKE_PREFIX_PATH="$prefix" "${cuda_args[@]}" "$@"
echo "build-cuda: built $BUILD_DIR/bin"
