#!/usr/bin/env bash
# Configures (default preset: Release, clang-22, Ninja) and builds into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || cmake --preset default
cmake --build build -j "${SEQFUSE_JOBS:-$(nproc)}" "$@"
