//===- InterpreterTest.cpp - the reference interpreter on hand-written IR -===//
//
// Loop-form functions parsed from text and run by seqfuse::interpret(): loop
// and conditional semantics, wrapping integers, float exactness and NaNs, and
// the run-time checks (which must fail before the access, like the loop).
//
//===----------------------------------------------------------------------===//
#include "seqfuse/runtime/Interpreter.h"
#include "seqfuse/dsl/EmitLoopForm.h"
#include "seqfuse/runtime/Kernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

class InterpreterTest : public ::testing::Test {
protected:
  InterpreterTest() {
    mlir::DialectRegistry registry;
    registerLoopFormDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Parses `source` and returns its function named `name`.
  mlir::func::FuncOp parse(const char *source, const char *name) {
    module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
    if (!module)
      return {};
    return module->lookupSymbol<mlir::func::FuncOp>(name);
  }

  void run(mlir::func::FuncOp fn, std::vector<Arg> args) {
    ASSERT_TRUE(fn) << "the test IR did not parse";
    interpret(fn, args);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

uint32_t bitsOf(float f) { return std::bit_cast<uint32_t>(f); }

TEST_F(InterpreterTest, RunningSumWithIterArgs) {
  auto fn = parse(R"mlir(
    func.func @sum(%x: memref<?xf32> {seqfuse.name = "x"},
                   %out: memref<?xf32> {seqfuse.name = "out"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %x, %c0 : memref<?xf32>
      %zero = arith.constant 0.0 : f32
      %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %x[%i] : memref<?xf32>
        %a = arith.addf %acc, %v : f32
        memref.store %a, %out[%i] : memref<?xf32>
        scf.yield %a : f32
      }
      memref.store %s, %out[%c0] : memref<?xf32>
      return
    })mlir",
                  "sum");
  std::vector<float> x{1.5f, 0.1f, -3.25f, 1e-7f, 7.0f}, out(5, 0.0f);
  run(fn, {Arg(x), Arg(out)});
  std::vector<float> want(5);
  float acc = 0.0f;
  for (size_t i = 0; i < x.size(); ++i)
    want[i] = acc = acc + x[i];
  want[0] = acc; // the loop's result, stored after the loop
  EXPECT_EQ(out, want);
}

TEST_F(InterpreterTest, ZeroTripLoopYieldsInits) {
  auto fn = parse(R"mlir(
    func.func @empty(%out: memref<1xi64> {seqfuse.name = "out"}, %n: index) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c42 = arith.constant 42 : i64
      %r = scf.for %i = %c0 to %n step %c1 iter_args(%a = %c42) -> (i64) {
        %b = arith.addi %a, %a : i64
        scf.yield %b : i64
      }
      memref.store %r, %out[%c0] : memref<1xi64>
      return
    })mlir",
                  "empty");
  std::vector<int64_t> out{0};
  run(fn, {Arg(out), Arg(int64_t(0))});
  EXPECT_EQ(out[0], 42);
  run(fn, {Arg(out), Arg(int64_t(3))});
  EXPECT_EQ(out[0], 42 * 8);
}

TEST_F(InterpreterTest, ReverseLoop) {
  // As the DSL emits loopReverse(lo, hi): i = (lo + hi - 1) - k.
  auto fn = parse(R"mlir(
    func.func @rev(%x: memref<?xi32> {seqfuse.name = "x"},
                   %y: memref<?xi32> {seqfuse.name = "y"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %x, %c0 : memref<?xi32>
      %sum = arith.addi %c0, %n : index
      %base = arith.subi %sum, %c1 : index
      %z = arith.constant 0 : i32
      %total = scf.for %k = %c0 to %n step %c1 iter_args(%run = %z) -> (i32) {
        %i = arith.subi %base, %k : index
        %v = memref.load %x[%i] : memref<?xi32>
        %r = arith.addi %run, %v : i32
        memref.store %r, %y[%i] : memref<?xi32>
        scf.yield %r : i32
      }
      return
    })mlir",
                  "rev");
  std::vector<int32_t> x{1, 2, 3, 4}, y(4, 0);
  run(fn, {Arg(x), Arg(y)});
  EXPECT_EQ(y, (std::vector<int32_t>{10, 9, 7, 4})); // suffix sums
}

