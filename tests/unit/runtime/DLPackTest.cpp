//===- DLPackTest.cpp - DLPack tensors and custom ArgAdapters as arguments -===//
//
// seqfuse/dlpack.h: DLTensor, DLManagedTensor * passed without copies;
// whatever cannot be passed as it is (device memory, strides, lanes, element
// types seqfuse lacks, misaligned data) is refused with an ArgumentError
// naming the argument, on the JIT and on the interpreter, and nothing is
// written. Also a user's own tensor type through ArgAdapter.
//
//===----------------------------------------------------------------------===//
#include <seqfuse/dlpack.h>
#include <seqfuse/seqfuse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

std::string argumentErrorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const ArgumentError &e) {
    return e.what();
  }
  return "(no ArgumentError)";
}

/// A DLTensor over `data` with `shape` (and `strides`, null = compact).
template <class T>
DLTensor dl(T *data, std::vector<int64_t> &shape, DLDataType type,
            int64_t *strides = nullptr, DLDevice dev = {kDLCPU, 0}) {
  DLTensor t{};
  t.data = data;
  t.device = dev;
  t.ndim = static_cast<int32_t>(shape.size());
  t.dtype = type;
  t.shape = shape.data();
  t.strides = strides;
  t.byte_offset = 0;
  return t;
}
constexpr DLDataType kF32{kDLFloat, 32, 1}, kF64{kDLFloat, 64, 1}, kI32{kDLInt, 32, 1},
    kI64{kDLInt, 64, 1}, kBool8{6, 8, 1}, kU8{kDLUInt, 8, 1};

/// out[i] = running sum of v (2-D: along each row).
Kernel rowSums(Target target) {
  Program p("dl_row_sums");
  auto r = p.dim("r"), c = p.dim("c");
  auto v = p.input<float, 2>("v", {r, c});
  auto out = p.output<float, 2>("out", {r, c});
  loop(0, r, [&](Var i) {
    auto acc = p.state<float>("acc", 0.0f);
    loop(0, c, [&](Var j) {
      acc += v(i, j);
      out(i, j) = acc;
    });
  });
  return compile(p, target);
}

class DLPackTest : public ::testing::TestWithParam<Target> {};

TEST_P(DLPackTest, RunsOnDLTensorsInPlace) {
  Kernel k = rowSums(GetParam());
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>{0, 3}, {1, 1}, {2, 5}, {3, 17}}) {
    std::vector<float> v(rows * cols), out(rows * cols, -1.0f);
    std::iota(v.begin(), v.end(), -4.0f);
    std::vector<int64_t> shape{rows, cols};
    DLTensor tv = dl(v.data(), shape, kF32), tout = dl(out.data(), shape, kF32);
    k(tv, tout);
    for (int64_t i = 0; i < rows; ++i) {
      float acc = 0;
      for (int64_t j = 0; j < cols; ++j) {
        acc += v[i * cols + j];
        ASSERT_EQ(out[i * cols + j], acc) << i << "," << j;
      }
    }
  }
}

TEST_P(DLPackTest, ManagedTensorsCompactStridesAndByteOffset) {
  Kernel k = rowSums(GetParam());
  std::vector<float> v(2 + 6), out(6, 0.0f);
  std::iota(v.begin(), v.end(), 1.0f); // 1 2 | 3 4 5 6 7 8
  std::vector<int64_t> shape{2, 3}, strides{3, 1};
  DLTensor tv = dl(v.data(), shape, kF32, strides.data());
  tv.byte_offset = 2 * sizeof(float); // starts at 3
  bool deleted = false;
  DLManagedTensor managed{
      dl(out.data(), shape, kF32), &deleted,
      [](DLManagedTensor *self) { *static_cast<bool *>(self->manager_ctx) = true; }};
  k(tv, &managed);
  EXPECT_EQ(out, (std::vector<float>{3, 7, 12, 6, 13, 21}));
  EXPECT_FALSE(deleted) << "seqfuse must not call the deleter";
  // Strides of extent-1 dimensions do not matter.
  std::vector<int64_t> shape1{1, 3}, strides1{99, 1};
  std::vector<float> out1(3);
  DLTensor t1 = dl(v.data(), shape1, kF32, strides1.data()),
           o1 = dl(out1.data(), shape1, kF32);
  k(t1, o1);
  EXPECT_EQ(out1, (std::vector<float>{1, 3, 6}));
}

TEST_P(DLPackTest, EveryElementType) {
  Program p("dl_types");
  auto n = p.dim("n");
  auto d = p.inout<double>("d", {n});
  auto i32 = p.inout<int32_t>("i32", {n});
  auto i64 = p.inout<int64_t>("i64", {n});
  auto b = p.inout<bool>("b", {n});
  loop(0, n, [&](Var i) {
    d[i] = d[i] * 2.0;
    i32[i] = i32[i] + 1;
    i64[i] = i64[i] * -3;
    b[i] = !b[i];
  });
  Kernel k = compile(p, GetParam());
  std::vector<double> dv{1.5, -2};
  std::vector<int32_t> iv{INT32_MAX, 0};
  std::vector<int64_t> lv{5, -7};
  bool bv[2] = {true, false};
  std::vector<int64_t> shape{2};
  DLTensor td = dl(dv.data(), shape, kF64), ti = dl(iv.data(), shape, kI32),
           tl = dl(lv.data(), shape, kI64), tb = dl(bv, shape, kBool8);
  k(td, ti, tl, tb);
  EXPECT_EQ(dv, (std::vector<double>{3, -4}));
  EXPECT_EQ(iv, (std::vector<int32_t>{INT32_MIN, 1})); // wraps like the loop
  EXPECT_EQ(lv, (std::vector<int64_t>{-15, 21}));
  EXPECT_FALSE(bv[0]);
  EXPECT_TRUE(bv[1]);
}

