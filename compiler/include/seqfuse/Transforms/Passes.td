//===- Passes.td - seqfuse transformation passes ------------*- tablegen -*-===//
#ifndef SEQFUSE_TRANSFORMS_PASSES
#define SEQFUSE_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def InsertRuntimeChecksPass : Pass<"seqfuse-insert-runtime-checks", "mlir::ModuleOp"> {
  let summary = "Guard indices and integer divisors of loop-form kernels";
  let description = [{
    Before every `memref.load` / `memref.store` whose index is not provably in
    `[0, extent)`, inserts

    ```mlir
    %ok = arith.cmpi ult, %i, %extent : index
    scf.if (not %ok) { func.call @seqfuse_rt_check_failed(%site, %i, %extent) }
    ```

    and before every signed/unsigned integer division or remainder a check of
    the divisor (zero, and `MIN / -1` for signed ones). `@seqfuse_rt_check_failed`
    never returns: the runtime turns it into an `IndexError` naming the tensor,
    the index value and the statement's `file:line`, so nothing is written out
    of bounds. Each check site is described in the module attribute
    `seqfuse.check_sites` (its position is the `%site` operand).

    An index is provably in bounds when it is the induction variable (or the
    reversed induction variable `lo + hi - 1 - k`) of an `scf.for` with a
    non-negative constant lower bound, unit step, and an upper bound equal to
    the indexed extent: the same `memref.dim`, a dimension declared with the
    same size name (`seqfuse.dims`, checked equal at call time), or a constant
    no larger than a static extent. A parallel lowering's chunk loops count:
    a lower bound that is `lb + (something >= 0)` and an upper bound
    `min(..., ub)` stay within `[lb, ub)`. Accesses marked
    `seqfuse.in_bounds` (a lowering's own buffers, in range by construction)
    are not checked.

    Kernels already checked (`seqfuse.checked`) are left alone, so the pass is
    idempotent and any dumped stage replays through the pipeline.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
                           "mlir::func::FuncDialect", "mlir::memref::MemRefDialect"];
}

def LowerPatternsPass : Pass<"seqfuse-lower-patterns"> {
  let summary = "Lower seqfuse pattern ops to sequential scf loops";
  let description = [{
    Gives every pattern op its sequential meaning as an `scf.for` (innermost
    ops first):

    ```
    seqfuse.map lb to ub {body}            => for i: body(i)
    seqfuse.reduce init element combiner   => acc = init; for i: acc = combiner(acc, element(i))
    seqfuse.scan ... body                  => the same, calling body(i, acc) before
                                              (exclusive) or after (inclusive) combining
    seqfuse.scatter into t element         => for i: (j..., v) = element(i); t[j...] = v
    seqfuse.scatter_combine into t ...     => for i: t[j...] = combiner(t[j...], v)
    seqfuse.sequential {body}              => body, inlined
    ```

    `reverse` folds iterate `i = lb + ub - 1 - k` for `k` in `[lb, ub)`. The
    result is the correct (sequential) CPU code for every pattern.

    With `parallel-folds`, every outermost `seqfuse.reduce` / `seqfuse.scan`
    (one not inside another pattern op) whose float policy is not `strict`
    becomes, in addition, a blocked reduce-then-scan:

    ```
    if (ub - lb >= cutoff) {
      acc = init
      for each group of `group` chunks of `chunk` iterations (k-space):
        parallel c: sum[c] = element(lo) ⊕ ... ⊕ element(hi-1)    // combiner
        if (a float slot of some sum[c] is NaN)
          acc = the loop over the group from acc                  // exact
        else
          for c: carry[c] = acc; acc = acc ⊕ sum[c]               // fixed order
          parallel c: the loop over chunk c from carry[c]         // scan only
    } else
      the loop
    ```

    tagged `seqfuse.lowered = "fold"` for `seqfuse-parallelize-maps`, which
    keeps it where it makes no run-time check. Chunk boundaries depend only on
    the iteration count, so results never depend on the number of threads; a
    group (`chunk * group` iterations) stays in cache between its two passes.
    Integer folds, min/max and select-by-order give the loop's result bit for
    bit; float folds whose combiner rounds differ from it only by
    reassociation.

    With `simd` = W > 1, a parallel scan of one accumulator that is a
    monoid (+ * min max & | ^, a counter; not select-by-order, which NaN
    makes non-associative) with a combiner that maps lane by lane steps each
    lane W' iterations at a time (the largest power of two <= W dividing a
    lane's run): the W' elements as vectors (one `vector.load` per load of
    whole bytes at `[..., %i]`, `%i + c`, `%i - c` or `c - %i` (a
    loopReverse index; reversed where the indices run down) proven in range,
    else scalar copies put together), Sklansky's log-step tree over them (at step s, lanes with bit
    s set combine the last lane of the block before), the carry broadcast
    and combined in front, then the body on each lane in order. The tree is
    fixed, so results still never depend on the thread count. Where the
    element is only such vector loads and lane-wise ops (nothing in it can
    fail a check), the loop after the parallel form (all of it below the
    cutoff) takes the same steps too:

    ```
    k = from; mid = from + ((ub - from) & -W)
    while (k < mid) {
      r = the step's running values at k .. k+W-1
      if (floats round and some lane of r is not finite) break   // no body ran
      body on each lane in order; acc = r[W-1]; k += W
    }
    the loop from k                                  // exact for inf and NaN
    ```

    and a reduction whose accumulators are all such monoids with an
    identity (and whose element is vector loads and lane-wise ops) folds W
    vector lanes of partial results there: lane j the iterations j, j + W,
    ... of the whole steps from the identity, the lanes combined in one fixed
    tree ((0 1) (2 3)) ((4 5) (6 7)) and after the accumulator, the loop for
    the last (ub - from) mod W; a float result that is not finite is
    recomputed by the loop over the steps.

    (Lowered code is in `compiler/lib/Conversion/`: `SeqfuseToSCF` the exact
    loops, `SeqfuseToCPU` the parallel forms and this pass.)

    With `parallel-scatters`, every outermost `seqfuse.scatter` and
    `seqfuse.scatter_combine` (a histogram whose combiner is one operation
    with a neutral value, and not float + or * under `strict`) gets private
    copies of its target, and a scatter into a contiguous target too large
    for them is split among the threads (owner-computes):

    ```
    blocks = min(group, n / (spread * size(target)))   // spread: 4, scatters 8
    owners = min(omp_get_max_threads(), group, size(target) / line)  // scatters
    if (n >= cutoff && (blocks >= 2 || owners >= 2)) {
     if (blocks >= 2) {
      parallel b: copy[b] = identity (scatters: -1)
                  for i in block b: copy[b][j] = combiner(copy[b][j], v)
                                    (scatters: copy[b][j] = i - start(b), an i32)
                  up to its first index out of range: stop[b]
      m = the blocks up to the first that stopped; from = its stop, else ub
      parallel j: t[j] = combiner(... combiner(t[j], copy[0][j]) ..., copy[m-1][j])
                  (scatters: t[j] = v of the last iteration of them that wrote j, if any)
     } else {
      parallel o: for i in [lb, ub) in order: if j in o's lines: t[j] = v
                                              else: slot[o] = v   // a select, no branch
                  up to the first index out of range: from (the same for all)
     }
    } else from = lb
    the loop from `from`     // raises there in checked mode, as the loop does
    ```

    Both check a block of 256 iterations' indices first (an and-reduction),
    then write it with no check; at a block with an index out of range they
    write up to that index and stop there. Tagged `seqfuse.lowered =
    "scatter"` / `"scatter_combine"` like the folds. Blocks depend only on the
    trip count and the target's size, and the merge is in block order; an
    owner writes its elements in the loop's order: results never depend on
    the thread count; integer and min/max histograms and scatters give the
    loop's bits (strict_fp keeps scatters parallel: a last writer rounds
    nothing).
  }];
  let options = [
    Option<"parallelFolds", "parallel-folds", "bool", /*default=*/"false",
           "Also build the blocked reduce-then-scan of reductions and scans">,
    Option<"chunk", "chunk", "int64_t", /*default=*/"16384",
           "Iterations per chunk of a parallel fold">,
    Option<"group", "group", "int64_t", /*default=*/"16",
           "Chunks per group (one parallel pass each) of a parallel fold">,
    Option<"cutoff", "cutoff", "int64_t", /*default=*/"65536",
           "Fewest iterations a parallel fold runs in parallel">,
    Option<"lanes", "lanes", "int64_t", /*default=*/"4",
           "Runs per chunk a thread advances together (1 where chunk % lanes != 0)">,
    Option<"simd", "simd", "int64_t", /*default=*/"1",
           "Most iterations per in-register step of a scan, and vector lanes of a reduction's loop (1: none)">,
    Option<"parallelScatters", "parallel-scatters", "bool", /*default=*/"false",
           "Also build private-copy scatters and histograms (`group` blocks at most)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect", "mlir::vector::VectorDialect"];
}