TEST_F(InterpreterTest, IfWithResultsAndWithoutElse) {
  auto fn = parse(R"mlir(
    func.func @cond(%x: memref<?xf64> {seqfuse.name = "x"},
                    %y: memref<?xf64> {seqfuse.name = "y"},
                    %count: memref<1xi64> {seqfuse.name = "count"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %x, %c0 : memref<?xf64>
      %zero = arith.constant 0.0 : f64
      %two = arith.constant 2.0 : f64
      %i0 = arith.constant 0 : i64
      %i1 = arith.constant 1 : i64
      %cnt = scf.for %i = %c0 to %n step %c1 iter_args(%c = %i0) -> (i64) {
        %v = memref.load %x[%i] : memref<?xf64>
        %pos = arith.cmpf ogt, %v, %zero : f64
        %r, %c2 = scf.if %pos -> (f64, i64) {
          %d = arith.mulf %v, %two : f64
          %cc = arith.addi %c, %i1 : i64
          scf.yield %d, %cc : f64, i64
        } else {
          %m = arith.negf %v : f64
          scf.yield %m, %c : f64, i64
        }
        memref.store %r, %y[%i] : memref<?xf64>
        %neg = arith.cmpf olt, %v, %zero : f64
        scf.if %neg {
          memref.store %zero, %y[%i] : memref<?xf64>
        }
        scf.yield %c2 : i64
      }
      memref.store %cnt, %count[%c0] : memref<1xi64>
      return
    })mlir",
                  "cond");
  std::vector<double> x{1.0, -2.0, 0.0, 3.5, std::nan("")}, y(5, 9.0);
  std::vector<int64_t> count{-1};
  run(fn, {Arg(x), Arg(y), Arg(count)});
  EXPECT_EQ(y[0], 2.0);
  EXPECT_EQ(y[1], 0.0);
  EXPECT_TRUE(y[2] == 0.0 && std::signbit(y[2])); // negf 0.0 = -0.0
  EXPECT_EQ(y[3], 7.0);
  EXPECT_TRUE(std::isnan(y[4])); // NaN > 0 is false: the else branch
  EXPECT_EQ(count[0], 2);
}

TEST_F(InterpreterTest, I32ArithmeticWraps) {
  auto fn = parse(R"mlir(
    func.func @lcg(%out: memref<?xi32> {seqfuse.name = "out"}, %seed: i32) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %out, %c0 : memref<?xi32>
      %a = arith.constant 1103515245 : i32
      %b = arith.constant 12345 : i32
      %last = scf.for %i = %c0 to %n step %c1 iter_args(%s = %seed) -> (i32) {
        %m = arith.muli %s, %a : i32
        %t = arith.addi %m, %b : i32
        memref.store %t, %out[%i] : memref<?xi32>
        scf.yield %t : i32
      }
      return
    })mlir",
                  "lcg");
  std::vector<int32_t> out(50, 0);
  run(fn, {Arg(out), Arg(int32_t(-7))});
  uint32_t s = static_cast<uint32_t>(-7);
  for (int i = 0; i < 50; ++i) {
    s = s * 1103515245u + 12345u;
    ASSERT_EQ(out[i], static_cast<int32_t>(s)) << "at " << i;
  }
}

