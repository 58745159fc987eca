#!/usr/bin/env bash
# Target::ranks() benchmarks (tests/bench/MpiBench.cpp) under mpirun at 1, 2
# and 4 ranks (MPI_BENCH_RANKS), one thread per rank, on this machine
# (loopback: shared memory). Prints, per kernel and rank count, the slowest
# rank's time split into local compute and communication, the bytes each
# rank sent, the waits at collectives for the slowest rank apart, the
# communication as a fraction of the local pass (the
# single-process CPU kernel on the same block), and the cost model of
# docs/distributed.md fitted to this machine's MPI and extrapolated to 1,024
# ranks. Arguments go to the benchmark binary (e.g. --benchmark_filter=/24).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/seqfuse-mpi-bench
[ -x "$bin" ] || { echo "build first (needs Open MPI: scripts/setup.sh)" >&2; exit 1; }
ranks="${MPI_BENCH_RANKS:-1 2 4}"
# As root, Open MPI needs these; loopback only.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMP_NUM_THREADS=1
# A timed barrier before each collective: the wait for the slowest rank is
# reported apart from the collectives' own time (CallStats::waitSeconds).
export SEQFUSE_MPI_WAIT_STATS=1
# MPI_BENCH_OUT=<dir> keeps the raw JSON there (np<P>.json).
if [ -n "${MPI_BENCH_OUT:-}" ]; then
  out="$MPI_BENCH_OUT"
  mkdir -p "$out"
else
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
for np in $ranks; do
  mpirun --oversubscribe -np "$np" "$bin" --benchmark_format=json "$@" > "$out/np$np.json"
done
python3 - "$out" $ranks <<'PY'
import json, math, sys
out, ranks = sys.argv[1], [int(x) for x in sys.argv[2:]]
runs = {np: json.load(open(f"{out}/np{np}.json"))["benchmarks"] for np in ranks}
def find(np, name):
    for r in runs[np]:
        if r["name"].split("/iterations")[0].split("/manual_time")[0] == name:
            return r
    return None
names = ["cumsum_f32", "affine_f32", "histogram_i32_256", "histogram_f32_256", "scatter_rows_f32"]
# This machine's MPI at each rank count: the 8-byte all-reduce's latency
# (alpha, per collective) and the all-gather's bandwidth (beta).
net = {}
for np in ranks:
    lat, ag = find(np, "BM_AllreduceLatency"), find(np, "BM_Allgather/524288")
    if lat and ag:
        net[np] = (lat["real_time"], 524288 * max(np - 1, 1) / (ag["real_time"] * 1e-6))
def model_ms(name, np, d):
    """docs/distributed.md's communication term with this machine's alpha
    and beta: every collective's latency, plus the bytes each rank receives
    (an all-gather: every other rank's; the scatter's all-to-all: about what
    it sends) at the all-gather's bandwidth."""
    if np not in net:
        return float("nan")
    lat_us, bw = net[np]
    recv = d["bytes_per_rank"] * (1 if name.startswith("scatter") else max(np - 1, 0))
    return (d["collectives"] * lat_us * 1e-3) + recv / bw * 1e3
print("kernel              n     ranks | total ms  local ms  wait ms  comm ms  model ms  comm/pass"
      " | local pass ms  vs pass | bytes/rank  colls msgs")
for w, name in enumerate(names):
    for lg in (16, 20, 24):
        for np in ranks:
            d = find(np, f"BM_Dist/{w}/{lg}")
            lp = find(np, f"BM_LocalPass/{w}/{lg}")
            if d is None or lp is None:
                continue
            total, comm, local_pass = d["real_time"], d["comm_ms"], lp["real_time"]
            wait = d.get("wait_ms", 0.0)
            local = total - comm - wait
            print(f"{name:18s} 2^{lg:<3d} {np:5d} | {total:8.2f}  {local:8.2f}  {wait:7.3f}  {comm:7.3f}"
                  f"  {model_ms(name, np, d):8.3f}  {comm / local_pass * 100:8.1f}%"
                  f" | {local_pass:13.2f}  {total / local_pass:6.2f}x"
                  f" | {d['bytes_per_rank']:10.0f}  {d['collectives']:5.0f} {d['messages']:4.0f}")
for np, (lat_us, bw) in net.items():
    print(f"MPI at {np} ranks: all-reduce of 8 B {lat_us:.2f} us, all-gather {bw / 1e9:.2f} GB/s"
          " received per rank")
if max(ranks) > 2:
    import os
    print(f"(more ranks than this machine's {os.cpu_count()} cores: ranks share cores; waits"
          " and collectives include time descheduled)")
# Baselines: memcpy of each rank's bytes and the plain -O3 sum scan loop.
print("\nbaselines, 2^24 (slowest rank's block):")
for np in ranks:
    mem = find(np, "BM_MemcpyLocal/0/24")
    plain = find(np, "BM_PlainCumsum/0/24")
    d = find(np, "BM_Dist/0/24")
    if None in (mem, plain, d):
        continue
    print(f"  {np} ranks: cumsum_f32 {d['real_time']:.2f} ms = {d['real_time'] / mem['real_time']:.2f}x"
          f" memcpy of the block's bytes, {plain['real_time'] / d['real_time']:.2f}x faster than"
          f" the plain -O3 loop on one rank's block")
# The extrapolation (docs/distributed.md): an f32 sum scan over 2^36
# elements on 1,024 ranks, 2^26 per rank.
n, P, s = 2**36, 1024, 4
alpha, beta, B, t_comb, colls = 2e-6, 10e9, 10e9, 2e-9, 4
L = max(4096, math.ceil(n / 65536)); R = math.ceil(n / L)
pass_ms = (n / P) * 8 / B * 1e3           # one pass: read 4 B, write 4 B
local_ms = (n / P) * 12 / B * 1e3         # summaries (read) + rescan (read, write)
comm_ms = (colls * alpha * math.log2(P) + 2 * alpha + R * s / beta + R * t_comb) * 1e3
print(f"\nextrapolation to {P} ranks: f32 sum scan over 2^36 elements (2^26 per rank);"
      f" assumed alpha = {alpha * 1e6:.0f} us per log2 P step, beta = {beta / 1e9:.0f} GB/s,"
      f" B = {B / 1e9:.0f} GB/s per rank, {colls} collectives per call (checked mode),"
      f" {t_comb * 1e9:.0f} ns per combine:")
print(f"  runs R = {R} of L = {L}; local {local_ms:.1f} ms (the single pass: {pass_ms:.1f} ms);"
      f" communication {comm_ms:.3f} ms = {comm_ms / pass_ms * 100:.2f}% of the single pass;"
      f" bytes sent per rank {R * s / P:.0f} (summaries) + 2 x {s} (states);"
      f" total {local_ms + comm_ms:.1f} ms = {(local_ms + comm_ms) / pass_ms:.2f}x the single pass")
PY
