#!/usr/bin/env bash
# Runs the benchmarks and prints each kernel's time as a ratio against the
# baselines measured in the same run (memcpy, the plain -O3 loop), plus the JIT
# latency figures (cold compile median, cache hit).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/seqfuse-bench
[ -x "$bin" ] || { echo "build first: cmake --preset default && cmake --build build" >&2; exit 1; }
json=$(mktemp)
"$bin" --benchmark_format=json --benchmark_out="$json" --benchmark_out_format=json "$@" >/dev/null
python3 - "$json" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
def t(name, agg=None):
    for r in runs:
        if r["name"].startswith(name) and (agg is None or r.get("aggregate_name") == agg):
            return r["real_time"], r["time_unit"]
    return None, None
# (A --benchmark_filter may leave some out: their lines are skipped.)
cold, cu = t("BM_ColdJit", "median")
hit, hu = t("BM_CacheHit")
if cold is not None:
    print(f"cold JIT latency (median): {cold:.2f} {cu}   goal <= 25 ms")
if hit is not None:
    print(f"cache hit:                 {hit:.3f} {hu}   goal <= 0.1 ms (100 us)")
mem, _ = t("BM_Memcpy"); plain, _ = t("BM_PlainLoop")
for name in ["BM_SeqfuseChecked", "BM_SeqfuseUnchecked"]:
    x, u = t(name)
    if None in (x, mem, plain):
        continue
    print(f"{name:22s} {x:8.3f} {u}   {x/mem:5.2f}x memcpy   {x/plain:5.2f}x plain -O3 loop")
# Other patterns, each against the same loop in plain C++ (-O3), unchecked.
for ours, base in [("BM_SeqfuseOrder2", "BM_PlainOrder2"), ("BM_SeqfuseMixed", "BM_PlainMixed")]:
    x, u = t(ours); y, _ = t(base)
    if None in (x, y):
        continue
    print(f"{ours:22s} {x:8.3f} {u}   {x/y:5.2f}x its plain -O3 loop ({base})")
# A map on threads (out[i] = a*x[i] + y[i], 12 bytes per element) across
# the serial cutoff: speed-up over the plain -O3 loop (> 1 is faster) and the
# fraction of memcpy's bandwidth for the same bytes.
def exact(name):
    for r in runs:
        if r["name"] == name:
            return r["real_time"]
    return None
print("map out[i] = a*x[i] + y[i]:   n   | 1 thread: vs loop  vs memcpy | all threads: vs loop  vs memcpy")
for lg in range(10, 25, 2):
    plain = exact(f"BM_PlainMap/{lg}"); mem = exact(f"BM_MemcpyMap/{lg}")
    one = exact(f"BM_SeqfuseMap/{lg}/1"); allt = exact(f"BM_SeqfuseMap/{lg}/0")
    if None in (plain, mem, one, allt):
        continue
    print(f"                         2^{lg:<3d} |        {plain/one:5.2f}x    {mem/one:5.2f}x  |"
          f"           {plain/allt:5.2f}x    {mem/allt:5.2f}x")
# Folds on threads: medians are single runs here; the ratios are speed-ups
# (> 1 is faster) over each baseline measured in this run, and the fraction of
# memcpy's bandwidth for the same bytes.
print("sum scan f32 (8 B/elem): n  | 1 thread: vs loop | all threads: vs loop  vs memcpy  vs std::inclusive_scan")
for lg in (10, 14, 18, 22, 24):
    plain = exact(f"BM_PlainCumsum/{lg}"); mem = exact(f"BM_MemcpyBytes/{lg}")
    inc = exact(f"BM_InclusiveScan/{lg}")
    one = exact(f"BM_SeqfuseCumsum/{lg}/1"); allt = exact(f"BM_SeqfuseCumsum/{lg}/0")
    if None in (plain, mem, inc, one, allt):
        continue
    print(f"                     2^{lg:<3d} |        {plain/one:5.2f}x   |"
          f"          {plain/allt:5.2f}x    {mem/allt:5.2f}x    {inc/allt:5.2f}x")
print("affine s = a*s + b f32 (12 B/elem): n | 1 thread: vs loop | all threads: vs loop  vs memcpy")
for lg in (10, 14, 18, 22, 24):
    plain = exact(f"BM_PlainAffine/{lg}"); mem = exact(f"BM_MemcpyBytes/{lg}")
    one = exact(f"BM_SeqfuseAffine/{lg}/1"); allt = exact(f"BM_SeqfuseAffine/{lg}/0")
    if None in (plain, mem, one, allt):
        continue
    # memcpy of 12 bytes per element: 1.5x the 8-byte copy measured
    print(f"                              2^{lg:<3d} |        {plain/one:5.2f}x   |"
          f"          {plain/allt:5.2f}x    {1.5*mem/allt:5.2f}x")
# Scatters (still the loop's sequential code): time ratio to the plain loop.
for ours, base, what in [("BM_SeqfuseHistogram", "BM_PlainHistogram", "256-bin f32 histogram, 2^22"),
                         ("BM_SeqfuseScatter", "BM_PlainScatter", "last-writer-wins scatter, 2^22 into 2^20")]:
    y = exact(base)
    for arg, mode in (("0", "unchecked"), ("1", "checked")):
        x = exact(f"{ours}/{arg}")
        if None in (x, y):
            continue
        print(f"{what} ({mode}): {y/x:5.2f}x its plain -O3 loop")
PY
rm -f "$json"
