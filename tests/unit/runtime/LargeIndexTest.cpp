//===- LargeIndexTest.cpp - tensors beyond 2^31 elements ------------------===//
//
// Index arithmetic must be 64-bit end to end (DSL Index, memref strides, the
// interpreter). The buffers are 8 GiB of reserved address space
// (MAP_NORESERVE); only the touched pages are ever backed by memory.
//
//===----------------------------------------------------------------------===//
#include <seqfuse/seqfuse.h>

#include <gtest/gtest.h>

#include <sys/mman.h>

using namespace seqfuse;

namespace {

struct Reserved {
  void *p = MAP_FAILED;
  size_t bytes;
  explicit Reserved(size_t b) : bytes(b) {
    p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  }
  ~Reserved() {
    if (p != MAP_FAILED)
      munmap(p, bytes);
  }
  float *f() { return static_cast<float *>(p); }
};

class LargeIndexTest : public ::testing::TestWithParam<Target> {};

TEST_P(LargeIndexTest, OneDimensionBeyond2To31) {
  const int64_t n = (int64_t(1) << 31) + 64;
  Reserved mem(static_cast<size_t>(n) * sizeof(float));
  if (mem.p == MAP_FAILED)
    GTEST_SKIP() << "cannot reserve 8 GiB of address space here";
  Program p("big1d");
  auto x = p.inout<float>("x");
  auto k = p.param<int64_t>("k");
  x[k] = x[k] + 1.5f;
  x[x.size(0) - 1] = 7.0f;
  Kernel kern = compile(p, GetParam());
  int64_t shape[] = {n};
  const int64_t k0 = (int64_t(1) << 31) + 5; // > INT32_MAX
  kern(Arg(mem.f(), shape), k0);
  EXPECT_EQ(mem.f()[k0], 1.5f);
  EXPECT_EQ(mem.f()[n - 1], 7.0f);
  EXPECT_EQ(mem.f()[5], 0.0f); // a 32-bit wrap would have written here
  EXPECT_THROW(kern(Arg(mem.f(), shape), n), IndexError);
}

TEST_P(LargeIndexTest, RowMajorOffsetBeyond2To31) {
  const int64_t rows = (int64_t(1) << 16) + 1, cols = int64_t(1) << 15;
  Reserved mem(static_cast<size_t>(rows * cols) * sizeof(float));
  if (mem.p == MAP_FAILED)
    GTEST_SKIP() << "cannot reserve 8 GiB of address space here";
  Program p("big2d");
  auto m = p.inout<float, 2>("m");
  auto i = p.param<int64_t>("i");
  auto j = p.param<int64_t>("j");
  m(i, j) = 3.0f;
  Kernel kern = compile(p, GetParam());
  int64_t shape[] = {rows, cols};
  kern(Arg(mem.f(), shape), int64_t(rows - 1), int64_t(5));
  EXPECT_EQ(mem.f()[(rows - 1) * cols + 5], 3.0f); // offset 2^31 + 5
  EXPECT_EQ(mem.f()[5], 0.0f);
}

INSTANTIATE_TEST_SUITE_P(Targets, LargeIndexTest,
                         ::testing::Values(Target::cpu(), Target::interpreter()),
                         [](const auto &info) { return std::string(info.param.name()); });

} // namespace
