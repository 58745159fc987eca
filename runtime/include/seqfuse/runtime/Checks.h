//===- Checks.h - run-time check sites and their messages ------*- C++ -*-===//
//
// A check site is one guarded index or divisor in a kernel. The compiled
// kernel (through seqfuse-insert-runtime-checks) and the interpreter report a
// failure with the same site description and the same message. MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_CHECKS_H
#define SEQFUSE_RUNTIME_CHECKS_H

#include <cstdint>
#include <string>

namespace seqfuse {

struct CheckSite {
  /// "index", "divide-by-zero" or "divide-overflow".
  std::string kind;
  /// For "index": the tensor's name and the dimension indexed.
  std::string tensor;
  int64_t dim = 0;
  /// The statement's C++ source position.
  std::string file;
  int64_t line = 0;
};

/// The IndexError message for a failed check:
///   index: "seqfuse: index 7 out of range for tensor 't' (dimension 0 has
///           size 5) at /path/seed_scatter.cpp:21"
///   divide-by-zero: "seqfuse: integer division by zero at file:line"
///   divide-overflow: "seqfuse: integer division overflow (-2147483648 / -1)
///           at file:line"
/// For "index", `value` is the index and `bound` the extent; for divisions,
/// `value` is the dividend and `bound` the divisor.
std::string formatCheckFailure(const CheckSite &site, int64_t value, int64_t bound);

} // namespace seqfuse

#endif // SEQFUSE_RUNTIME_CHECKS_H