TEST_P(DLPackTest, RefusesWhatCannotBePassedAndWritesNothing) {
  Kernel k = rowSums(GetParam());
  std::vector<float> v(12, 1.0f), out(12, 5.0f);
  std::vector<int64_t> shape{3, 4};
  DLTensor tout = dl(out.data(), shape, kF32);
  auto expectRefused = [&](DLTensor bad, bool asOutput, std::vector<std::string> parts) {
    DLTensor good = dl(v.data(), shape, kF32);
    std::string e = asOutput ? argumentErrorOf([&] { k(good, bad); })
                             : argumentErrorOf([&] { k(bad, tout); });
    EXPECT_THAT(e, HasSubstr(asOutput ? "argument 'out' (#2)" : "argument 'v' (#1)"));
    for (const std::string &part : parts)
      EXPECT_THAT(e, HasSubstr(part));
    EXPECT_EQ(out, std::vector<float>(12, 5.0f)) << "a refused call wrote";
  };
  // Device memory.
  expectRefused(dl(v.data(), shape, kF32, nullptr, {kDLCUDA, 1}), false,
                {"on cuda:1", "needs host memory"});
  // Transposed (column-major) strides, as an input and as an output.
  std::vector<int64_t> colMajor{1, 3};
  expectRefused(dl(v.data(), shape, kF32, colMajor.data()), false,
                {"strides [1, 3]", "not row-major contiguous"});
  std::vector<float> other(12);
  expectRefused(dl(other.data(), shape, kF32, colMajor.data()), true,
                {"not row-major contiguous"});
  // Every other element.
  std::vector<int64_t> gapped{8, 2};
  expectRefused(dl(v.data(), shape, kF32, gapped.data()), false, {"strides [8, 2]"});
  // Vector lanes, uint8, float16, bfloat16.
  expectRefused(dl(v.data(), shape, DLDataType{kDLFloat, 32, 4}), false,
                {"float32x4", "lanes"});
  expectRefused(dl(v.data(), shape, kU8), false, {"uint8", "not taken as bool"});
  expectRefused(dl(v.data(), shape, DLDataType{kDLFloat, 16, 1}), false, {"float16"});
  expectRefused(dl(v.data(), shape, DLDataType{kDLBfloat, 16, 1}), false, {"bfloat16"});
  // Misaligned data.
  DLTensor mis = dl(v.data(), shape, kF32);
  mis.byte_offset = 2;
  expectRefused(mis, false, {"not aligned to its 4-byte elements"});
  // Rank over 8.
  std::vector<int64_t> rank9(9, 1);
  expectRefused(dl(v.data(), rank9, kF32), false, {"rank 9"});
  // The right kind of tensor with the wrong element type or shape: the
  // kernel's own checks.
  std::vector<double> dv(12);
  expectRefused(dl(dv.data(), shape, kF64), false,
                {"expected element type f32", "got f64[3, 4]"});
  std::vector<int64_t> shape2{4, 3};
  expectRefused(dl(other.data(), shape2, kF32), true, {"got f32[4, 3]"});
  // Null managed tensor.
  DLTensor good = dl(v.data(), shape, kF32);
  EXPECT_THAT(argumentErrorOf([&] { k(good, static_cast<DLManagedTensor *>(nullptr)); }),
              HasSubstr("null DLManagedTensor"));
}

INSTANTIATE_TEST_SUITE_P(Targets, DLPackTest,
                         ::testing::Values(Target::cpu(), Target::interpreter()),
                         [](const auto &info) { return std::string(info.param.name()); });

} // namespace

//===----------------------------------------------------------------------===//
// A user's own tensor type through ArgAdapter.
//===----------------------------------------------------------------------===//

namespace mylib {
struct Matrix {
  std::vector<double> data;
  int64_t rows, cols;
  bool onDevice = false;
};
} // namespace mylib

template <> struct seqfuse::ArgAdapter<mylib::Matrix> {
  static Arg convert(const mylib::Matrix &m) {
    if (m.onDevice)
      return Arg::refused("mylib::Matrix on the device");
    return Arg(const_cast<double *>(m.data.data()), std::vector<int64_t>{m.rows, m.cols});
  }
};

namespace {

TEST(ArgAdapter, UserTypesConvertAndRefuse) {
  Program p("adapter_scale");
  auto m = p.inout<double, 2>("m");
  loop(0, m.size(0), [&](Var i) { loop(0, m.size(1), [&](Var j) { m(i, j) *= 2.0; }); });
  Kernel k = compile(p);
  mylib::Matrix a{{1, 2, 3, 4, 5, 6}, 2, 3};
  k(a);
  EXPECT_EQ(a.data, (std::vector<double>{2, 4, 6, 8, 10, 12}));
  mylib::Matrix dev{{1, 2}, 1, 2, true};
  EXPECT_THAT(
      argumentErrorOf([&] { k(dev); }),
      HasSubstr("argument 'm' (#1) of adapter_scale: expected tensor f64[?, ?], got a "
                "tensor that cannot be passed: mylib::Matrix on the device"));
  EXPECT_EQ(dev.data, (std::vector<double>{1, 2}));
  // Arg::readOnly: may be read, not written.
  Arg ro = Arg(a.data.data(), std::vector<int64_t>{2, 3});
  ro.readOnly("it is a frozen snapshot");
  EXPECT_THAT(argumentErrorOf([&] { k.call(std::span<const Arg>(&ro, 1)); }),
              HasSubstr("passed read-only: it is a frozen snapshot"));
}

} // namespace
