//===- ArgumentTest.cpp - bad arguments give clear errors ------------------===//
#include <seqfuse/seqfuse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

/// Expects `f` to throw E whose message contains every one of `parts`.
template <class E, class F>
void expectError(F &&f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const E &e) {
    for (const auto &part : parts)
      EXPECT_THAT(std::string(e.what()), HasSubstr(part));
  }
}

struct Axpy {
  Program p{"axpy"};
  Kernel k;
  Axpy(Target target = Target::cpu()) : k(build(target)) {}
  Kernel build(Target target) {
    auto n = p.dim("n");
    auto x = p.input<float>("x", {n});
    auto y = p.inout<float>("y", {n});
    auto a = p.param<float>("a");
    loop(0, n, [&](Var i) { y[i] = a * x[i] + y[i]; });
    return compile(p, target);
  }
};

class ArgumentTest : public ::testing::TestWithParam<Target> {};

TEST_P(ArgumentTest, WrongCount) {
  Axpy f(GetParam());
  std::vector<float> x(4), y(4);
  expectError<ArgumentError>(
      [&] { f.k(x, y); },
      {"axpy expects 3 arguments, got 2", "axpy(x: in f32[n], y: inout f32[n], a: f32)"});
}

TEST_P(ArgumentTest, WrongElementType) {
  Axpy f(GetParam());
  std::vector<double> x(4);
  std::vector<float> y(4);
  expectError<ArgumentError>(
      [&] { f.k(x, y, 2.0f); },
      {"argument 'x' (#1)", "expected element type f32", "got f64[4]"});
  std::vector<float> xf(4);
  expectError<ArgumentError>(
      [&] { f.k(xf, y, 2.0); },
      {"argument 'a' (#3)", "expected element type f32", "got scalar f64"});
}

TEST_P(ArgumentTest, SizeMismatchNamesBothShapes) {
  Axpy f(GetParam());
  std::vector<float> x(4), y(3);
  expectError<ArgumentError>([&] { f.k(x, y, 1.0f); },
                             {"argument 'y' (#2)", "expected shape f32[n] with n = 4",
                              "from argument 'x', f32[4]", "got f32[3]"});
}

TEST_P(ArgumentTest, TensorForScalarAndRank) {
  Axpy f(GetParam());
  std::vector<float> x(4), y(4), a(1);
  expectError<ArgumentError>([&] { f.k(x, y, a); },
                             {"argument 'a' (#3)", "expected scalar f32", "got f32[1]"});
  float buf[4] = {};
  int64_t shape2[] = {2, 2};
  expectError<ArgumentError>(
      [&] { f.k(Arg(buf, shape2), y, 1.0f); },
      {"argument 'x' (#1)", "expected shape f32[n] (rank 1)", "got f32[2, 2] (rank 2)"});
}

TEST_P(ArgumentTest, FixedExtent) {
  Program p("fixed");
  auto m = p.inout<int32_t, 2>("m", {2, 3});
  loop(0, 2, [&](Var i) { loop(0, 3, [&](Var j) { m(i, j) += 1; }); });
  Kernel k = compile(p, GetParam());
  std::vector<int32_t> data(6);
  int64_t good[] = {2, 3}, bad[] = {3, 2};
  k(Arg(data.data(), good));
  EXPECT_EQ(data, std::vector<int32_t>(6, 1));
  expectError<ArgumentError>(
      [&] { k(Arg(data.data(), bad)); },
      {"argument 'm' (#1)", "expected shape i32[2, 3]", "got i32[3, 2]"});
}

TEST_P(ArgumentTest, OutputOverlapsInput) {
  Axpy f(GetParam());
  std::vector<float> buf(8);
  std::span<float> x(buf.data(), 4), y(buf.data() + 2, 4);
  expectError<ArgumentError>(
      [&] { f.k(x, y, 1.0f); },
      {"argument 'y' (#2)", "overlaps argument 'x'", "must not share memory"});
  // Adjacent, not overlapping: fine.
  std::span<float> y2(buf.data() + 4, 4);
  f.k(x, y2, 1.0f);
}

TEST_P(ArgumentTest, ConstOutputAndNullData) {
  Axpy f(GetParam());
  const std::vector<float> x(4), y(4);
  expectError<ArgumentError>(
      [&] { f.k(x, y, 1.0f); },
      {"argument 'y' (#2)", "writes it (inout)", "passed as const"});
  std::vector<float> yy(4);
  int64_t shape[] = {4};
  expectError<ArgumentError>(
      [&] { f.k(Arg(static_cast<float *>(nullptr), shape), yy, 1.0f); },
      {"argument 'x' (#1)", "null data pointer"});
  int64_t neg[] = {-1};
  expectError<ArgumentError>([&] { f.k(Arg(yy.data(), neg), yy, 1.0f); },
                             {"argument 'x' (#1)", "negative"});
}

TEST_P(ArgumentTest, EmptyAndSingleElement) {
  Axpy f(GetParam());
  std::vector<float> x, y;
  f.k(x, y, 2.0f); // n = 0: nothing happens, null data allowed
  std::vector<float> x1{3}, y1{1};
  f.k(x1, y1, 2.0f);
  EXPECT_EQ(y1[0], 7.0f);
}

INSTANTIATE_TEST_SUITE_P(Targets, ArgumentTest,
                         ::testing::Values(Target::cpu(), Target::interpreter()),
                         [](const auto &info) { return std::string(info.param.name()); });

TEST(CompileError, StateReadOutsideItsScope) {
  Program q("scope");
  auto y = q.inout<float>("y");
  std::optional<State<float>> s;
  loop(0, y.size(0), [&](Var i) {
    s.emplace(q.state<float>("s", 0.0f));
    *s += y[i];
  });
  y[0] = *s; // s lives only inside the loop body
  expectError<CompileError>(
      [&] { compile(q); },
      {"state 's' is read outside the block that declares it", "ArgumentTest.cpp:"});
}

TEST(CompileError, BadOptLevel) {
  Program q("opt");
  auto y = q.inout<float>("y");
  loop(0, y.size(0), [&](Var i) { y[i] = 1.0f; });
  expectError<CompileError>([&] { compile(q, Target::cpu(), Options{.optLevel = 7}); },
                            {"optLevel must be 0..3, got 7"});
}

// This binary does not link seqfuse_mpi: Target::ranks() says what it needs.
TEST(CompileError, RanksWithoutTheMPILibrary) {
  Program q("ranks");
  auto y = q.inout<float>("y");
  loop(0, y.size(0), [&](Var i) { y[i] = 1.0f; });
  expectError<CompileError>([&] { compile(q, Target::ranks()); },
                            {"Target::ranks() needs the seqfuse_mpi library",
                             "seqfuse::dist::compile (seqfuse/mpi.h)"});
}

} // namespace
