#!/usr/bin/env bash
# The README's second command: install what is missing, build everything, run
# the whole test suite (GoogleTest + lit + compile-fail tests) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
ctest --test-dir build --output-on-failure -j "${SEQFUSE_JOBS:-$(nproc)}" "$@"
