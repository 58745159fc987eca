#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, its driver and the CUDA toolkit (no MLIR
# needed): runs every GPU case of the bundle against the interpreter's
# results, then times seqfuse's GPU kernels against a device-to-device copy,
# CUB and (when installed) torch, and prints the table.
#
#   scripts/gpu-check.sh [BUNDLE]      (default build/gpu-bundle)
#
# Make the bundle first, on a machine with the compiler:
#   cmake --build build --target seqfuse-gpu-bundle && build/bin/seqfuse-gpu-bundle build/gpu-bundle
# The tools are built here from source (the MLIR-free runtime and the
# checker with g++/clang++, the CUB baselines with nvcc) into $OUT (or
# /tmp), so no binary needs to match this machine's libraries.
# Exit: 0 every case passed; 1 a case failed or a tool did not build; 3 no GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-build/gpu-bundle}
work=${OUT:-/tmp}/seqfuse-gpu-check
mkdir -p "$work"
start=$SECONDS
[ -f "$bundle/cases.txt" ] || { echo "gpu-check: no bundle at $bundle (see the header of $0)"; exit 1; }

nvcc=$(command -v nvcc || true)
[ -n "$nvcc" ] || for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
  [ -x "$d/nvcc" ] && nvcc="$d/nvcc" && break
done
cxx=""
for c in g++ clang++ c++; do
  if command -v "$c" > /dev/null && echo 'int main(){}' | "$c" -std=c++20 -x c++ - -o /dev/null 2> /dev/null; then
    cxx=$c; break
  fi
done
echo "== building the checker (${cxx:-no C++20 compiler}) and the CUB baselines (${nvcc:-no nvcc})"
if [ -z "$cxx" ]; then echo "gpu-check: no C++20 compiler"; exit 1; fi
"$cxx" -std=c++20 -O2 -Idsl/include -Iruntime/include -Iruntime/lib tests/gpu/gpu_check.cpp \
  runtime/lib/Signature.cpp runtime/lib/Checks.cpp runtime/lib/gpu/CudaDriver.cpp \
  runtime/lib/gpu/Module.cpp runtime/lib/gpu/Plan.cpp -ldl -lpthread \
  -o "$work/seqfuse-gpu-check" || { echo "gpu-check: the checker did not build"; exit 1; }
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2> /dev/null | head -1 | tr -d '.')
arch=${arch:-90}
cub_ok=0
if [ -n "$nvcc" ]; then
  "$nvcc" -O3 -std=c++17 -arch="sm_$arch" tests/gpu/cub_bench.cu -o "$work/cub-bench" && cub_ok=1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2> /dev/null

echo "== every GPU case against the interpreter ($(grep -c '^case' "$bundle/cases.txt") cases)"
"$work/seqfuse-gpu-check" "$bundle" | tee "$work/cases.log"
rc=${PIPESTATUS[0]}
[ "$rc" = 3 ] && exit 3

echo "== benchmarks, 2^26 elements"
bench="$work/bench.log"
"$work/seqfuse-gpu-check" "$bundle" --bench --log2n=26 | tee "$bench"
[ "$cub_ok" = 1 ] && "$work/cub-bench" 26 | tee -a "$bench"
if command -v python3 > /dev/null; then
  python3 tests/gpu/torch_bench.py 26 | tee -a "$bench"
  python3 - "$bench" << 'PY'
import sys
t = {}
for line in open(sys.argv[1]):
    w = line.split()
    if len(w) == 4 and w[0] in ("seqfuse", "cub", "torch"):
        t[(w[0], w[1])] = float(w[3])
    elif len(w) == 3 and w[0] == "copy":
        t[("seqfuse", "copy")] = float(w[2])
copy = t.get(("cub", "copy"), t.get(("seqfuse", "copy")))
n = 1 << 26
# Bytes each seqfuse kernel must move at least (read + write).
moved = {"cumsum": 8 * n, "affine": 12 * n, "histogram": 4 * n, "scatter": 12 * n,
         "chain": 24 * n}
print("\nworkload   seqfuse ms   GB/s   vs copy BW   vs CUB   vs torch")
for name in ("cumsum", "affine", "histogram", "scatter", "chain"):
    ours = t.get(("seqfuse", name))
    if ours is None:
        continue
    gbs = moved[name] / ours / 1e6
    rel = lambda other: f"{t[other] / ours:6.2f}x" if other in t else "     -"
    bw = f"{gbs / (8 * n / copy / 1e6):6.2f}x" if copy else "     -"
    print(f"{name:10s} {ours:10.4f} {gbs:7.0f}   {bw}      {rel(('cub', name))}   {rel(('torch', name))}")
if copy:
    print(f"device copy of 2^26 f32 ({8 * n / 2**30:.1f} GiB read + written): {copy:.4f} ms, "
          f"{8 * n / copy / 1e6:.0f} GB/s")
print("(vs copy BW: the kernel's bytes per second over the copy's; vs CUB/torch: their time "
      "over seqfuse's. CUB's affine scan reads and writes float2 pairs; its scatter is a "
      "stable radix sort then a write of each run's last.)")
PY
fi
echo "gpu-check: $((SECONDS - start)) s"
exit "$rc"