def ParallelizeMapsPass : Pass<"seqfuse-parallelize-maps", "mlir::ModuleOp"> {
  let summary = "Run maps on threads in fixed chunks; keep the folds' parallel forms";
  let description = [{
    After `seqfuse-lower-patterns` and `seqfuse-insert-runtime-checks`: every
    outermost `scf.for` that a `seqfuse.map` became (`seqfuse.lowered = "map"`)
    and whose body makes no run-time check becomes

    ```
    if (ub - lb >= cutoff)
      scf.parallel (c) = (0) to (ceildiv(ub - lb, chunk))   // one chunk each
        for i in [lb + c*chunk, min(lb + (c+1)*chunk, ub)): body(i)
    else
      for i in [lb, ub): body(i)                             // as before
    ```

    which `convert-scf-to-openmp` (stage cf) runs on OpenMP threads. A map's
    iterations are independent, so any order gives the loop's result, bit for
    bit.

    Checked mode must raise at the loop's first failing iteration with memory
    exactly as the loop leaves it, which worker threads cannot do by
    themselves. A map whose body checks an index or divisor becomes

    ```
    k = lb
    if (ub - lb >= cutoff)
      k = first i in [lb, ub) at which a check of body(i) fails, else ub
          // parallel over the same chunks, read-only: the body's checks in
          // program order, what follows a check only where it passed, no store
    the parallel form above over [lb, k), without checks
    for i in [k, ub): body(i)                               // checked: raises at k
    ```

    where the checks depend only on memory the loop does not write and on
    `i` (else it stays one loop).

    The parallel forms of folds and scatters (`scf.if` tagged
    `seqfuse.lowered` by `seqfuse-lower-patterns`) are kept where their
    parallel branch makes no check. Where it does, the same read-only pass
    over the loop that follows the form (in its iteration space) gives k, and
    the form's trip count (the `arith.subi` tagged `seqfuse.trip` like the
    form) becomes k - lb: the form covers [lb, k) without checks and the loop
    goes on from where it stops, raising at k. Where the pass cannot be built
    (a check on the fold's state) the form is replaced by its loop. Maps
    inside a kept fold stay loops. The module attribute `seqfuse.algorithms` records, per
    op (`file:line` and pattern), what it runs as.
  }];
  let options = [
    Option<"chunk", "chunk", "int64_t", /*default=*/"16384",
           "Iterations per chunk (fixed: results never depend on the thread count)">,
    Option<"cutoff", "cutoff", "int64_t", /*default=*/"65536",
           "Fewest iterations that run in parallel (fewer run as one loop)">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect"];
}

def ParallelToOpenMPPass : Pass<"seqfuse-parallel-to-openmp", "mlir::ModuleOp"> {
  let summary = "scf.parallel to OpenMP, ready for convert-scf-to-cf";
  let description = [{
    Runs upstream `convert-scf-to-openmp` (`scf.parallel` => `omp.parallel` +
    `omp.wsloop`), then inlines the `memref.alloca_scope` it wraps each loop
    body in where the scope holds no `memref.alloca` (seqfuse's loop bodies
    allocate nothing): a scope must keep one block, which `convert-scf-to-cf`
    would break. Nothing changes in IR without `scf.parallel`.
  }];
  let dependentDialects = ["mlir::omp::OpenMPDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect"];
}

def MathToRuntimePass : Pass<"seqfuse-math-to-runtime", "mlir::ModuleOp"> {
  let summary = "Call seqfuse's libm wrappers for transcendental math ops";
  let description = [{
    ```
    math.exp %x : f32          =>  func.call @seqfuse_rt_expf(%x)
    math.powf %x, %y : f64     =>  func.call @seqfuse_rt_pow(%x, %y)
    ```

    for exp, exp2, log, log2, log10, tanh, powf, sin and cos on f32/f64.
    The runtime defines each `seqfuse_rt_<f>` as a call to the C library's
    `<f>`, the function the reference interpreter calls. LLVM does not know
    these symbols, so it neither constant-folds them (it would fold `tanhf`
    in double precision and round) nor rewrites them (`pow(x, 2.0)` to
    `x * x`): the JIT's results stay bit-identical to the interpreter's.
    Exactly rounded ops (sqrt, abs, floor, fma, ...) are left to LLVM.
  }];
  let dependentDialects = ["mlir::func::FuncDialect"];
}

//===----------------------------------------------------------------------===//
// Raising: loop form to the seqfuse pattern dialect (docs/patterns.md)
//===----------------------------------------------------------------------===//

def RaiseMapsPass : Pass<"seqfuse-raise-maps"> {
  let summary = "Raise loops with independent iterations to seqfuse.map";
  let description = [{
    ```
    scf.for %i { body }   =>   seqfuse.map lb to ub { ^bb0(%i): body }
    ```
    when the loop carries no state and every memref it writes is owned by
    iterations: in one dimension, every access uses the same index that is
    injective in `%i` (`i`, `i + c`, `i - c`, `c - i`). Conditions inside the
    body make masked maps.
  }];
  let dependentDialects = ["::seqfuse::SeqfuseDialect"];
}

def RaiseFoldsPass : Pass<"seqfuse-raise-folds"> {
  let summary = "Raise loops carrying monoid states to seqfuse.reduce / seqfuse.scan";
  let description = [{
    ```
    %r = scf.for %i iter_args(%s = %init) {      %r = seqfuse.scan lb to ub init(%init)
      %c = f(%i)                           =>      element { f(i) } combiner { s ⊕ c }
      %n = %s ⊕ %c ; uses of %n or of %s           body { the loop's other ops }
      scf.yield %n                               (seqfuse.reduce when nothing uses the
    }                                             states inside the loop)
    ```
    for ⊕ in + * min max & | ^ with `c` free of every state and not reading
    memory the loop writes. The body uses the states after their update
    (inclusive) or before (exclusive), not both. Memory the loop writes must
    be owned by iterations, as for maps.
  }];
  let dependentDialects = ["::seqfuse::SeqfuseDialect"];
}

def RaiseScattersPass : Pass<"seqfuse-raise-scatters"> {
  let summary = "Raise indirect stores to seqfuse.scatter / seqfuse.scatter_combine";
  let description = [{
    ```
    for i { t[g(i)] = v(i) }              =>  seqfuse.scatter (last writer wins)
    for i { t[g(i)] = t[g(i)] ⊕ v(i) }    =>  seqfuse.scatter_combine (histogram)
    ```
    when that store is the loop's only write, the loop carries no state, and
    `t` is not otherwise read (so neither `g` nor `v` depends on it).
  }];
  let dependentDialects = ["::seqfuse::SeqfuseDialect"];
}

def SpeculateBranchesPass : Pass<"seqfuse-speculate-branches"> {
  let summary = "Turn scf.if that only computes values into arith.select";
  let description = [{
    ```
    %r = scf.if %c -> T { %t = f(...); scf.yield %t }    %t = f(...)
                   else { %e = g(...); scf.yield %e }  =>  %e = g(...)
                                                          %r = arith.select %c, %t, %e
    ```
    when neither branch has side effects or anything that can raise at run
    time (a load whose index is not provably in range, an integer division).
    Then evaluating both branches is unobservable, and a state updated under
    `if_` becomes a select the fold analysis understands (e.g. a conditional
    affine update `if (c) x = a*x + b`).

    When the branches also store, only the yielded values are selected (if
    computing them early cannot raise and reads nothing the branch writes),
    and the stores stay in an scf.if without results:
    `if (p) { out[k] = v; k = k + 1 }` => `k' = select(p, k + 1, k); if (p) { out[k] = v }`.
  }];
}

def PromoteCarriedCellsPass : Pass<"seqfuse-promote-carried-cells"> {
  let summary = "Carry x[i-1] ... x[i-K] in registers when earlier iterations stored them";
  let description = [{
    ```
    for i in [lb, ub) {                      x0 = lb < ub ? x[lb-1] : 0
      p = x[i-1]                       =>     for i in [lb, ub) iter_args(p = x0) {
      x[i] = f(p, ...)                          x[i] = f(p, ...)
    }                                           yield f(p, ...) }
    ```
    when the loop's only accesses to `x` are that load of `x[i-1]` and,
    after it, one unconditional store to `x[i]` (in the same block): the
    value at `x[i-1]` in iteration `i > lb` is what iteration `i-1` stored.
    The first element is loaded before the loop, only if the loop runs, so
    checked mode raises exactly when the loop does. The carried value is a
    state the fold analysis can classify (`x[i] = a*x[i-1] + b` is an affine
    scan).

    Orders up to 4 likewise: loads of every `x[i-d]`, d = 1..K, become K
    iter_args (cell d holds `x[i-d]`; cell 1 takes the stored value, cell d
    the previous cell d-1), and `x[lb-1]` ... `x[lb-K]` are read before the
    loop in the order the first iteration reads them. `x[i] = a*x[i-1] +
    b*x[i-2] + c[i]` becomes a linear system of two states (a companion-matrix
    scan).

    Fixed elements too: when every access to `x` in the loop's block is to
    one element `x[c]` (c the same in every iteration; other elements only
    at different constant indices), the first access is a load, and at
    least one store: `x[c]` is read before the loop and stored after it
    (both only when the loop runs), loads in the body take the carried
    value, stores set it. This needs nothing else in the loop to be able to
    raise (the loop would stop with the element half updated) and nothing
    observable before the first access. `t[0] += v[i]` becomes a reduction.
    Accesses one `scf.if` down are carried through it (the if also yields
    the element's value) when the element is provably in range, since it is
    then read before the loop although no iteration may read it:
    `if (c[i]) t[0] += v[i]` becomes a masked sum.
  }];
}

def DistributeLoopsPass : Pass<"seqfuse-distribute-loops"> {
  let summary = "Split a loop into one loop per independent statement group";
  let description = [{
    ```
    for i { out[i] = 2*v[i]; x = x*x + v[i]; res[i] = x }
      =>  for i { out[i] = 2*v[i] }                       (a map)
          for i iter_args(x) { x = x*x + v[i]; res[i] = x } (stays sequential)
    ```
    Statements (stores, and the updates of each state) are grouped: a
    statement joins the group of every state its values depend on, and all
    statements touching a memref some statement writes share a group. Groups
    then share only read-only memory and pure values (recomputed per loop),
    so running them one after another gives the loop's results. Distribution
    also moves run-time faults between statements, so it applies only when
    nothing in the loop can raise (every index provably in range, no integer
    division by a non-constant). Only loops that would otherwise stay
    sequential are split (a loop that is one pattern as a whole stays one
    op), so that only the offending statements stay sequential; each
    resulting loop is then classified on its own.
  }];
}

def KeepSequentialPass : Pass<"seqfuse-keep-sequential"> {
  let summary = "Wrap loops no pattern was proven for in seqfuse.sequential";
  let description = [{
    ```
    scf.for ... { ... }   =>   seqfuse.sequential { scf.for ...; seqfuse.yield }
                                 {reason = "...", at = "file.cpp:14"}
    ```
    The reason names the dependence that keeps the loop sequential (e.g.
    "the condition reads t[2], which iteration 2 writes") and `at` the
    statement it is about.
  }];
  let dependentDialects = ["::seqfuse::SeqfuseDialect"];
}

def FloatPolicyPass : Pass<"seqfuse-float-policy"> {
  let summary = "Record, per fold, whether a lowering may reassociate its floats";
  let description = [{
    A fold (`reduce`, `scan`, `scatter_combine`) whose combiner does inexact
    floating-point arithmetic (`arith.addf`, `subf`, `mulf`, `divf`, ...; not
    `minimumf`/`maximumf`/`select`, which are exact) gets `fp = #seqfuse.fp<reassociate>`
    by default: a parallel lowering may group the elements differently from
    the loop, in a fixed order, so results are identical run to run and for
    any thread count (as CUB, PyTorch and JAX do). With `strict=true`
    (`Options::strictFP`) it gets `fp = #seqfuse.fp<strict>`: every lowering must apply
    the elements in the loop's order (the fold's `step`, or its `combiner`
    with one element at a time), so float results are bit-identical to the
    sequential loop. Folds that are exact under any grouping (integers,
    min/max, select-by-order, resets) get no attribute.

    ```mlir
    %s = seqfuse.reduce ... combiner { ... arith.addf ... } {kind = [#seqfuse.fold<add>]}
      =>  %s = seqfuse.reduce ... {fp = #seqfuse.fp<reassociate>, kind = [#seqfuse.fold<add>]}
    ```
  }];
  let options = [
    Option<"strict", "strict", "bool", /*default=*/"false",
           "Keep every float fold in the loop's order (strict_fp)">,
  ];
}

def FusePatternsPass : Pass<"seqfuse-fuse-patterns"> {
  let summary = "Fuse neighbouring pattern ops over the same range into one";
  let description = [{
    ```
    seqfuse.map lb to ub { A(i) }                seqfuse.scan lb to ub ... body {
    seqfuse.scan lb to ub ... body { B(i) }  =>     A(i); B(i) }
    ```
    Two ops in the same block, one right after the other (constants and
    other pure ops in between are moved out of the way), over the same
    bounds and direction, fuse when doing iteration i of both before
    iteration i+1 gives what doing all of the first, then all of the second,
    gives:
     * every memref both touch, and one of them writes, is accessed by both
       only at the same iteration-owned index (`[i]`, `[i + c]`, `[i - c]` in
       one dimension, the same expression in every access), so iteration i of
       the second sees exactly what iteration i of the first left there;
     * the elements of a fold never read a memref the other op writes (they
       are evaluated before the bodies), except `m[i]` where the first op is
       a map that stores `m[i]` once, in its body, a value computed from `i`
       and memory neither op writes: the fused element computes that value
       itself (store-to-load forwarding; the store stays in the body), so a
       map feeding a scan runs as one pass;
     * nothing in either can raise (fusing would change which writes precede
       an error), as for loop distribution.
    map + map gives a map; map + fold puts the map's body into the fold's
    body (before or after it, in program order); fold + fold of the same
    kind of op (reduce + reduce, or scans with the same inclusive flag, or a
    reduce and a scan) gives one fold with both accumulators; where either
    has a `step`, the fused step applies each one's step (or combiner).
    Scatters and histograms do not fuse; they write anywhere in their
    target, so nothing touching it commutes with them either. After the
    fixpoint, a pattern op right after another over the same range that
    did not fuse with it gets `seqfuse.not_fused_after` (the other op, as
    "scan at f.cpp:14") and `seqfuse.not_fused` (why), which the report
    turns into a `not fused` remark. Loop distribution splits a loop into
    the fewest groups that each have a pattern; this pass puts back together
    the groups that run as one parallel loop.
  }];
  let dependentDialects = ["::seqfuse::SeqfuseDialect"];
}

def LowerToGPUPass : Pass<"seqfuse-lower-to-gpu", "mlir::ModuleOp"> {
  let summary = "Pattern ops as GPU kernels (gpu dialect) and a host launch sequence";
  let description = [{
    Turns each kernel function of the fused stage into a `gpu.module` of
    kernels (`gpu.func`) and a host function (`seqfuse.gpu_host`) that only
    computes sizes, allocates scratch (`gpu.alloc`, `gpu.memset`), launches
    kernels (`gpu.launch_func`) and reads small results back (`memref.load`
    of a scratch cell). Every pattern op gets its GPU form, recorded in the
    report (`seqfuse.algorithms`):

    ```
    seqfuse.map lb to ub {body}    => tiles of threads*map-items iterations, thread t
                                      of tile k running i = lb + k*tile + j*threads + t
    seqfuse.reduce / seqfuse.scan  => one kernel, one tile of threads*items iterations per
                                      block (tile ids from an atomic counter): elements in
                                      striped order into shared memory; each thread folds
                                      its `items` consecutive ones (combiner); a warp
                                      shuffle scan and warp totals in order give each
                                      thread's prefix; tile 0's prefix is init, tile k's
                                      comes from a look-back over the published
                                      aggregates and inclusive prefixes of the tiles
                                      before it, folded forward from the nearest
                                      inclusive one (the same grouping as the chain
                                      incl(k) = incl(k-1) ⊕ agg(k): bitwise
                                      deterministic); then each thread runs the loop's
                                      step over its items from its carry and the body
                                      consumes the values (striped, from shared memory)
    seqfuse.scatter                => winner[t] = max i writing t (atomic max), then
                                      every i with winner[target(i)] == i stores: exact
    seqfuse.scatter_combine        => integer combiners: atomics into the target (exact
                                      in any order); float + and * with a small target:
                                      per-tile partials folded in a fixed order, then the
                                      tiles' partials in tile order
    seqfuse.sequential, and ops    => a kernel of one thread running the exact loop
    that may not run in parallel
    ```

    A tile's fold whose float aggregate or prefix is not finite marks it; from
    the first such tile on, a one-thread kernel runs the exact loop (as the
    CPU's parallel folds do), so inf and NaN arise as in the loop. In checked
    mode an op whose accesses are not all provably in range first runs a
    read-only probe kernel (the first failing iteration, by atomic min), the
    parallel form over the iterations before it, then a one-thread kernel of
    the exact loop from it, which raises there (`seqfuse.may_fail` on its
    launch); an op whose checks depend on what it writes or carries runs as
    that one-thread loop. Values that cross kernels (fold results, loads at
    the top level) live in one-element scratch cells; pure ops of the host
    function are recomputed inside the kernels that use them.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"256",
           "Threads per block of the tiled kernels (a multiple of 32)">,
    Option<"items", "items", "int64_t", /*default=*/"16",
           "Elements per thread of a fold's tile">,
    Option<"mapItems", "map-items", "int64_t", /*default=*/"4",
           "Iterations per thread of a map's tile">,
    Option<"checked", "checked", "bool", /*default=*/"true",
           "Run-time checks follow (seqfuse-insert-runtime-checks): probe the "
           "iterations of ops that check before running them in parallel">,
    Option<"lookbackStress", "lookback-stress", "bool", /*default=*/"false",
           "Testing: tiles whose index is not a multiple of 3 publish only their "
           "aggregate, so every look-back walks over aggregates">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

def DistributeRanksPass : Pass<"seqfuse-distribute-ranks", "mlir::ModuleOp"> {
  let summary = "Run pattern ops across MPI ranks, each holding a block of rows";
  let description = [{
    SPMD form of a kernel that every rank of an MPI communicator calls at
    once (Target::ranks(), seqfuse/mpi.h). The arguments whose first
    dimension is the named size `dim` (`seqfuse.dims`) are *distributed*:
    rank r holds rows [begin_r, end_r) of them, passed as descriptors with
    the global extent and a base pointer biased by -begin_r rows, so global
    indices address the local rows. Every other argument is *replicated*:
    the same on every rank. Everything crossing ranks is a call to the
    runtime's `seqfuse_mpi_*` functions (runtime/lib/mpi/Comm.h).

    An outermost pattern op whose every access to a distributed tensor is
    at row `i` (its own iteration) is *local* and runs in parallel across
    ranks; iteration i belongs to the rank holding row i (rows before the
    first and past the last belong to the first and last rank with rows):

    ```
    map                  each rank its iterations
    reduce / scan        global runs of L iterations from lb (L from the trip
                         count only): each rank the summaries of the runs it
                         ends (a run begun on the rank before goes on from the
                         state it sends); all-gather of the summaries; the
                         carries in run order on every rank (the same values
                         on every rank, for any rank count); scans rescan their
                         runs from the carries. A float summary or carry that
                         is not finite: a pipeline from that run on.
    strict_fp fold       a pipeline in rank order (the loop's order)
    scatter, replicated  winners by iteration (all-reduce of the max)
    scatter, distributed records (row, iteration, value) to the row's owner,
                         applied in iteration order
    histogram            integer: private copies, all-reduced; else records
                         applied in iteration order (to every rank when the
                         target is replicated)
    sequential loop      a pipeline in rank order (its loop over rows i)
    ```

    Any other op touching a distributed tensor runs on every rank after its
    distributed tensors are all-gathered (each rank then keeps its rows).
    Loads and stores of distributed tensors outside pattern ops are made by
    the row's owner (a load is broadcast). With `checked`, an op that checks
    is probed first (read-only, in parallel); the first failing iteration is
    agreed (all-reduce min), the op runs up to it, and its owner runs it
    checked, raising the same error on every rank. The report gets each
    op's algorithm across ranks.
  }];
  let options = [
    Option<"dim", "dim", "std::string", /*default=*/"\"n\"",
           "The named size whose rows are distributed (or a tensor's name: its first "
           "dimension)">,
    Option<"checked", "checked", "bool", /*default=*/"true",
           "Run-time checks follow (seqfuse-insert-runtime-checks): probe ops that "
           "check before running them across ranks">,
    Option<"run", "run", "int64_t", /*default=*/"0",
           "Iterations per run of a distributed fold (0: from the trip count at run "
           "time, max(4096, ceil(trip / 65536)))">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect", "mlir::func::FuncDialect"];
}

def GPUToCPUSimPass : Pass<"seqfuse-gpu-to-cpu-sim", "mlir::ModuleOp"> {
  let summary = "GPU kernels as CPU loops over blocks and threads (the GPU path's CPU twin)";
  let description = [{
    Each `gpu.func` kernel becomes a `func.func @sim_<kernel>(%gridX, %gridY,
    args...)` that runs what the GPU runs, block by block:

    ```
    scf.parallel (by, bx) in (gridY, gridX):        // blocks on the host's threads
      alloca scope:
        shared memory (workgroup attributions) as allocas
        values that depend on no thread, hoisted
        for t in [0, threads): phase 0 (thread_id = t)
        for t in [0, threads): phase 1             // a gpu.barrier between phases
        ...
    ```

    A `gpu.barrier` ends a phase; a top-level `gpu.shuffle` is a store of
    each thread's value into a shared buffer, a barrier, and a load from the
    source lane (its validity as on the GPU). Values a phase defines and a
    later phase uses are kept per thread in buffers. Barriers and shuffles
    may only appear at the top level of a kernel (the lowering makes no
    others). A kernel of one thread (`seqfuse.single_thread`) becomes its
    body. The tiling, the look-back and the carries run as on the GPU, with
    blocks on several host threads at once; atomics and fences keep their
    meaning.
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def GPUCheckExitsPass : Pass<"seqfuse-gpu-check-exits", "mlir::ModuleOp"> {
  let summary = "A failed run-time check in a GPU kernel records itself and returns";
  let description = [{
    In one-thread GPU kernels (and their CPU twins), after scf is lowered to
    cf:

    ```
    call @seqfuse_rt_check_failed(%site, %v, %bound)   =>   status[1] = site; status[2] = v
    (rest of the block)                                      status[3] = bound; status[0] = 1
                                                             return
    ```

    `status` is the kernel's first argument (`memref<4xi64>`); the host reads
    it after the launch (`seqfuse.may_fail`) and raises the IndexError.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect",
                           "mlir::cf::ControlFlowDialect"];
}

#endif // SEQFUSE_TRANSFORMS_PASSES
