#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run the
# whole test suite with ctest (GoogleTest, lit, compile-fail tests, the fuzz
# budgets), then the same suite under AddressSanitizer + UBSan, then the
# multi-threaded stress tests under ThreadSanitizer.
# SEQFUSE_SANITIZERS=0 skips the two sanitizer builds (quicker local runs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs="${SEQFUSE_JOBS:-$(nproc)}"

echo "== default build (Release) =="
./scripts/build.sh
ctest --test-dir build --output-on-failure -j "$jobs" "$@"

if [ "${SEQFUSE_SANITIZERS:-1}" != "0" ]; then
  echo "== ThreadSanitizer: many threads compiling and running kernels =="
  [ -f build-tsan/build.ninja ] || cmake --preset tsan
  cmake --build build-tsan -j "$jobs" --target seqfuse-unittests
  TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" build-tsan/bin/seqfuse-unittests \
    --gtest_filter='KernelCache.*:Targets/RuntimeCheckTest.*:Parallel.*:ParallelFolds.EveryFamily*:ParallelFolds.NonFinite*:ParallelFolds.AFoldThatChecks*:ParallelScatters.EveryFamily*:ParallelScatters.AnIndexOutOfRange*:ParallelScatters.ALargeTarget*:ParallelScatters.OwnerComputes*:ParallelChecks.*'

  echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite =="
  [ -f build-asan/build.ninja ] || cmake --preset asan
  cmake --build build-asan -j "$jobs"
  # allow_user_poisoning=0: LLVM's BumpPtrAllocator, inlined into our
  # instrumented code, poisons a new slab of an MLIR context's allocator;
  # the uninstrumented libMLIR.so then allocates from that slab without
  # unpoisoning, and ASan's memmove reports "use-after-poison" in
  # StringAttr::get (a false positive that comes and goes with where slabs
  # start). Real heap errors are still caught: only user poisoning is off.
  ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" "$@"
fi
