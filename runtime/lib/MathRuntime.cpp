//===- MathRuntime.cpp - libm wrappers the JIT code calls -----------------===//
//
// seqfuse-math-to-runtime turns math.exp etc. into calls of these opaque
// wrappers, so LLVM neither folds nor rewrites them and the JIT computes
// exactly what the interpreter (which calls the same C library functions)
// computes.
//
//===----------------------------------------------------------------------===//
#include "MathRuntime.h"

#include <math.h>

#define SEQFUSE_MATH1(NAME)                                                              \
  extern "C" float seqfuse_rt_##NAME##f(float x) { return ::NAME##f(x); }                \
  extern "C" double seqfuse_rt_##NAME(double x) { return ::NAME(x); }
SEQFUSE_MATH1(exp)
SEQFUSE_MATH1(exp2)
SEQFUSE_MATH1(log)
SEQFUSE_MATH1(log2)
SEQFUSE_MATH1(log10)
SEQFUSE_MATH1(tanh)
SEQFUSE_MATH1(sin)
SEQFUSE_MATH1(cos)
#undef SEQFUSE_MATH1
extern "C" float seqfuse_rt_powf(float x, float y) { return ::powf(x, y); }
extern "C" double seqfuse_rt_pow(double x, double y) { return ::pow(x, y); }

std::vector<std::pair<const char *, void *>> seqfuse::detail::mathRuntimeSymbols() {
#define ENTRY(NAME)                                                                      \
  {"seqfuse_rt_" #NAME "f", reinterpret_cast<void *>(&seqfuse_rt_##NAME##f)}, {          \
    "seqfuse_rt_" #NAME, reinterpret_cast<void *>(&seqfuse_rt_##NAME)                    \
  }
  return {ENTRY(exp),  ENTRY(exp2), ENTRY(log), ENTRY(log2), ENTRY(log10),
          ENTRY(tanh), ENTRY(sin),  ENTRY(cos), ENTRY(pow)};
#undef ENTRY
}