TEST_F(InterpreterTest, MinimumMaximumPropagateNaNAndOrderZeros) {
  auto fn = parse(R"mlir(
    func.func @mm(%a: memref<?xf32> {seqfuse.name = "a"},
                  %b: memref<?xf32> {seqfuse.name = "b"},
                  %lo: memref<?xf32> {seqfuse.name = "lo"},
                  %hi: memref<?xf32> {seqfuse.name = "hi"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %a, %c0 : memref<?xf32>
      scf.for %i = %c0 to %n step %c1 {
        %x = memref.load %a[%i] : memref<?xf32>
        %y = memref.load %b[%i] : memref<?xf32>
        %m = arith.minimumf %x, %y : f32
        %M = arith.maximumf %x, %y : f32
        memref.store %m, %lo[%i] : memref<?xf32>
        memref.store %M, %hi[%i] : memref<?xf32>
      }
      return
    })mlir",
                  "mm");
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> a{nan, 1.0f, -0.0f, 0.0f, 3.0f}, b{1.0f, nan, 0.0f, -0.0f, -2.0f};
  std::vector<float> lo(5), hi(5);
  run(fn, {Arg(a), Arg(b), Arg(lo), Arg(hi)});
  EXPECT_TRUE(std::isnan(lo[0]) && std::isnan(hi[0]));
  EXPECT_TRUE(std::isnan(lo[1]) && std::isnan(hi[1]));
  EXPECT_EQ(bitsOf(lo[2]), bitsOf(-0.0f));
  EXPECT_EQ(bitsOf(hi[2]), bitsOf(0.0f));
  EXPECT_EQ(bitsOf(lo[3]), bitsOf(-0.0f));
  EXPECT_EQ(bitsOf(hi[3]), bitsOf(0.0f));
  EXPECT_EQ(lo[4], -2.0f);
  EXPECT_EQ(hi[4], 3.0f);
}

TEST_F(InterpreterTest, F32AccumulationIsExact) {
  // acc = (acc + a) + b in float, as the C++ loop computes it; a double
  // intermediate or a fused operation would drift away from it.
  auto fn = parse(R"mlir(
    func.func @acc(%out: memref<?xf32> {seqfuse.name = "out"}, %a: f32, %b: f32) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %out, %c0 : memref<?xf32>
      %z = arith.constant 0.0 : f32
      %last = scf.for %i = %c0 to %n step %c1 iter_args(%s = %z) -> (f32) {
        %t = arith.addf %s, %a : f32
        %u = arith.addf %t, %b : f32
        %sq = arith.mulf %u, %u : f32
        %w = arith.addf %sq, %u : f32
        memref.store %w, %out[%i] : memref<?xf32>
        scf.yield %u : f32
      }
      return
    })mlir",
                  "acc");
  std::vector<float> out(1000);
  run(fn, {Arg(out), Arg(0.1f), Arg(0.2f)});
  float acc = 0.0f;
  for (size_t i = 0; i < out.size(); ++i) {
    acc = acc + 0.1f;
    acc = acc + 0.2f;
    float sq = acc * acc;
    float w = sq + acc;
    ASSERT_EQ(bitsOf(out[i]), bitsOf(w)) << "at " << i;
  }
}

TEST_F(InterpreterTest, FloatToIntSaturates) {
  auto fn = parse(R"mlir(
    func.func @cvt(%x: memref<?xf32> {seqfuse.name = "x"},
                   %y: memref<?xi32> {seqfuse.name = "y"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %x, %c0 : memref<?xf32>
      scf.for %i = %c0 to %n step %c1 {
        %v = memref.load %x[%i] : memref<?xf32>
        %r = arith.fptosi %v : f32 to i32
        memref.store %r, %y[%i] : memref<?xi32>
      }
      return
    })mlir",
                  "cvt");
  std::vector<float> x{std::nanf(""), 1e10f, -1e10f, -2.75f, 2.75f};
  std::vector<int32_t> y(5, 7);
  run(fn, {Arg(x), Arg(y)});
  EXPECT_EQ(y, (std::vector<int32_t>{0, std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int32_t>::min(), -2, 2}));
}

