//===- RuntimeCheckTest.cpp - index errors in checked mode ----------------===//
#include <seqfuse/seqfuse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

class RuntimeCheckTest : public ::testing::TestWithParam<Target> {};

TEST_P(RuntimeCheckTest, ScatterOutOfRangeNamesTensorIndexAndLine) {
  Program p("scatter");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto m = p.input<float>("m", {idx.size(0)});
  int line = __LINE__ + 1;
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });
  Kernel k = compile(p, GetParam());

  // t lives inside a larger buffer with canaries on both sides.
  std::vector<float> storage(9, -7.0f);
  std::span<float> tv(storage.data() + 2, 5);
  std::vector<int64_t> idxData{0, 2, 5, 4};
  std::vector<float> mData{3, -1, 9, 2};
  try {
    k(tv, idxData, mData);
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("index 5 out of range for tensor 't'"));
    EXPECT_THAT(msg, HasSubstr("dimension 0 has size 5"));
    EXPECT_THAT(msg, HasSubstr("RuntimeCheckTest.cpp:" + std::to_string(line)));
  }
  // Iterations 0 and 1 ran, as in the loop; nothing after, nothing outside.
  std::vector<float> want{-7, -7, 3, -7, -1, -7, -7, -7, -7};
  EXPECT_EQ(storage, want);
}

TEST_P(RuntimeCheckTest, NegativeIndexAndReadsAreChecked) {
  Program p("gather");
  auto src = p.input<float>("src");
  auto idx = p.input<int32_t>("idx");
  auto out = p.output<float>("out", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { out[i] = src[idx[i]]; });
  Kernel k = compile(p, GetParam());
  std::vector<float> s{1, 2, 3}, o(2, 0.0f);
  std::vector<int32_t> ix{1, -1};
  try {
    k(s, ix, o);
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(e.what(), HasSubstr("index -1 out of range for tensor 'src'"));
  }
  EXPECT_EQ(o, (std::vector<float>{2, 0}));
}

TEST_P(RuntimeCheckTest, DivisionByZeroInChecked) {
  Program p("div");
  auto a = p.inout<int64_t>("a");
  auto d = p.param<int64_t>("d");
  loop(0, a.size(0), [&](Var i) { a[i] = a[i] / d; });
  Kernel k = compile(p, GetParam());
  std::vector<int64_t> v{4, 8};
  k(v, int64_t(2));
  EXPECT_EQ(v, (std::vector<int64_t>{2, 4}));
  try {
    k(v, int64_t(0));
    FAIL();
  } catch (const IndexError &e) {
    EXPECT_THAT(e.what(), HasSubstr("integer division by zero"));
    EXPECT_THAT(e.what(), HasSubstr("RuntimeCheckTest.cpp:"));
  }
  std::vector<int64_t> m{std::numeric_limits<int64_t>::min()};
  EXPECT_THROW(k(m, int64_t(-1)), IndexError);
}

TEST_P(RuntimeCheckTest, NaNAndInfPropagate) {
  Program p("nan");
  auto x = p.inout<float>("x");
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, x.size(0), [&](Var i) {
    acc = acc + x[i];
    x[i] = acc;
  });
  Kernel k = compile(p, GetParam());
  float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v{1, inf, -inf, 2};
  k(v);
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[1], inf);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_TRUE(std::isnan(v[3]));
}

INSTANTIATE_TEST_SUITE_P(Targets, RuntimeCheckTest,
                         ::testing::Values(Target::cpu(), Target::interpreter()),
                         [](const auto &info) { return std::string(info.param.name()); });

TEST(RuntimeCheck, UncheckedModeSkipsChecks) {
  Program p("scatter_fast");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto m = p.input<float>("m", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });
  Kernel checked = compile(p);
  Kernel fast = compile(p, Target::cpu(), Options{.checked = false});
  EXPECT_THAT(checked.ir(Stage::Checked), HasSubstr("seqfuse_rt_check_failed"));
  EXPECT_THAT(fast.ir(Stage::Checked),
              ::testing::Not(HasSubstr("seqfuse_rt_check_failed")));
  std::vector<float> tData(5, 0.0f);
  std::vector<int64_t> idxData{4, 0, 4};
  std::vector<float> mData{1, 2, 3};
  fast(tData, idxData, mData);
  EXPECT_EQ(tData, (std::vector<float>{2, 0, 0, 0, 3})); // last writer wins
}

TEST(RuntimeCheck, ProvablyInBoundsAccessesAreNotChecked) {
  Program p("inbounds");
  auto n = p.dim("n");
  auto x = p.input<float>("x", {n});
  auto y = p.output<float>("y", {n});
  loop(0, n, [&](Var i) { y[i] = x[i] * 2.0f; });
  loopReverse(0, y.size(0), [&](Var i) { y[i] += 1.0f; });
  Kernel k = compile(p);
  EXPECT_THAT(k.ir(Stage::Checked), ::testing::Not(HasSubstr("seqfuse_rt_check_failed")));
}

} // namespace
