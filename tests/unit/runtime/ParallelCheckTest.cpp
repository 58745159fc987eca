//===- ParallelCheckTest.cpp - checked mode for parallel forms ------------===//
//
// In checked mode a parallel form whose body checks an index or a divisor
// first runs a parallel read-only pass over fixed chunks that finds the first
// iteration where a check fails; the parallel form then covers only the
// iterations before it, and the loop (with its checks) goes on from there. So
// the kernel raises the loop's error at the loop's iteration, with memory as
// the loop leaves it. Checked here against the interpreter, with indices and
// divisors out of range, at sizes around the chunk (16) and the cutoff (64),
// at 1, 2, 4 and 7 threads; and where the probe cannot be built (a check
// that depends on the loop's state or on what it writes), the loop stays.
//
//===----------------------------------------------------------------------===//
#include "Differential.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct Family {
  const char *name;
  std::function<void(Program &)> build;
  /// Index arguments and the tensors they index.
  std::vector<std::pair<const char *, const char *>> indices;
};

std::vector<Family> families() {
  return {
      {"gather_map",
       [](Program &p) {
         auto v = p.input<float>("v");
         auto idx = p.input<int64_t>("idx");
         auto out = p.output<float>("out", {idx.size(0)});
         loop(0, idx.size(0), [&](Var i) { out[i] = v[idx[i]] * 2.0f; });
       },
       {{"idx", "v"}}},
      {"conditional_gather_map",
       [](Program &p) { // the check runs only where the condition holds
         auto v = p.input<int32_t>("v");
         auto idx = p.input<int64_t>("idx");
         auto c = p.input<int32_t>("c", {idx.size(0)});
         auto out = p.inout<int32_t>("out", {idx.size(0)});
         loop(0, idx.size(0), [&](Var i) { if_(c[i] > 0, [&] { out[i] = v[idx[i]]; }); });
       },
       {{"idx", "v"}}},
      {"divide_map",
       [](Program &p) { // divisors: zero raises
         auto a = p.input<int32_t>("a");
         auto b = p.input<int32_t>("b", {a.size(0)});
         auto out = p.output<int32_t>("out", {a.size(0)});
         loop(0, a.size(0), [&](Var i) { out[i] = a[i] / (b[i] % 50); });
       },
       {}},
      {"gather_scan",
       [](Program &p) {
         auto v = p.input<int64_t>("v");
         auto idx = p.input<int64_t>("idx");
         auto out = p.output<int64_t>("out", {idx.size(0)});
         auto acc = p.state<int64_t>("acc", 3);
         loop(0, idx.size(0), [&](Var i) {
           acc += v[idx[i]];
           out[i] = acc;
         });
       },
       {{"idx", "v"}}},
      {"reverse_gather_max",
       [](Program &p) {
         auto v = p.input<float>("v");
         auto idx = p.input<int64_t>("idx");
         auto out = p.output<float>("out", {idx.size(0)});
         auto m = p.state<float>("m", -1e30f);
         loopReverse(0, idx.size(0), [&](Var i) {
           m = max(m, v[idx[i]]);
           out[i] = m;
         });
       },
       {{"idx", "v"}}},
  };
}

Program make(const Family &f) {
  Program p(f.name);
  f.build(p);
  return p;
}

TEST(ParallelChecks, EveryFamilyRaisesAsTheLoopAtEveryThreadCount) {
  for (const Family &f : families()) {
    Program p = make(f);
    {
      ParallelChunk chunk(16);
      EXPECT_THAT(compile(p).reportText(), HasSubstr("its run-time checks first"))
          << f.name;
    }
    for (int threads : {1, 2, 4, 7}) {
      SCOPED_TRACE(std::string(f.name) + " threads=" + std::to_string(threads));
      GenOptions o;
      o.sizes = {0, 1, 2, 7, 16, 17, 63, 64, 65, 200, 1000, 4097};
      o.trials = 16;
      o.numThreads = threads;
      o.parallelChunk = 16;
      o.seed = 3000 + threads;
      // Mostly in range; one in a few trials has an index out of range
      // somewhere (slack 1 on either side of a large range is rare).
      for (auto [idx, target] : f.indices)
        o.indexInto[idx] = {target, 1};
      o.intLo = -60;
      o.intHi = 60;
      int errors = differential(p, o);
      EXPECT_GT(errors, 0); // the error paths ran
      if (::testing::Test::HasFailure())
        return;
    }
  }
}

TEST(ParallelChecks, AFailureLateInALargeRunRaisesThereWithEveryEarlierWrite) {
  Program p = make(families()[0]); // gather_map
  Kernel k = compile(p, Target::cpu(), Options{.numThreads = 2});
  int64_t n = 500000;
  std::vector<float> v(300), out(n, -7.0f);
  std::vector<int64_t> idx(n);
  for (int j = 0; j < 300; ++j)
    v[j] = 0.5f * j;
  for (int64_t i = 0; i < n; ++i)
    idx[i] = (i * 31) % 300;
  idx[480001] = 300;
  idx[480002] = -1;
  try {
    k(v, idx, out);
    ADD_FAILURE() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("index 300 out of range for tensor 'v'"));
  }
  for (int64_t i = 0; i < n; ++i)
    ASSERT_EQ(out[i], i < 480001 ? v[idx[i]] * 2.0f : -7.0f) << i;
}

TEST(ParallelChecks, ACheckOnTheStateKeepsTheLoop) {
  // out[k] with k a state: the check depends on the fold's accumulator, so
  // no read-only pass can find the first failure; the loop stays.
  Program p("compact_checked");
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto k = p.state<int32_t>("k", 0);
  loop(0, v.size(0), [&](Var i) {
    if_(v[i] > 0.0f, [&] {
      out[k] = v[i];
      k = k + 1;
    });
  });
  std::string text = compile(p).reportText();
  EXPECT_THAT(text, HasSubstr("algorithm: sequential loop (its body checks"));
  EXPECT_THAT(text, Not(HasSubstr("its run-time checks first")));
}

} // namespace