TEST_F(InterpreterTest, OutOfRangeStoreThrowsBeforeWriting) {
  auto fn = parse(R"mlir(
    func.func @scatter(%t: memref<?xf32> {seqfuse.name = "t"},
                       %idx: memref<?xi64> {seqfuse.name = "idx"},
                       %m: memref<?xf32> {seqfuse.name = "m"}) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %idx, %c0 : memref<?xi64>
      scf.for %i = %c0 to %n step %c1 {
        %k = memref.load %idx[%i] : memref<?xi64>
        %j = arith.index_cast %k : i64 to index
        %v = memref.load %m[%i] : memref<?xf32>
        memref.store %v, %t[%j] : memref<?xf32> loc("f.cpp":12:3)
      }
      return
    })mlir",
                  "scatter");
  ASSERT_TRUE(fn);
  std::vector<float> t(5, -1.0f);
  std::vector<int64_t> idx{0, 2, 7, 1};
  std::vector<float> m{10.0f, 20.0f, 30.0f, 40.0f};
  try {
    interpret(fn, std::vector<Arg>{Arg(t), Arg(idx), Arg(m)});
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr("index 7"));
    EXPECT_THAT(msg, HasSubstr("'t'"));
    EXPECT_THAT(msg, HasSubstr("dimension 0 has size 5"));
    EXPECT_THAT(msg, HasSubstr("f.cpp:12"));
  }
  // Iterations 0 and 1 wrote; t[1] (iteration 3) was never reached.
  EXPECT_EQ(t, (std::vector<float>{10.0f, -1.0f, 20.0f, -1.0f, -1.0f}));

  // A negative index fails too (the check is unsigned).
  std::vector<int64_t> neg{-1};
  try {
    interpret(fn, std::vector<Arg>{Arg(t), Arg(neg), Arg(m)});
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(e.what(), HasSubstr("index -1"));
  }
}

TEST_F(InterpreterTest, IntegerDivisionChecks) {
  auto fn = parse(R"mlir(
    func.func @div(%a: memref<?xi32> {seqfuse.name = "a"}, %d: i32) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %n = memref.dim %a, %c0 : memref<?xi32>
      scf.for %i = %c0 to %n step %c1 {
        %v = memref.load %a[%i] : memref<?xi32>
        %q = arith.divsi %v, %d : i32 loc("g.cpp":4:1)
        memref.store %q, %a[%i] : memref<?xi32>
      }
      return
    })mlir",
                  "div");
  std::vector<int32_t> a{-7, 9};
  run(fn, {Arg(a), Arg(int32_t(2))});
  EXPECT_EQ(a, (std::vector<int32_t>{-3, 4})); // truncating division

  try {
    interpret(fn, std::vector<Arg>{Arg(a), Arg(int32_t(0))});
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(e.what(), HasSubstr("division by zero"));
    EXPECT_THAT(e.what(), HasSubstr("g.cpp:4"));
  }
  EXPECT_EQ(a, (std::vector<int32_t>{-3, 4}));

  std::vector<int32_t> mn{std::numeric_limits<int32_t>::min()};
  try {
    interpret(fn, std::vector<Arg>{Arg(mn), Arg(int32_t(-1))});
    FAIL() << "no IndexError";
  } catch (const IndexError &e) {
    EXPECT_THAT(e.what(), HasSubstr("overflow"));
  }
}

TEST_F(InterpreterTest, UnsupportedOpIsACompileError) {
  auto fn = parse(R"mlir(
    func.func @atan(%x: memref<?xf32> {seqfuse.name = "x"}) {
      %c0 = arith.constant 0 : index
      %v = memref.load %x[%c0] : memref<?xf32>
      %r = math.atan %v : f32 loc("h.cpp":9:5)
      memref.store %r, %x[%c0] : memref<?xf32>
      return
    })mlir",
                  "atan");
  ASSERT_TRUE(fn);
  std::vector<float> x{1.0f};
  try {
    interpret(fn, std::vector<Arg>{Arg(x)});
    FAIL() << "no CompileError";
  } catch (const CompileError &e) {
    EXPECT_THAT(e.what(), HasSubstr("'math.atan'"));
    EXPECT_THAT(e.what(), HasSubstr("h.cpp:9"));
  }
  EXPECT_EQ(x[0], 1.0f); // nothing ran
}

} // namespace
