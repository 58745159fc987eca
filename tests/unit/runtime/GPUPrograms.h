//===- GPUPrograms.h - programs for the GPU tests and bundle -----*- C++ -*-===//
//
// A map, a batched scan, a last-writer-wins scatter, histograms, a checked
// gather and a three-loop chain: with the fold families (Families.h), the
// programs the GPU tests run on the CPU twin and the GPU bundle
// (tests/gpu/gpu_bundle.cpp) saves for scripts/gpu-check.sh.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_TESTS_GPUPROGRAMS_H
#define SEQFUSE_TESTS_GPUPROGRAMS_H

#include <seqfuse/seqfuse.h>

namespace seqfuse::testing {

inline Program mapProgram() {
  Program p("gpu_map");
  auto x = p.input<float>("x");
  auto y = p.inout<float>("y", {x.size(0)});
  auto a = p.param<float>("a");
  loop(0, x.size(0), [&](Var i) {
    if_(x[i] > 0.0f, [&] { y[i] = a * x[i] + y[i]; }).else_([&] { y[i] = -y[i]; });
  });
  return p;
}

inline Program batchedScanProgram() { // (B, L): a map over rows, each a scan
  Program p("gpu_rows");
  auto v = p.input<float, 2>("v");
  auto out = p.output<float, 2>("out", {v.size(0), v.size(1)});
  loop(0, v.size(0), [&](Var b) {
    auto s = p.state<float>("s", 0.0f);
    loop(0, v.size(1), [&](Var l) {
      s = s * 0.5f + v(b, l);
      out(b, l) = s;
    });
  });
  return p;
}

inline Program scatterProgram() { // last writer wins, with duplicates
  Program p("gpu_scatter");
  auto idx = p.input<int64_t>("idx");
  auto v = p.input<float>("v", {idx.size(0)});
  auto t = p.inout<float>("t");
  loop(0, idx.size(0), [&](Var i) { t[idx[i]] = v[i] * 2.0f; });
  return p;
}

inline Program histogramProgram() { // integer counts and a float maximum: atomics, exact
  Program p("gpu_hist");
  auto bin = p.input<int32_t>("bin");
  auto w = p.input<float>("w", {bin.size(0)});
  auto counts = p.inout<int64_t>("counts", {p.dim("m")});
  auto top = p.inout<float>("top", {counts.size(0)});
  loop(0, bin.size(0), [&](Var i) {
    counts[bin[i]] += 1;
    top[bin[i]].maxWith(w[i]);
  });
  return p;
}

inline Program floatHistogramProgram() { // float +: reassociated in a fixed order
  Program p("gpu_fhist");
  auto bin = p.input<int32_t>("bin");
  auto w = p.input<float>("w", {bin.size(0)});
  auto h = p.inout<float>("h");
  loop(0, bin.size(0), [&](Var i) { h[bin[i]] += w[i]; });
  return p;
}

inline Program gatherScanProgram() { // checked: a gather that can fail
  Program p("gpu_gather");
  auto v = p.input<int64_t>("v");
  auto idx = p.input<int64_t>("idx");
  auto out = p.output<int64_t>("out", {idx.size(0)});
  auto acc = p.state<int64_t>("acc", 0);
  loop(0, idx.size(0), [&](Var i) {
    acc += v[idx[i]];
    out[i] = acc;
  });
  return p;
}

inline Program chainProgram() { // map -> scan -> scatter, separate loops
  Program p("gpu_chain");
  auto x = p.input<float>("x");
  auto idx = p.input<int32_t>("idx", {x.size(0)});
  auto m = p.output<float>("m", {x.size(0)});
  auto s = p.output<float>("s", {x.size(0)});
  auto t = p.inout<float>("t");
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, x.size(0), [&](Var i) { m[i] = x[i] * 1.5f; });
  loop(0, x.size(0), [&](Var i) {
    acc += m[i];
    s[i] = acc;
  });
  loop(0, x.size(0), [&](Var i) { t[idx[i]] = s[i]; });
  return p;
}

} // namespace seqfuse::testing

#endif // SEQFUSE_TESTS_GPUPROGRAMS_H
