//===- Checks.cpp - run-time check failures -------------------------------===//
//
// Compiled kernels call seqfuse_rt_check_failed() when a guard fails. It
// records the failure in thread-local storage and long-jumps back to
// runGuarded(), which the runtime called on this thread: the kernel's frames
// are plain JIT code without destructors, so nothing is skipped that needed
// running, and the failing access is never executed.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/runtime/Checks.h"
#include "Guard.h"

#include <csetjmp>

using namespace seqfuse;

std::string seqfuse::formatCheckFailure(const CheckSite &site, int64_t value,
                                        int64_t bound) {
  std::string where = " at " + site.file + ":" + std::to_string(site.line);
  if (site.kind == "index")
    return "seqfuse: index " + std::to_string(value) + " out of range for tensor '" +
           site.tensor + "' (dimension " + std::to_string(site.dim) + " has size " +
           std::to_string(bound) + ")" + where;
  if (site.kind == "divide-by-zero")
    return "seqfuse: integer division by zero (" + std::to_string(value) + " / 0)" +
           where;
  if (site.kind == "divide-overflow")
    return "seqfuse: integer division overflow (" + std::to_string(value) + " / " +
           std::to_string(bound) + ")" + where;
  return "seqfuse: run-time check '" + site.kind + "' failed" + where;
}

namespace {
struct GuardState {
  std::jmp_buf *env = nullptr;
  detail::CheckFailure failure;
};
thread_local GuardState tlsGuard;
} // namespace

extern "C" void seqfuse_rt_check_failed(int64_t site, int64_t value, int64_t bound) {
  GuardState &g = tlsGuard;
  g.failure = {site, value, bound};
  if (g.env)
    std::longjmp(*g.env, 1);
  // Called outside runGuarded (e.g. code run by another tool): nothing safe to
  // return to, since the caller would perform the out-of-range access.
  std::abort();
}

bool seqfuse::detail::runGuarded(void (*fn)(void **), void **args,
                                 CheckFailure *failure) {
  std::jmp_buf env;
  std::jmp_buf *saved = tlsGuard.env;
  tlsGuard.env = &env;
  if (setjmp(env) != 0) {
    tlsGuard.env = saved;
    *failure = tlsGuard.failure;
    return false;
  }
  fn(args);
  tlsGuard.env = saved;
  return true;
}
