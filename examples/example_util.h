//===- example_util.h - printing and target choice for the examples -------===//
#ifndef SEQFUSE_EXAMPLES_UTIL_H
#define SEQFUSE_EXAMPLES_UTIL_H

#include <seqfuse/seqfuse.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

/// `--target=interpreter` runs the reference interpreter instead of the JIT,
/// `--target=gpu` an NVIDIA GPU, `--target=gpu-sim` the GPU kernels on the
/// CPU.
inline seqfuse::Target targetFromArgs(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--target=interpreter") == 0)
      return seqfuse::Target::interpreter();
    if (std::strcmp(argv[i], "--target=gpu") == 0)
      return seqfuse::Target::gpu();
    if (std::strcmp(argv[i], "--target=gpu-sim") == 0)
      return seqfuse::Target::gpuSim();
  }
  return seqfuse::Target::cpu();
}

/// Prints `[v0, v1, ...]` (no newline) for `n` values from `v`.
template <class T> void printValues(const T *v, size_t n) {
  std::printf("[");
  for (size_t i = 0; i < n; ++i)
    std::printf("%s%g", i ? ", " : "", static_cast<double>(v[i]));
  std::printf("]");
}

/// Prints `label: [v0, v1, ...]`.
template <class T> void printResult(const char *label, const std::vector<T> &v) {
  std::printf("%s: ", label);
  printValues(v.data(), v.size());
  std::printf("\n");
}

/// Prints `result: [v0, v1, ...]`.
template <class T> void printResult(const std::vector<T> &v) { printResult("result", v); }

/// Prints what the pattern analysis found, one remark per line (the lines
/// SEQFUSE_REMARKS=1 prints to stderr): `file:line: pattern: detail`.
inline void printReport(const seqfuse::Kernel &kernel) {
  std::printf("seqfuse found:\n");
  std::string text = kernel.reportText();
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos)
      end = text.size();
    std::printf("  %.*s\n", static_cast<int>(end - begin), text.data() + begin);
    begin = end + 1;
  }
}

/// Compares `got` with the plain C++ loop's result `want`, exactly; prints
/// and fails (returns 1) on a mismatch.
template <class T>
int checkAgainst(const char *label, const std::vector<T> &got,
                 const std::vector<T> &want) {
  if (got == want)
    return 0;
  std::printf("MISMATCH in %s with the plain C++ loop, which gives: ", label);
  printResult(label, want);
  return 1;
}

/// Compares with the plain C++ loop's result; prints and fails on mismatch.
template <class T>
int checkAgainst(const std::vector<T> &got, const std::vector<T> &want) {
  if (got == want)
    return 0;
  std::printf("MISMATCH with the plain C++ loop, which gives: ");
  printResult(want);
  return 1;
}

#endif // SEQFUSE_EXAMPLES_UTIL_H
