//===- KernelCacheTest.cpp - cache hits and concurrent compile/run --------===//
#include <seqfuse/seqfuse.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

using namespace seqfuse;

namespace {

/// Builds the same program (same source line) each call, scaled by `c`.
Kernel scaleKernel(float c, Target target = Target::cpu()) {
  Program p("scale");
  auto x = p.inout<float>("x");
  loop(0, x.size(0), [&](Var i) { x[i] = x[i] * c; });
  return compile(p, target);
}

TEST(KernelCache, SameProgramSameKernel) {
  Kernel a = scaleKernel(2.0f);
  CacheStats before = cacheStats();
  Kernel b = scaleKernel(2.0f);
  CacheStats after = cacheStats();
  EXPECT_EQ(a.impl(), b.impl());
  EXPECT_EQ(after.hits, before.hits + 1);
  // A different constant, target or option is a different kernel.
  EXPECT_NE(scaleKernel(3.0f).impl(), a.impl());
  EXPECT_NE(scaleKernel(2.0f, Target::interpreter()).impl(), a.impl());
  Program p("scale");
  auto x = p.inout<float>("x");
  loop(0, x.size(0), [&](Var i) { x[i] = x[i] * 2.0f; });
  EXPECT_NE(compile(p, Target::cpu(), Options{.checked = false}).impl(),
            compile(p, Target::cpu()).impl());
}

TEST(KernelCache, BoundedLeastRecentlyUsed) {
  setCacheCapacity(2);
  Kernel a = scaleKernel(11.0f);
  scaleKernel(12.0f);
  scaleKernel(11.0f); // a is now the most recent
  scaleKernel(13.0f); // evicts 12
  CacheStats s = cacheStats();
  EXPECT_EQ(s.entries, 2u);
  EXPECT_GE(s.evictions, 1u);
  EXPECT_EQ(scaleKernel(11.0f).impl(), a.impl()); // still cached
  uint64_t misses = cacheStats().misses;
  scaleKernel(12.0f);
  EXPECT_EQ(cacheStats().misses, misses + 1); // was evicted
  std::vector<float> x{1, 2};
  a(x); // an evicted or kept kernel stays usable
  EXPECT_EQ(x, (std::vector<float>{11, 22}));
  setCacheCapacity(256);
}

TEST(KernelCache, ManyThreadsCompileAndRun) {
  constexpr int kThreads = 8, kIters = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int it = 0; it < kIters; ++it) {
        // Four distinct programs shared by all threads: compile races.
        float c = static_cast<float>(1 + (t + it) % 4);
        Kernel k = scaleKernel(c, it % 3 == 0 ? Target::interpreter() : Target::cpu());
        std::vector<float> x(257);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = static_cast<float>(i);
        k(x);
        for (size_t i = 0; i < x.size(); ++i)
          if (x[i] != static_cast<float>(i) * c)
            ++failures;
      }
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(KernelCache, DistinctProgramsCompiledConcurrently) {
  // Every thread builds and JIT-compiles its own programs (cache misses):
  // MLIR contexts, pipelines and LLVM JITs run side by side.
  constexpr int kThreads = 4, kPrograms = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int it = 0; it < kPrograms; ++it) {
        int c = 1000 * (t + 1) + it;
        Program p("distinct");
        auto x = p.inout<int32_t>("x");
        auto acc = p.state<int32_t>("acc", c);
        loop(0, x.size(0), [&](Var i) {
          acc += x[i];
          x[i] = acc;
        });
        Kernel k = compile(p, it % 2 ? Target::interpreter() : Target::cpu());
        std::vector<int32_t> v{1, 2, 3};
        k(v);
        if (v != std::vector<int32_t>{c + 1, c + 3, c + 6})
          ++failures;
      }
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(KernelCache, OneKernelFromManyThreadsWithErrors) {
  Program p("gather_mt");
  auto src = p.input<float>("src");
  auto idx = p.input<int32_t>("idx");
  auto out = p.output<float>("out", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { out[i] = src[idx[i]]; });
  Kernel k = compile(p);
  std::atomic<int> errors{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      std::vector<float> s{10, 20, 30};
      for (int it = 0; it < 200; ++it) {
        std::vector<int32_t> ix{2, (t + it) % 5 == 0 ? 3 : 1};
        std::vector<float> o(2);
        try {
          k(s, ix, o);
          if (o[0] != 30 || o[1] != 20)
            ++wrong;
        } catch (const IndexError &) {
          ++errors;
        }
      }
    });
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(errors.load(), 8 * 200 / 5);
}

} // namespace
