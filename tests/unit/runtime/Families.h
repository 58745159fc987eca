//===- Families.h - one program per fold family, for the fold tests -*- C++ -*-===//
//
// Every fold family seqfuse raises (monoids signed and unsigned, floats that
// round and that do not, select-by-order, affine, order-2 linear, segmented,
// clamps, compaction counters, reverse), each a small program, shared by the
// CPU's parallel-fold tests and the GPU kernels' tests.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_TESTS_FAMILIES_H
#define SEQFUSE_TESTS_FAMILIES_H

#include <seqfuse/seqfuse.h>

#include <functional>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace seqfuse::testing {

struct Family {
  const char *name;
  bool reassociates; ///< its combiner rounds floats
  std::function<void(Program &)> build;
  bool checks = false; ///< checked mode checks an index in it (it keeps its loop)
};

inline std::vector<Family> families() {
  return {
      {"sum_i32", false,
       [](Program &p) { // wraps like the loop
         auto k = p.input<int32_t>("k");
         auto out = p.output<int32_t>("out", {k.size(0)});
         auto acc = p.state<int32_t>("acc", 7);
         loop(0, k.size(0), [&](Var i) {
           acc += k[i];
           out[i] = acc;
         });
       }},
      {"cumsum_f32", true,
       [](Program &p) {
         auto v = p.input<float>("v");
         auto out = p.output<float>("out", {v.size(0)});
         auto acc = p.state<float>("acc", 0.0f);
         loop(0, v.size(0), [&](Var i) {
           acc += v[i];
           out[i] = acc;
         });
       }},
      {"exclusive_f64", true,
       [](Program &p) {
         auto v = p.input<double>("v");
         auto out = p.output<double>("out", {v.size(0)});
         auto acc = p.state<double>("acc", 1.0);
         loop(0, v.size(0), [&](Var i) {
           out[i] = acc;
           acc += v[i] * 0.5;
         });
       }},
      {"product_and_bits_i64", false,
       [](Program &p) {
         auto k = p.input<int64_t>("k");
         auto res = p.output<int64_t>("res", {4});
         auto prod = p.state<int64_t>("prod", 1);
         auto x = p.state<int64_t>("x", 0);
         auto a = p.state<int64_t>("a", -1);
         auto o = p.state<int64_t>("o", 0);
         loop(0, k.size(0), [&](Var i) {
           prod *= k[i] | 1;
           x = x ^ k[i];
           a = a & (k[i] + 1000);
           o = o | k[i];
         });
         res[0] = prod;
         res[1] = x;
         res[2] = a;
         res[3] = o;
       }},
      {"dot_f32", true,
       [](Program &p) { // a float reduction: lanes of partial sums below the cutoff
         auto x = p.input<float>("x");
         auto y = p.input<float>("y", {x.size(0)});
         auto res = p.output<float>("res", {1});
         auto acc = p.state<float>("acc", 0.5f);
         loop(0, x.size(0), [&](Var i) { acc += x[i] * y[i]; });
         res[0] = acc;
       }},
      {"min_max_f32", false,
       [](Program &p) { // IEEE minimum / maximum: exact in any grouping, NaN wins
         auto x = p.input<float>("x");
         auto res = p.output<float>("res", {2});
         auto lo = p.state<float>("lo", 1e30f);
         auto hi = p.state<float>("hi", -1e30f);
         loop(0, x.size(0), [&](Var i) {
           lo = min(lo, x[i]);
           hi = max(hi, x[i]);
         });
         res[0] = lo;
         res[1] = hi;
       }},
      {"running_max_f32", false,
       [](Program &p) {
         auto v = p.input<float>("v");
         auto out = p.output<float>("out", {v.size(0)});
         auto m = p.state<float>("m", -std::numeric_limits<float>::infinity());
         loop(0, v.size(0), [&](Var i) {
           m = max(m, v[i]);
           out[i] = m;
         });
       }},
      {"argmin_argmax", false,
       [](Program &p) { // float keys (NaN, inf) and int keys with ties
         auto v = p.input<float>("v");
         auto k = p.input<int32_t>("k", {v.size(0)});
         auto res = p.output<int64_t>("res", {4});
         auto best = p.state<float>("best", std::numeric_limits<float>::infinity());
         auto at = p.state<Index>("at", -1);
         auto big = p.state<int32_t>("big", std::numeric_limits<int32_t>::min());
         auto bigAt = p.state<Index>("bigAt", -1);
         loop(0, v.size(0), [&](Var i) {
           if_(v[i] < best, [&] {
             best = v[i];
             at = i;
           });
           if_(k[i] >= big, [&] {
             big = k[i];
             bigAt = i;
           });
         });
         res[0] = cast<int64_t>(at);
         res[1] = cast<int64_t>(bigAt);
         res[2] = cast<int64_t>(big);
         res[3] = cast<int64_t>(best);
       }},
      {"affine_i32", false,
       [](Program &p) {
         auto a = p.input<int32_t>("a");
         auto b = p.input<int32_t>("b", {a.size(0)});
         auto out = p.output<int32_t>("out", {a.size(0)});
         auto x = p.state<int32_t>("x", 3);
         loop(0, a.size(0), [&](Var i) {
           x = a[i] * x + b[i];
           out[i] = x;
         });
       }},
      {"affine_f64", true,
       [](Program &p) {
         auto a = p.input<double>("a");
         auto b = p.input<double>("b", {a.size(0)});
         auto out = p.output<double>("out", {a.size(0)});
         auto x = p.state<double>("x", 0.0);
         loop(0, a.size(0), [&](Var i) {
           x = a[i] * 0.25 * x + b[i];
           out[i] = x;
         });
       }},
      {"order2_f64", true,
       [](Program &p) {
         auto x = p.inout<double>("x");
         auto c = p.input<double>("c", {x.size(0)});
         loop(2, x.size(0),
              [&](Var i) { x[i] = 0.5 * x[i - 1] - 0.25 * x[i - 2] + c[i]; });
       }},
      {"segmented_max_f32", false,
       [](Program &p) {
         auto v = p.input<float>("v");
         auto start = p.input<bool>("start", {v.size(0)});
         auto out = p.output<float>("out", {v.size(0)});
         auto m = p.state<float>("m", 0.0f);
         loop(0, v.size(0), [&](Var i) {
           m = select(start[i], v[i], max(m, v[i]));
           out[i] = m;
         });
       }},
      {"reset_sum_i64", false,
       [](Program &p) {
         auto k = p.input<int64_t>("k");
         auto out = p.output<int64_t>("out", {k.size(0)});
         auto acc = p.state<int64_t>("acc", 0);
         loop(0, k.size(0), [&](Var i) {
           acc += k[i];
           if_(k[i] > 900, [&] { acc = 0; });
           out[i] = acc;
         });
       }},
      {"kadane_f32", true,
       [](Program &p) {
         auto v = p.input<float>("v");
         auto out = p.output<float>("out", {v.size(0)});
         auto x = p.state<float>("x", 0.0f);
         loop(0, v.size(0), [&](Var i) {
           x = max(x + v[i], 0.0f);
           out[i] = x;
         });
       }},
      {"compaction_i32", false,
       [](Program &p) {
         auto v = p.input<float>("v");
         auto out = p.output<float>("out", {v.size(0)});
         auto count = p.output<int64_t>("count", {1});
         auto k = p.state<int32_t>("k", 0);
         loop(0, v.size(0), [&](Var i) {
           if_(v[i] > 0.0f, [&] {
             out[k] = v[i];
             k = k + 1;
           });
         });
         count[0] = cast<int64_t>(k);
       },
       /*checks=*/true}, // out[k]: k is a state
      {"masked_max_from_1_f32", false,
       [](Program
              &p) { // from 1: lanes not aligned to 0; a bool and an int in the element
         auto c = p.input<bool>("c");
         auto k = p.input<int64_t>("k", {c.size(0)});
         auto out = p.output<float>("out", {c.size(0)});
         auto m = p.state<float>("m", -std::numeric_limits<float>::infinity());
         loop(1, c.size(0), [&](Var i) {
           m = max(m, select(c[i], cast<float>(k[i]), -1.5f));
           out[i] = m;
         });
       }},
      {"quotient_sum_i64", false,
       [](Program &p) { // a division in the element: kept scalar, per lane
         auto k = p.input<int64_t>("k");
         auto out = p.output<int64_t>("out", {k.size(0)});
         auto acc = p.state<int64_t>("acc", 0);
         loop(0, k.size(0), [&](Var i) {
           acc += k[i] / 3 - k[i] % 5;
           out[i] = acc;
         });
       }},
      {"suffix_sum_i64", false,
       [](Program &p) {
         auto k = p.input<int64_t>("k");
         auto out = p.output<int64_t>("out", {k.size(0)});
         auto acc = p.state<int64_t>("acc", 0);
         loopReverse(0, k.size(0), [&](Var i) {
           acc += k[i];
           out[i] = acc;
         });
       }},
      {"suffix_product_f32", true,
       [](Program &p) { // a reversed vector load per step, and floats that round
         auto v = p.input<float>("v");
         auto out = p.output<float>("out", {v.size(0)});
         auto acc = p.state<float>("acc", 1.0f);
         loopReverse(0, v.size(0), [&](Var i) {
           acc = acc * v[i];
           out[i] = acc;
         });
       }},
  };
}

inline Program make(const Family &f) {
  Program p(f.name);
  f.build(p);
  return p;
}

/// The family of that name.
inline const Family &family(std::string_view name) {
  static const std::vector<Family> all = families();
  for (const Family &f : all)
    if (f.name == name)
      return f;
  throw std::invalid_argument("no family " + std::string(name));
}

} // namespace seqfuse::testing

#endif // SEQFUSE_TESTS_FAMILIES_H
