#!/usr/bin/env bash
# Runs the benchmarks and prints each kernel's time as a ratio against the
# baselines measured in the same run (memcpy, the plain -O3 loop,
# std::inclusive_scan and, when libtorch is installed, libtorch's ops from
# their own g++-built binary), plus the JIT latency figures (cold compile
# median, cache hit), and writes a plot of throughput against size
# (SEQFUSE_BENCH_PLOT, default docs/performance.png; needs python3-matplotlib).
# Arguments go to both benchmark binaries (e.g. --benchmark_filter=Cumsum).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/seqfuse-bench
[ -x "$bin" ] || { echo "build first: cmake --preset default && cmake --build build" >&2; exit 1; }
json=$(mktemp)
torch_json=$(mktemp)
trap 'rm -f "$json" "$torch_json"' EXIT
"$bin" --benchmark_format=json --benchmark_out="$json" --benchmark_out_format=json "$@" >/dev/null
# libtorch baselines: tests/bench/torch, built with g++ (libtorch 1.13's
# headers do not compile with clang 22).
echo '{"benchmarks": []}' > "$torch_json"
if dpkg-query -W -f='${Status}' libtorch-dev 2>/dev/null | grep -q "install ok installed"; then
  cmake -S tests/bench/torch -B build/bench-torch -G Ninja -DCMAKE_CXX_COMPILER=g++ > /dev/null
  cmake --build build/bench-torch > /dev/null
  build/bench-torch/seqfuse-bench-torch --benchmark_format=json --benchmark_out="$torch_json" \
    --benchmark_out_format=json "$@" > /dev/null
else
  echo "(libtorch-dev not installed: no torch baselines)"
fi
# Debian's python3 has python3-matplotlib; another python3 first on PATH may not.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
SEQFUSE_BENCH_PLOT="${SEQFUSE_BENCH_PLOT:-docs/performance.png}" "$py" - "$json" "$torch_json" <<'PY'
import json, os, sys
runs = json.load(open(sys.argv[1]))["benchmarks"] + json.load(open(sys.argv[2]))["benchmarks"]
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
    print(f"{name:22s} {x:8.3f} {u}   time {x/mem:5.2f}x memcpy's, {x/plain:5.2f}x the plain -O3 loop's")
# Other patterns, each against the same loop in plain C++ (-O3), unchecked.
for ours, base in [("BM_SeqfuseOrder2", "BM_PlainOrder2"), ("BM_SeqfuseMixed", "BM_PlainMixed")]:
    x, u = t(ours); y, _ = t(base)
    if None in (x, y):
        continue
    print(f"{ours:22s} {x:8.3f} {u}   {y/x:5.2f}x its plain -O3 loop ({base}), speed-up")
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
# Folds on threads: single runs per size; the ratios are speed-ups (> 1 is
# faster) over each baseline measured in this run, and the fraction of
# memcpy's bandwidth for the same bytes. "torch" is libtorch's op (cumsum,
# cummax, cumprod; for the affine recurrence its closed form
# P*cumsum(b/P), P = cumprod(a)) on all threads.
sizes = (10, 14, 18, 22, 24, 26)
def ratio(base, ours):
    return f"{base/ours:6.2f}x" if None not in (base, ours) else "     - "
print("sum scan f32 (8 B/elem): n | 1 thread: vs loop | all threads: vs loop  vs memcpy  vs std::inclusive_scan  vs torch")
for lg in sizes:
    one = exact(f"BM_SeqfuseCumsum/{lg}/1"); allt = exact(f"BM_SeqfuseCumsum/{lg}/0")
    if allt is None:
        continue
    print(f"                     2^{lg:<3d} |          {ratio(exact(f'BM_PlainCumsum/{lg}'), one)} |"
          f"          {ratio(exact(f'BM_PlainCumsum/{lg}'), allt)}  {ratio(exact(f'BM_MemcpyBytes/{lg}'), allt)}"
          f"           {ratio(exact(f'BM_InclusiveScan/{lg}'), allt)}        {ratio(exact(f'BM_TorchCumsum/{lg}'), allt)}")
# The other ceiling: memcpy split over every hardware thread (one core
# nearly saturates memory here, so it is close to the one-thread copy).
for lg in (22, 24):
    x = exact(f"BM_SeqfuseCumsum/{lg}/0"); m = exact(f"BM_MemcpyThreads/{lg}")
    if None not in (x, m):
        print(f"sum scan f32 2^{lg}: {ratio(m, x)} memcpy of the same bytes on every thread")
print("affine s = a*s + b f32 (12 B/elem): n | 1 thread: vs loop | all threads: vs loop  vs memcpy  vs torch")
for lg in sizes:
    one = exact(f"BM_SeqfuseAffine/{lg}/1"); allt = exact(f"BM_SeqfuseAffine/{lg}/0")
    if allt is None:
        continue
    mem = exact(f"BM_MemcpyBytes/{lg}")
    # memcpy of 12 bytes per element: 1.5x the 8-byte copy measured
    print(f"                              2^{lg:<3d} |          {ratio(exact(f'BM_PlainAffine/{lg}'), one)} |"
          f"          {ratio(exact(f'BM_PlainAffine/{lg}'), allt)}  {ratio(None if mem is None else 1.5 * mem, allt)}"
          f"  {ratio(exact(f'BM_TorchAffine/{lg}'), allt)}")
for name, what in (("Cummax", "running max f32"), ("Cumprod", "running product f32"),
                   ("Dot", "dot product f32, a reduction")):
    print(f"{what} (8 B/elem): n | all threads: vs loop  vs memcpy  vs torch")
    for lg in sizes:
        ours = exact(f"BM_Seqfuse{name}/{lg}")
        if ours is None:
            continue
        print(f"                  2^{lg:<3d} |          {ratio(exact(f'BM_Plain{name}/{lg}'), ours)}"
              f"  {ratio(exact(f'BM_MemcpyBytes/{lg}'), ours)}  {ratio(exact(f'BM_Torch{name}/{lg}'), ours)}")
