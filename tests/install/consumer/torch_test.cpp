//===- torch_test.cpp - torch::Tensor arguments (seqfuse/torch.h) --------===//
//
// Built with g++ against the installed seqfuse and libtorch 1.13. Kernels
// take tensors directly; results are compared with libtorch's own ops and
// plain loops; every tensor that cannot be passed as it is is refused with an
// ArgumentError naming the argument, and nothing is written.
//
//===----------------------------------------------------------------------===//
#include <seqfuse/seqfuse.h>
#include <seqfuse/torch.h>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>

using namespace seqfuse;

namespace {

/// out[i] = running sum of v; the kernel all tests below call.
Kernel runningSum(Target target = Target::cpu(), Options options = {}) {
  Program p("torch_running_sum");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    out[i] = acc;
  });
  return compile(p, target, options);
}

std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const ArgumentError &e) {
    return e.what();
  }
  return "(no ArgumentError)";
}

TEST(Torch, RunsOnTensorsWithoutCopies) {
  for (Target target : {Target::cpu(), Target::interpreter()}) {
    // strict_fp keeps the loop's order: bit for bit the plain loop. (By
    // default the sums may be regrouped, 8 at a time in registers.)
    Kernel k = runningSum(target, Options{.strictFP = true});
    Kernel regrouped = runningSum(target);
    for (int64_t n : {0, 1, 2, 17, 1000}) {
      torch::manual_seed(n);
      torch::Tensor v = torch::randn({n});
      torch::Tensor out = torch::full({n}, -7.0f);
      void *before = out.data_ptr();
      k(v, out);
      EXPECT_EQ(out.data_ptr(), before);
      torch::Tensor fast = torch::full({n}, -7.0f);
      regrouped(v, fast);
      if (n > 0)
        EXPECT_TRUE(torch::allclose(fast, out, 1e-5, 1e-5));
      // Sequential float sums: compare with a plain loop bit for bit.
      float acc = 0;
      auto va = v.accessor<float, 1>();
      auto oa = out.accessor<float, 1>();
      for (int64_t i = 0; i < n; ++i) {
        acc += va[i];
        ASSERT_EQ(oa[i], acc) << "n=" << n << " i=" << i;
      }
      // And with torch's cumsum within float rounding.
      if (n > 0)
        EXPECT_TRUE(torch::allclose(out, torch::cumsum(v, 0), 1e-4, 1e-4));
    }
  }
}

TEST(Torch, EveryElementType) {
  Program p("torch_types");
  auto n = p.dim("n");
  auto f = p.inout<float>("f", {n});
  auto d = p.inout<double>("d", {n});
  auto i32 = p.inout<int32_t>("i32", {n});
  auto i64 = p.inout<int64_t>("i64", {n});
  auto b = p.inout<bool>("b", {n});
  loop(0, n, [&](Var i) {
    f[i] = f[i] * 2.0f;
    d[i] = d[i] + 0.5;
    i32[i] = i32[i] * 3;
    i64[i] = i64[i] - 1;
    b[i] = !b[i];
  });
  Kernel k = compile(p);
  torch::Tensor tf = torch::arange(6, torch::kFloat32),
                td = torch::arange(6, torch::kFloat64),
                ti = torch::arange(6, torch::kInt32),
                tl = torch::arange(6, torch::kInt64),
                tb = torch::arange(6, torch::kInt64).remainder(2).to(torch::kBool);
  torch::Tensor wf = tf * 2, wd = td + 0.5, wi = ti * 3, wl = tl - 1,
                wb = tb.logical_not();
  k(tf, td, ti, tl, tb);
  EXPECT_TRUE(torch::equal(tf, wf));
  EXPECT_TRUE(torch::equal(td, wd));
  EXPECT_TRUE(torch::equal(ti, wi));
  EXPECT_TRUE(torch::equal(tl, wl));
  EXPECT_TRUE(torch::equal(tb, wb));
}

TEST(Torch, ScatterWithDuplicateIndicesKeepsTheLastWriter) {
  Program p("torch_scatter");
  auto t = p.inout<float>("t");
  auto idx = p.input<int64_t>("idx");
  auto m = p.input<float>("m", {idx.size(0)});
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = m[i]; });
  Kernel k = compile(p);
  torch::Tensor t1 = torch::zeros({6}),
                idx1 = torch::tensor({1, 4, 1, 5, 4}, torch::kInt64),
                m1 = torch::tensor({10.f, 20.f, 30.f, 40.f, 50.f});
  k(t1, idx1, m1);
  EXPECT_TRUE(torch::equal(t1, torch::tensor({0.f, 30.f, 0.f, 0.f, 50.f, 40.f})));
  // Out of range: IndexError, and the writes before it stay.
  torch::Tensor t2 = torch::zeros({6}), idx2 = torch::tensor({2, 6, 3}, torch::kInt64),
                m2 = torch::tensor({1.f, 2.f, 3.f});
  EXPECT_THROW(k(t2, idx2, m2), IndexError);
  EXPECT_TRUE(torch::equal(t2, torch::tensor({0.f, 0.f, 1.f, 0.f, 0.f, 0.f})));
}

