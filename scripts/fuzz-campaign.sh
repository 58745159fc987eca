#!/usr/bin/env bash
# A long fuzzing campaign with random seeds (CI runs fixed-seed budgets).
#   scripts/fuzz-campaign.sh [programs] [ir-mutants]
# Failing programs are shrunk and saved to tests/fuzz/regressions (commit them
# with the fix); crashing IR mutants to /tmp/seqfuse-ir-fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
programs="${1:-20000}"
mutants="${2:-5000}"
[ -x build/bin/seqfuse-fuzz ] || ./scripts/build.sh
status=0
build/bin/seqfuse-fuzz --random-seed --programs="$programs" --save=tests/fuzz/regressions || status=1
python3 tests/fuzz/ir_fuzz.py --opt build/bin/seqfuse-opt --mutants "$mutants" \
  --seed "$(date +%s)" --out /tmp/seqfuse-ir-fuzz || status=1
exit $status
