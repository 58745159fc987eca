#!/usr/bin/env python3
"""Mutation fuzzing of seqfuse-opt's IR entry.

Takes the .mlir files of the corpus (tests/fuzz/ir-corpus: dumped stages of
the examples; tests/lit: hand-written inputs), applies random mutations
(deleted, duplicated or swapped lines, changed numbers, types, names and
punctuation, truncation) and runs seqfuse-opt's CPU pipeline and the
runtime-check pass on each mutant. Every mutant must end with exit code 0
(accepted) or 1 (a diagnostic): never a signal, an abort, an "LLVM ERROR" or
a stack dump. Failing mutants are saved to --out for reproduction.

One crash is not ours: MLIR's parser corrupts the heap while recovering from
some parse errors (an outer forward reference resolved by a block argument of
a region that an op's parser then discards; tests/fuzz/known). A crashing
mutant that also crashes when only parsed (no pass runs) is counted as such a
parser crash and reported, not failed; one that parses cleanly every time
but crashes in the pipeline is a failure.

  ir_fuzz.py --opt build/bin/seqfuse-opt [--mutants 400] [--seed 1] [--out DIR]
"""
import argparse
import glob
import os
import random
import re
import subprocess
import sys

NUMBERS = ["0", "1", "-1", "2", "9223372036854775807", "-9223372036854775808",
           "4294967296", "99999999999999999999999", "0x7fffffff", "1.5", "nan"]
TYPES = ["f32", "f64", "i1", "i32", "i64", "index", "memref<?xf32>", "memref<4xi32>",
         "memref<?x?xf32>", "memref<f32>", "!llvm.ptr", "vector<4xf32>", "tensor<?xf32>"]
PUNCT = ["(", ")", "{", "}", "[", "]", ",", ":", "=", "%", "^", "->", "\"", "#"]
TYPE_RE = re.compile(r"\b(f32|f64|i1|i32|i64|index)\b|memref<[^>]*>|!llvm\.ptr")
NUM_RE = re.compile(r"-?\b\d+\b")
NAME_RE = re.compile(r"%[A-Za-z0-9_]+")


def mutate(text, rng):
    lines = text.split("\n")
    kind = rng.randrange(10)
    if kind == 0 and len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    elif kind == 1:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == 2 and len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    elif kind in (3, 4):
        regex, choices = (NUM_RE, NUMBERS) if kind == 3 else (TYPE_RE, TYPES)
        spots = [m for m in regex.finditer(text)]
        if spots:
            m = rng.choice(spots)
            return text[:m.start()] + rng.choice(choices) + text[m.end():]
    elif kind == 5:
        names = NAME_RE.findall(text)
        if len(names) > 1:
            a, b = rng.choice(names), rng.choice(names)
            return text.replace(a, b, 1) if rng.random() < 0.5 else text.replace(a, b)
    elif kind == 6:
        p = rng.randrange(max(len(text), 1))
        return text[:p] + rng.choice(PUNCT) + text[p:]
    elif kind == 7:
        p = rng.randrange(max(len(text), 1))
        return text[:p] + text[p + rng.randrange(1, 40):]
    elif kind == 8:
        return text[:rng.randrange(max(len(text), 1))]
    else:
        # Attribute damage: seqfuse's own attributes with wrong shapes.
        subs = [("seqfuse.dims = [", "seqfuse.dims = [7, "), ("seqfuse.name = \"", "seqfuse.name = 3, x = \""),
                ("seqfuse.checked", "seqfuse.checked = 5"), ("step", "step %c0 step")]
        a, b = rng.choice(subs)
        return text.replace(a, b, 1)
    return "\n".join(lines)


def crashed(proc):
    bad = ("LLVM ERROR", "PLEASE submit a bug report", "Stack dump", "Assertion",
           "Segmentation fault", "terminate called")
    return proc.returncode not in (0, 1) or any(b in proc.stderr for b in bad)


def parser_crashes(opt, text, flags, tries=10):
    """True when parsing alone (no pass) crashes or hangs at least once."""
    split = ["--split-input-file"] if "--split-input-file" in flags else []
    for _ in range(tries):
        try:
            proc = subprocess.run([opt, *split, "-"], input=text, capture_output=True,
                                  text=True, timeout=10)
        except subprocess.TimeoutExpired:
            return True
        if crashed(proc):
            return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--opt", required=True)
    ap.add_argument("--corpus", nargs="*", default=None)
    ap.add_argument("--mutants", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    corpus = args.corpus or (sorted(glob.glob(os.path.join(root, "tests/fuzz/ir-corpus/*.mlir"))) +
                             sorted(glob.glob(os.path.join(root, "tests/lit/**/*.mlir"), recursive=True)))
    texts = [open(f).read() for f in corpus]
    rng = random.Random(args.seed)
    pipelines = [["--seqfuse-cpu-pipeline"], ["--seqfuse-cpu-pipeline=checked=false"],
                 ["--seqfuse-insert-runtime-checks"], ["--split-input-file", "--seqfuse-cpu-pipeline"]]
    accepted = rejected = failures = parser = 0
    for k in range(args.mutants):
        text = texts[rng.randrange(len(texts))]
        for _ in range(1 + rng.randrange(3)):
            text = mutate(text, rng)
        flags = rng.choice(pipelines)
        try:
            proc = subprocess.run([args.opt, *flags, "-"], input=text, capture_output=True,
                                  text=True, timeout=30)
        except subprocess.TimeoutExpired:
            proc = subprocess.CompletedProcess([], -999, "", "timeout")
        if crashed(proc) and parser_crashes(args.opt, text, flags):
            parser += 1
            print(f"parser crash (MLIR, not counted) on mutant {k} ({' '.join(flags)})")
        elif crashed(proc):
            failures += 1
            print(f"CRASH mutant {k} ({' '.join(flags)}): exit {proc.returncode}")
            print("\n".join(proc.stderr.splitlines()[:8]))
            if args.out:
                os.makedirs(args.out, exist_ok=True)
                with open(os.path.join(args.out, f"mutant-{args.seed}-{k}.mlir"), "w") as f:
                    f.write(f"// seqfuse-opt {' '.join(flags)}\n{text}")
        elif proc.returncode == 0:
            accepted += 1
        else:
            rejected += 1
    print(f"ir-fuzz: {args.mutants} mutants of {len(corpus)} files: {accepted} accepted, "
          f"{rejected} rejected with a diagnostic, {failures} crashed, "
          f"{parser} hit the MLIR parser's crash on invalid input")
    print(f"{args.mutants - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