TEST(Torch, RowMajorMultiDimensional) {
  Program p("torch_rows");
  auto r = p.dim("r"), c = p.dim("c");
  auto x = p.input<float, 2>("x", {r, c});
  auto y = p.output<float, 2>("y", {r, c});
  loop(0, r, [&](Var i) {
    auto acc = p.state<float>("acc", 0.0f);
    loop(0, c, [&](Var j) {
      acc += x(i, j);
      y(i, j) = acc;
    });
  });
  Kernel k = compile(p);
  torch::Tensor tx = torch::randn({5, 7}), ty = torch::empty({5, 7});
  k(tx, ty);
  EXPECT_TRUE(torch::allclose(ty, torch::cumsum(tx, 1), 1e-5, 1e-5));
}

TEST(Torch, RefusesWhatCannotBePassedAndNamesTheArgument) {
  Kernel k = runningSum();
  torch::Tensor out = torch::full({4}, 3.0f), keep = out.clone();
  // Wrong dtype (one seqfuse has, but not the declared one).
  std::string e = errorOf([&] { k(torch::zeros({4}, torch::kFloat64), out); });
  EXPECT_NE(e.find("argument 'v'"), std::string::npos) << e;
  EXPECT_NE(e.find("element type f32"), std::string::npos) << e;
  // A dtype seqfuse lacks.
  e = errorOf([&] { k(torch::zeros({4}, torch::kHalf), out); });
  EXPECT_NE(e.find("argument 'v'"), std::string::npos) << e;
  EXPECT_NE(e.find("Half"), std::string::npos) << e;
  // A non-contiguous view: never read through the wrong strides.
  torch::Tensor wide = torch::arange(8, torch::kFloat32);
  torch::Tensor strided = wide.slice(0, 0, 8, 2);
  ASSERT_FALSE(strided.is_contiguous());
  e = errorOf([&] { k(strided, out); });
  EXPECT_NE(e.find("argument 'v'"), std::string::npos) << e;
  EXPECT_NE(e.find("not contiguous"), std::string::npos) << e;
  EXPECT_NE(e.find("strides [2]"), std::string::npos) << e;
  // A transposed output.
  torch::Tensor m = torch::zeros({3, 4}).t();
  Program p("torch_out2");
  auto o2 = p.output<float, 2>("o2");
  loop(0, o2.size(0),
       [&](Var i) { loop(0, o2.size(1), [&](Var j) { o2(i, j) = 1.0f; }); });
  e = errorOf([&] { compile(p)(m); });
  EXPECT_NE(e.find("argument 'o2'"), std::string::npos) << e;
  EXPECT_NE(e.find("not contiguous"), std::string::npos) << e;
  EXPECT_TRUE(torch::equal(m, torch::zeros({4, 3})));
  // Wrong shape.
  e = errorOf([&] { k(torch::zeros({5}), out); });
  EXPECT_NE(e.find("argument 'out'"), std::string::npos) << e;
  // Undefined.
  e = errorOf([&] { k(torch::Tensor(), out); });
  EXPECT_NE(e.find("undefined torch::Tensor"), std::string::npos) << e;
  // An output that requires grad; an input may.
  torch::Tensor g = torch::zeros({4}, torch::requires_grad());
  e = errorOf([&] { k(torch::ones({4}), g); });
  EXPECT_NE(e.find("argument 'out'"), std::string::npos) << e;
  EXPECT_NE(e.find("requires grad"), std::string::npos) << e;
  k(g, out);
  EXPECT_TRUE(torch::equal(out, torch::zeros({4})));
  // Nothing written by a refused call.
  torch::Tensor out2 = keep.clone();
  errorOf([&] { k(strided, out2); });
  EXPECT_TRUE(torch::equal(out2, keep));
}

TEST(Torch, ContiguousSlicesAreTakenAtTheirOffset) {
  Kernel k = runningSum();
  torch::Tensor base = torch::arange(10, torch::kFloat32);
  torch::Tensor tail = base.slice(0, 6, 10); // contiguous, storage offset 6
  ASSERT_TRUE(tail.is_contiguous());
  torch::Tensor out = torch::empty({4});
  k(tail, out);
  EXPECT_TRUE(torch::equal(out, torch::tensor({6.f, 13.f, 21.f, 30.f})));
  // Writing into a slice of a bigger tensor leaves the rest alone.
  torch::Tensor big = torch::zeros({10});
  k(torch::ones({3}), big.slice(0, 2, 5));
  EXPECT_TRUE(torch::equal(
      big, torch::tensor({0.f, 0.f, 1.f, 2.f, 3.f, 0.f, 0.f, 0.f, 0.f, 0.f})));
  // An output overlapping an input (two views of one storage) is refused.
  std::string e = errorOf([&] { k(base.slice(0, 0, 4), base.slice(0, 2, 6)); });
  EXPECT_NE(e.find("overlaps"), std::string::npos) << e;
}

} // namespace
