#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the main example.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh --target seed_accumulate
build/bin/seed_accumulate
