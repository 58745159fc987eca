//===- MathRuntime.h - libm wrappers for JIT code (internal) ---*- C++ -*-===//
#ifndef SEQFUSE_RUNTIME_LIB_MATHRUNTIME_H
#define SEQFUSE_RUNTIME_LIB_MATHRUNTIME_H

#include <utility>
#include <vector>

namespace seqfuse::detail {
/// (symbol, address) of every seqfuse_rt_<libm function>.
std::vector<std::pair<const char *, void *>> mathRuntimeSymbols();
} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_MATHRUNTIME_H
