//===- ProgramGen.h - random seqfuse programs and their inputs -*- C++ -*-===//
//
// A fuzz program is a sequence of top-level loop nests ("slots"), each drawn
// from one of the statement families seqfuse must keep exact (maps,
// reductions, scans, affine and higher-order recurrences, segmented scans,
// stream compaction, scatters, histograms) and the near-misses that must stay
// sequential (non-linear updates, state-dependent conditions, indirect
// read-after-write, aliasing through index tensors). Every slot is generated
// from its own seed, so a failing program shrinks by dropping slots without
// changing the others. All programs share one signature (below), so the same
// argument generator serves them all.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_TESTS_FUZZ_PROGRAMGEN_H
#define SEQFUSE_TESTS_FUZZ_PROGRAMGEN_H

#include "../unit/runtime/Differential.h"

#include <memory>
#include <string>
#include <vector>

namespace seqfuse::fuzz {

/// What one slot exercises.
enum class Family {
  Map,
  MaskedMap,
  Reduction,
  ArgBest,
  Scan,
  MemoryScan,
  Affine,
  ConditionalAffine,
  Segmented,
  Order2,
  Compaction,
  Scatter,
  Histogram,
  NonLinear,
  StateCondition,
  IndirectRAW,
  IndexAlias,
  Nested2D,
  Reverse,
  IntDivision,
  kCount
};
const char *familyName(Family f);

struct GeneratedProgram {
  std::unique_ptr<Program> program;
  std::vector<Family> families; // one per generated (kept) slot
  int statements = 0;           // DSL statements recorded
};

/// Builds program #seed. `keep`, when given, lists the slots to generate
/// (for shrinking); otherwise all slots are generated.
GeneratedProgram generateProgram(uint64_t seed, const std::vector<int> *keep = nullptr);
/// Number of slots program #seed has.
int slotCount(uint64_t seed);

/// Random arguments for the shared signature: sizes 0, 1, 2, primes, powers
/// of two +-1, sometimes large; index tensors all-equal, sorted, reverse
/// sorted, heavy duplicates, sometimes out of range; floats with NaN, +-Inf,
/// +-0, denormals, extremes; integers near overflow.
std::vector<testing::Buffer> generateArgs(const ast::ProgramData &p, uint64_t seed);

struct Mismatch {
  std::string what; // which target and tensor, with values
};

/// Runs interpreter, checked JIT and unchecked JIT (when no error) on the
/// same arguments; returns the first difference, if any. Integers and floats
/// must be bit-identical (NaN matches NaN), except the checked (default-mode)
/// JIT's floats where it reassociates a fold: those within
/// testing::ReassociationBound. The unchecked JIT keeps strict_fp.
/// The fuzzer's parallel settings: its JIT kernels run with chunks of
/// kFuzzChunk iterations (parallel from 4 chunks, groups of 16) on 1, 2, 4
/// or 7 threads, picked per program (7 oversubscribes 2 cores).
inline constexpr int64_t kFuzzChunk = 16;
Options jitOptions(const Program &p);

/// `target` (cpu, or gpu-sim: the GPU kernels on the CPU) against the
/// interpreter. gpu-sim kernels use tiles of 32 iterations, and every other
/// program a stressed look-back (GPUKnobs of gpuKnobsFor()).
std::optional<Mismatch> compareTargets(const Program &p, uint64_t argSeed,
                                       bool *raisedError = nullptr,
                                       Target target = Target::cpu());
/// The GPU testing knobs the fuzzer compiles gpu-sim kernels of `p` with.
testing::GenOptions gpuKnobsFor(const Program &p);

} // namespace seqfuse::fuzz

#endif // SEQFUSE_TESTS_FUZZ_PROGRAMGEN_H
