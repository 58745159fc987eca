#!/usr/bin/env bash
# Installs what seqfuse needs on Debian 12 (bookworm), as root. Idempotent:
# does nothing when everything is present.
set -euo pipefail
packages=(
  cmake ninja-build python3
  clang-22 llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libclang-rt-22-dev                 # TSan/ASan/UBSan runtimes (sanitizer builds)
  libomp-22-dev                      # the OpenMP runtime of the parallel loops
  libgtest-dev libgmock-dev libbenchmark-dev
  g++                                # builds the libtorch translation units
  libtorch-dev libdlpack-dev         # seqfuse/torch.h and seqfuse/dlpack.h (tested when present)
  python3-matplotlib                 # scripts/bench.sh's plot
  libopenmpi-dev openmpi-bin         # seqfuse/mpi.h (Target::ranks), its mpirun tests
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "seqfuse setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