for lg in (22, 24):
    x = exact(f"BM_SeqfuseSegMax/{lg}")
    if x is not None:
        print(f"segmented running max f32, 2^{lg}: {ratio(exact(f'BM_PlainSegMax/{lg}'), x)} its plain -O3 loop")
# Scatters and histograms (private copies where the target is small beside
# the loop, else the loop): speed-ups over the plain -O3 loop and libtorch's
# op (index_add_, scatter_) on all threads.
for ours, base, torch, what, tsizes in [
        ("BM_SeqfuseHistogram", "BM_PlainHistogram", "BM_TorchIndexAdd", "f32 histogram, 2^22 into", (8, 20)),
        ("BM_SeqfuseScatter", "BM_PlainScatter", "BM_TorchScatter", "last-writer-wins scatter, 2^22 into", (12, 20))]:
    for lg in tsizes:
        for arg, mode in (("0", "unchecked"), ("1", "checked")):
            x = exact(f"{ours}/{arg}/{lg}")
            if x is None:
                continue
            print(f"{what} 2^{lg} ({mode}): {ratio(exact(f'{base}/{lg}'), x)} its plain -O3 loop,"
                  f" {ratio(exact(f'{torch}/{lg}'), x)} torch")
for arg, mode in (("0", "unchecked"), ("1", "checked")):
    x = exact(f"BM_SeqfuseGather/{arg}")
    if x is not None:
        print(f"gather out[i] = v[idx[i]]*2, 2^22 from 2^20 ({mode}): {ratio(exact('BM_PlainGather'), x)} its plain -O3 loop")
for arg, mode in (("0", "unchecked"), ("1", "checked")):
    x = exact(f"BM_SeqfuseChain/{arg}")
    if x is not None:
        print(f"chain map -> scan -> scatter, 2^22 into 2^20 ({mode}): {ratio(exact('BM_PlainChain'), x)} the plain loops,"
              f" {ratio(exact('BM_TorchChain'), x)} torch")

# The plot: elements per second against n (or the target's size) for each
# workload and its baselines.
plot = os.environ.get("SEQFUSE_BENCH_PLOT", "")
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    if plot:
        print("(python3-matplotlib not installed: no plot)")
if plt is not None and plot:
    def series(fmt, lgs, n=None):
        xs, ys = [], []
        for lg in lgs:
            t = exact(fmt.format(lg=lg))
            if t is None:
                continue
            unit = next(r["time_unit"] for r in runs if r["name"] == fmt.format(lg=lg))
            sec = t * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]
            xs.append(2 ** lg)
            ys.append((n if n else 2 ** lg) / sec / 1e9)
        return xs, ys
    panels = [
        ("sum scan f32", [("seqfuse", "BM_SeqfuseCumsum/{lg}/0"), ("seqfuse, 1 thread", "BM_SeqfuseCumsum/{lg}/1"),
                          ("-O3 loop", "BM_PlainCumsum/{lg}"), ("std::inclusive_scan", "BM_InclusiveScan/{lg}"),
                          ("torch.cumsum", "BM_TorchCumsum/{lg}"), ("memcpy (same bytes)", "BM_MemcpyBytes/{lg}")], sizes, None),
        ("affine s = a*s + b f32", [("seqfuse", "BM_SeqfuseAffine/{lg}/0"), ("seqfuse, 1 thread", "BM_SeqfuseAffine/{lg}/1"),
                                    ("-O3 loop", "BM_PlainAffine/{lg}"), ("torch closed form", "BM_TorchAffine/{lg}")], sizes, None),
        ("running max f32", [("seqfuse", "BM_SeqfuseCummax/{lg}"), ("-O3 loop", "BM_PlainCummax/{lg}"),
                             ("torch.cummax", "BM_TorchCummax/{lg}")], sizes, None),
        ("running product f32", [("seqfuse", "BM_SeqfuseCumprod/{lg}"), ("-O3 loop", "BM_PlainCumprod/{lg}"),
                                 ("torch.cumprod", "BM_TorchCumprod/{lg}")], sizes, None),
        ("map a*x + y f32", [("seqfuse", "BM_SeqfuseMap/{lg}/0"), ("seqfuse, 1 thread", "BM_SeqfuseMap/{lg}/1"),
                             ("-O3 loop", "BM_PlainMap/{lg}"), ("memcpy (same bytes)", "BM_MemcpyMap/{lg}")], range(10, 25, 2), None),
        ("histogram / scatter, 2^22 (x: target size)",
         [("seqfuse histogram", "BM_SeqfuseHistogram/0/{lg}"), ("-O3 loop histogram", "BM_PlainHistogram/{lg}"),
          ("torch index_add_", "BM_TorchIndexAdd/{lg}"), ("seqfuse scatter", "BM_SeqfuseScatter/0/{lg}"),
          ("-O3 loop scatter", "BM_PlainScatter/{lg}"), ("torch scatter_", "BM_TorchScatter/{lg}")], (8, 12, 20), 2 ** 22),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    for ax, (title, lines, lgs, n) in zip(axes.flat, panels):
        for label, fmt in lines:
            xs, ys = series(fmt, lgs, n)
            if xs:
                ax.plot(xs, ys, marker="o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_title(title)
        ax.set_xlabel("elements" if n is None else "target elements")
        ax.set_ylabel("G elements / s")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("seqfuse against its baselines, measured in one run (scripts/bench.sh)")
    fig.tight_layout()
    fig.savefig(plot, dpi=80)
    print(f"plot: {plot}")
PY
