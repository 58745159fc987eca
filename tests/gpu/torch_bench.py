"""torch baselines of scripts/gpu-check.sh on the GPU machine's PyTorch:
cumsum, scatter_ (its winner among duplicates is unspecified), index_add_
(a 256-bin histogram), the affine recurrence in closed form
(P = cumprod(a), x = P * cumsum(b / P)) and the three-loop chain
(m = 1.5 x; s = cumsum(m); t.scatter_(idx, s)). One line each:
"torch <name> <n> <ms>" (median of 15 after a warm-up, CUDA events)."""
import sys

try:
    import torch
except ImportError:
    print("torch: not installed")
    sys.exit(0)
if not torch.cuda.is_available():
    print("torch: no CUDA device")
    sys.exit(0)

log2n = int(sys.argv[1]) if len(sys.argv) > 1 else 26
n = 1 << log2n
dev = "cuda"
g = torch.Generator(device=dev).manual_seed(42)
x = torch.rand(n, device=dev, generator=g)
y = torch.rand(n, device=dev, generator=g) - 0.5
idx = torch.randint(0, n, (n,), device=dev, generator=g)
t = torch.zeros(n, device=dev)
h = torch.zeros(256, device=dev, dtype=torch.int32)
ones = torch.ones(n, device=dev, dtype=torch.int32)


def time_it(f, reps=15):
    f()
    torch.cuda.synchronize()
    ms = []
    for _ in range(reps):
        a = torch.cuda.Event(enable_timing=True)
        b = torch.cuda.Event(enable_timing=True)
        a.record()
        f()
        b.record()
        b.synchronize()
        ms.append(a.elapsed_time(b))
    ms.sort()
    return ms[len(ms) // 2]


def affine():
    p = torch.cumprod(x, 0)
    return p * torch.cumsum(y / p, 0)


def chain():
    s = torch.cumsum(x * 1.5, 0)
    t.scatter_(0, idx, s)


for name, f in [("cumsum", lambda: torch.cumsum(x, 0)),
                ("scatter", lambda: t.scatter_(0, idx, x)),
                ("histogram", lambda: h.index_add_(0, (x * 256).long(), ones)),
                ("affine", affine),
                ("chain", chain)]:
    print(f"torch {name} {n} {time_it(f):.4f}")
