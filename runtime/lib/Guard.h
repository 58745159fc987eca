//===- Guard.h - calling a kernel that may fail a check (internal) -*- C++ -*-===//
#ifndef SEQFUSE_RUNTIME_LIB_GUARD_H
#define SEQFUSE_RUNTIME_LIB_GUARD_H

#include <cstdint>

extern "C" void seqfuse_rt_check_failed(int64_t site, int64_t value, int64_t bound);

namespace seqfuse::detail {

struct CheckFailure {
  int64_t site = -1, value = 0, bound = 0;
};

/// Calls fn(args). Returns false, with the failure filled in, when the kernel
/// failed a run-time check (it then stopped before the failing access).
bool runGuarded(void (*fn)(void **), void **args, CheckFailure *failure);

} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_GUARD_H
