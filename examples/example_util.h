//===- example_util.h - printing and target choice for the examples -------===//
#ifndef SEQFUSE_EXAMPLES_UTIL_H
#define SEQFUSE_EXAMPLES_UTIL_H

#include <seqfuse/seqfuse.h>

#include <cstdio>
#include <cstring>
#include <vector>

/// `--target=interpreter` runs the reference interpreter instead of the JIT.
inline seqfuse::Target targetFromArgs(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--target=interpreter") == 0)
      return seqfuse::Target::interpreter();
  return seqfuse::Target::cpu();
}

/// Prints `result: [v0, v1, ...]`.
template <class T> void printResult(const std::vector<T> &v) {
  std::printf("result: [");
  for (size_t i = 0; i < v.size(); ++i)
    std::printf("%s%g", i ? ", " : "", static_cast<double>(v[i]));
  std::printf("]\n");
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
