//===- ProgramGen.cpp - random seqfuse programs and their inputs ----------===//
#include "ProgramGen.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace seqfuse;
using namespace seqfuse::fuzz;
using seqfuse::testing::Buffer;

const char *seqfuse::fuzz::familyName(Family f) {
  static const char *names[] = {
      "map",          "masked-map",  "reduction",          "argbest",   "scan",
      "memory-scan",  "affine",      "conditional-affine", "segmented", "order2",
      "compaction",   "scatter",     "histogram",          "nonlinear", "state-condition",
      "indirect-raw", "index-alias", "nested-2d",          "reverse",   "int-division"};
  static_assert(sizeof(names) / sizeof(names[0]) == static_cast<int>(Family::kCount));
  return names[static_cast<int>(f)];
}

namespace {

/// The signature every fuzz program shares (argument order = member order).
struct Sig {
  Program &p;
  Size n, s, w;
  Tensor<float, 1> fa, fb, fx, fy, t, ht;
  Tensor<double, 1> da, dx;
  Tensor<int32_t, 1> ka, kx;
  Tensor<int64_t, 1> idx, idx2, lx, h;
  Tensor<bool, 1> c;
  Tensor<float, 2> m;
  Expr<float> alpha;
  Expr<double> beta;
  Expr<int32_t> kk;

  explicit Sig(Program &prog)
      : p(prog), n(prog.dim("n")), s(prog.dim("s")), w(prog.dim("w")),
        fa(prog.input<float>("fa", {n})), fb(prog.input<float>("fb", {n})),
        fx(prog.inout<float>("fx", {n})), fy(prog.inout<float>("fy", {n})),
        t(prog.inout<float>("t", {s})), ht(prog.inout<float>("ht", {s})),
        da(prog.input<double>("da", {n})), dx(prog.inout<double>("dx", {n})),
        ka(prog.input<int32_t>("ka", {n})), kx(prog.inout<int32_t>("kx", {n})),
        idx(prog.input<int64_t>("idx", {n})), idx2(prog.input<int64_t>("idx2", {n})),
        lx(prog.inout<int64_t>("lx", {n})), h(prog.inout<int64_t>("h", {s})),
        c(prog.input<bool>("c", {n})), m(prog.inout<float, 2>("m", {n, w})),
        alpha(prog.param<float>("alpha")), beta(prog.param<double>("beta")),
        kk(prog.param<int32_t>("kk")) {}
};

struct Gen {
  std::mt19937_64 rng;
  Sig &s;
  int pick(int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }
};

template <class T> Expr<T> constantOf(Gen &g) {
  if constexpr (isFloat<T>) {
    static const double v[] = {0.0,
                               -0.0,
                               1.0,
                               -1.0,
                               0.5,
                               2.0,
                               -3.25,
                               1e-40,
                               3e38,
                               std::numeric_limits<double>::infinity(),
                               std::numeric_limits<double>::quiet_NaN(),
                               0.1};
    return constant<T>(static_cast<T>(v[g.pick(std::size(v))]));
  } else if constexpr (std::is_same_v<T, bool>) {
    return constant<bool>(g.chance(0.5));
  } else {
    static const int64_t v[] = {0,
                                1,
                                -1,
                                2,
                                3,
                                7,
                                -100,
                                1 << 20,
                                std::numeric_limits<int32_t>::max(),
                                std::numeric_limits<int32_t>::min()};
    return constant<T>(static_cast<T>(v[g.pick(std::size(v))]));
  }
}

template <class T> Expr<T> leaf(Gen &g, const Expr<Index> &i) {
  Sig &s = g.s;
  if (g.chance(0.15))
    return constantOf<T>(g);
  if constexpr (std::is_same_v<T, float>) {
    switch (g.pick(6)) {
    case 0:
      return s.fa[i];
    case 1:
      return s.fb[i];
    case 2:
      return s.fx[i];
    case 3:
      return s.fy[i];
    case 4:
      return s.alpha;
    default:
      return cast<float>(s.ka[i]);
    }
  } else if constexpr (std::is_same_v<T, double>) {
    switch (g.pick(4)) {
    case 0:
      return s.da[i];
    case 1:
      return s.dx[i];
    case 2:
      return s.beta;
    default:
      return cast<double>(s.fa[i]);
    }
  } else if constexpr (std::is_same_v<T, int32_t>) {
    switch (g.pick(4)) {
    case 0:
      return s.ka[i];
    case 1:
      return s.kx[i];
    case 2:
      return s.kk;
    default:
      return cast<int32_t>(i);
    }
  } else if constexpr (std::is_same_v<T, int64_t>) {
    switch (g.pick(3)) {
    case 0:
      return s.lx[i];
    case 1:
      return s.idx[i];
    default:
      return cast<int64_t>(s.ka[i]);
    }
  } else {
    switch (g.pick(3)) {
    case 0:
      return s.c[i];
    case 1:
      return s.fa[i] > s.fb[i];
    default:
      return s.ka[i] < 0;
    }
  }
}

template <class T> Expr<T> expr(Gen &g, const Expr<Index> &i, int depth);

template <class T> Expr<T> castFromOther(Gen &g, const Expr<Index> &i, int depth) {
  switch (g.pick(4)) {
  case 0:
    return cast<T>(expr<float>(g, i, depth));
  case 1:
    return cast<T>(expr<double>(g, i, depth));
  case 2:
    return cast<T>(expr<int32_t>(g, i, depth));
  default:
    return cast<T>(expr<int64_t>(g, i, depth));
  }
}

template <class T> Expr<T> expr(Gen &g, const Expr<Index> &i, int depth) {
  if (depth <= 0 || g.chance(0.3))
    return leaf<T>(g, i);
  int d = depth - 1;
  if constexpr (std::is_same_v<T, bool>) {
    switch (g.pick(6)) {
    case 0:
      return expr<float>(g, i, d) < expr<float>(g, i, d);
    case 1:
      return expr<double>(g, i, d) >= expr<double>(g, i, d);
    case 2:
      return expr<int32_t>(g, i, d) == expr<int32_t>(g, i, d);
    case 3:
      return expr<bool>(g, i, d) && expr<bool>(g, i, d);
    case 4:
      return !expr<bool>(g, i, d);
    default:
      return expr<float>(g, i, d) != expr<float>(g, i, d); // NaN test
    }
  } else {
    switch (g.pick(10)) {
    case 0:
      return expr<T>(g, i, d) + expr<T>(g, i, d);
    case 1:
      return expr<T>(g, i, d) - expr<T>(g, i, d);
    case 2:
      return expr<T>(g, i, d) * expr<T>(g, i, d);
    case 3:
      return min(expr<T>(g, i, d), expr<T>(g, i, d));
    case 4:
      return max(expr<T>(g, i, d), expr<T>(g, i, d));
    case 5:
      return abs(expr<T>(g, i, d));
    case 6:
      return select(expr<bool>(g, i, d), expr<T>(g, i, d), expr<T>(g, i, d));
    case 7:
      if constexpr (isFloat<T>)
        return expr<T>(g, i, d) / expr<T>(g, i, d);
      else // divisor in [1, 8]: no zero here (IntDivision covers zero)
        return expr<T>(g, i, d) / ((expr<T>(g, i, d) & 7) + 1);
    case 8:
      if constexpr (isFloat<T>) {
        switch (g.pick(5)) {
        case 0:
          return sqrt(expr<T>(g, i, d));
        case 1:
          return exp(expr<T>(g, i, d));
        case 2:
          return log(expr<T>(g, i, d));
        case 3:
          return tanh(expr<T>(g, i, d));
        default:
          return pow(expr<T>(g, i, d), constant<T>(2.5));
        }
      } else {
        switch (g.pick(3)) {
        case 0:
          return expr<T>(g, i, d) ^ expr<T>(g, i, d);
        case 1:
          return expr<T>(g, i, d) & expr<T>(g, i, d);
        default:
          return expr<T>(g, i, d) | expr<T>(g, i, d);
        }
      }
    default:
      return castFromOther<T>(g, i, d);
    }
  }
}

/// Combines a state with a value by one of the monoid operators.
template <class T> Expr<T> combine(Gen &g, const Expr<T> &a, const Expr<T> &b) {
  int ops = std::is_same_v<T, float> || std::is_same_v<T, double> ? 4 : 7;
  switch (g.pick(ops)) {
  case 0:
    return a + b;
  case 1:
    return a * b;
  case 2:
    return min(a, b);
  case 3:
    return max(a, b);
  case 4:
    if constexpr (!isFloat<T>)
      return a & b;
    [[fallthrough]];
  case 5:
    if constexpr (!isFloat<T>)
      return a | b;
    [[fallthrough]];
  default:
    if constexpr (!isFloat<T>)
      return a ^ b;
    return a + b;
  }
}

/// A typed output column of size n.
template <class T> Tensor<T, 1> &outOf(Gen &g) {
  Sig &s = g.s;
  if constexpr (std::is_same_v<T, float>)
    return g.chance(0.5) ? s.fx : s.fy;
  else if constexpr (std::is_same_v<T, double>)
    return s.dx;
  else if constexpr (std::is_same_v<T, int32_t>)
    return s.kx;
  else
    return s.lx;
}

template <class T> void reductionOrScan(Gen &g, bool scan, bool exclusive) {
  Sig &s = g.s;
  // Sometimes into a fixed element (t[0], t[kk]: carried in a register).
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, int64_t>) {
    if (g.chance(0.4)) {
      auto &cells = [&]() -> Tensor<T, 1> & {
        if constexpr (std::is_same_v<T, float>)
          return g.chance(0.5) ? s.t : s.ht;
        else
          return s.h;
      }();
      auto &out = outOf<T>(g);
      bool param = g.chance(0.3), guarded = g.chance(0.3);
      loop(0, s.n, [&](Var i) {
        auto cell = param ? cells[cast<Index>(s.kk)] : cells[0];
        auto v = expr<T>(g, i, 2);
        if (scan && exclusive)
          out[i] = cell;
        if (guarded)
          if_(s.c[i], [&] { cell = combine<T>(g, cell, v); });
        else
          cell = combine<T>(g, cell, v);
        if (scan && !exclusive)
          out[i] = cell;
      });
      return;
    }
  }
  auto acc = s.p.state<T>("acc", expr<T>(g, constant<Index>(0), 0));
  auto &out = outOf<T>(g);
  loop(0, s.n, [&](Var i) {
    auto v = expr<T>(g, i, 2);
    if (scan && exclusive)
      out[i] = acc;
    acc = combine<T>(g, acc, v);
    if (scan && !exclusive)
      out[i] = acc;
  });
  if (!scan)
    out[0] = acc; // n = 0: IndexError, the same on every target
}

template <class T> void memoryScan(Gen &g) {
  auto &x = outOf<T>(g);
  loop(1, g.s.n, [&](Var i) { x[i] = combine<T>(g, x[i - 1], expr<T>(g, i, 2)); });
}

void buildSlot(Gen &g, Family f) {
  Sig &s = g.s;
  int ty = g.pick(4); // float, double, int32, int64
  switch (f) {
  case Family::Map:
    loop(0, s.n, [&](Var i) {
      switch (ty) {
      case 0:
        outOf<float>(g)[i] = expr<float>(g, i, 3);
        break;
      case 1:
        s.dx[i] = expr<double>(g, i, 3);
        break;
      case 2:
        s.kx[i] = expr<int32_t>(g, i, 3);
        break;
      default:
        s.lx[i] = expr<int64_t>(g, i, 3);
        break;
      }
    });
    return;
  case Family::MaskedMap:
    loop(0, s.n, [&](Var i) {
      if_(expr<bool>(g, i, 2), [&] { s.fx[i] = expr<float>(g, i, 2); }).else_([&] {
        if (g.chance(0.5))
          s.fy[i] = expr<float>(g, i, 2);
      });
    });
    return;
  case Family::Reduction:
  case Family::Scan: {
    bool scan = f == Family::Scan, excl = g.chance(0.3);
    switch (ty) {
    case 0:
      reductionOrScan<float>(g, scan, excl);
      break;
    case 1:
      reductionOrScan<double>(g, scan, excl);
      break;
    case 2:
      reductionOrScan<int32_t>(g, scan, excl);
      break;
    default:
      reductionOrScan<int64_t>(g, scan, excl);
      break;
    }
    return;
  }
  case Family::ArgBest: {
    auto best = s.p.state<float>("best", std::numeric_limits<float>::infinity());
    auto at = s.p.state<Index>("at", -1);
    bool strict = g.chance(0.7);
    loop(0, s.n, [&](Var i) {
      auto v = expr<float>(g, i, 1);
      if_(strict ? v < best : v <= best, [&] {
        best = v;
        at = i;
      });
    });
    s.lx[0] = cast<int64_t>(at);
    s.fx[0] = best;
    return;
  }
  case Family::MemoryScan:
    switch (ty) {
    case 0:
      memoryScan<float>(g);
      break;
    case 1:
      memoryScan<double>(g);
      break;
    case 2:
      memoryScan<int32_t>(g);
      break;
    default:
      memoryScan<int64_t>(g);
      break;
    }
    return;
  case Family::Affine:
    if (g.chance(0.5)) {
      loop(1, s.n,
           [&](Var i) { s.dx[i] = s.da[i] * s.dx[i - 1] + expr<double>(g, i, 2); });
    } else {
      auto x = s.p.state<float>("x", expr<float>(g, constant<Index>(0), 0));
      int shape = g.pick(8);
      loop(0, s.n, [&](Var i) {
        switch (shape) {
        case 0:
          x = s.alpha * x + (1.0f - s.alpha) * s.fa[i]; // EMA
          break;
        case 1:
          x = expr<float>(g, i, 1) * x + expr<float>(g, i, 1);
          break;
        case 2: // linear in x, other shapes (a linear fold with a step)
          x = x + s.alpha * (expr<float>(g, i, 1) - x);
          break;
        case 3:
          x = (x + expr<float>(g, i, 1)) * expr<float>(g, i, 1) - x / s.alpha;
          break;
        case 4:
          x = select(s.c[i], -x, x * s.fb[i]) + s.fa[i];
          break;
        case 5: // add-then-clamp: max-plus (Kadane's running sum and the like)
          x = max(x + expr<float>(g, i, 1), expr<float>(g, i, 1));
          break;
        case 6: // a clamp after a subtraction
          x = min(max(x - expr<float>(g, i, 1), -s.alpha), expr<float>(g, i, 1));
          break;
        default: // a guarded min-plus update
          if_(s.c[i], [&] { x = min(x + s.fa[i], s.fb[i]); });
          break;
        }
        s.fy[i] = x;
      });
    }
    return;
  case Family::ConditionalAffine: {
    auto x = s.p.state<double>("x", 0.0);
    loop(0, s.n, [&](Var i) {
      if_(s.c[i], [&] { x = s.da[i] * x + expr<double>(g, i, 1); });
      s.dx[i] = x;
    });
    return;
  }
  case Family::Segmented: {
    // x = c ? v : x ⊕ w, integers (affine with a = 0) or floats (a (flag,
    // value) scan), any monoid, sometimes with a third "keep" branch.
    int op = g.pick(4);
    auto combine = [&](auto x, auto v) {
      return op == 0 ? x + v : op == 1 ? x * v : op == 2 ? max(x, v) : min(v, x);
    };
    auto body = [&](auto x, auto v, auto w, auto out, Var i) {
      int form = g.pick(3);
      if (form == 0) {
        x = select(s.c[i], v, combine(x, w));
      } else if (form == 1) {
        if_(s.c[i], [&] { x = v; }).else_([&] { x = combine(x, w); });
      } else {
        if_(s.c[i], [&] { x = v; }).else_([&] {
          if_(w > v, [&] { x = combine(x, w); });
        });
      }
      out[i] = x;
    };
    if (g.chance(0.5)) {
      auto x = s.p.state<int64_t>("x", 0);
      loop(0, s.n, [&](Var i) {
        body(x, expr<int64_t>(g, i, 1), expr<int64_t>(g, i, 1), s.lx, i);
      });
    } else {
      auto x = s.p.state<double>("x", 0.0);
      loop(0, s.n, [&](Var i) {
        body(x, expr<double>(g, i, 1), expr<double>(g, i, 1), s.dx, i);
      });
    }
    return;
  }
  case Family::Order2: {
    int order = 2 + g.pick(3);
    loop(order, s.n, [&](Var i) {
      Expr<float> sum = s.fa[i];
      for (int k = 1; k <= order; ++k)
        sum = sum + constantOf<float>(g) * s.fx[i - k];
      s.fx[i] = sum;
    });
    return;
  }
  case Family::Compaction: {
    // The counter is an Index, an int32_t or an int64_t state.
    auto compact = [&](auto k) {
      loop(0, s.n, [&](Var i) {
        if_(expr<bool>(g, i, 1), [&] {
          s.fy[k] = s.fa[i];
          k += 1;
        });
      });
      s.h[0] = cast<int64_t>(k);
    };
    switch (g.pick(3)) {
    case 0:
      compact(s.p.state<Index>("k", 0));
      break;
    case 1:
      compact(s.p.state<int32_t>("k", 0));
      break;
    default:
      compact(s.p.state<int64_t>("k", 0));
      break;
    }
    return;
  }
  case Family::Scatter:
    loop(0, s.n, [&](Var i) { s.t[s.idx[i]] = expr<float>(g, i, 2); });
    return;
  case Family::Histogram:
    loop(0, s.n, [&](Var i) {
      switch (g.pick(4)) {
      case 0:
        s.h[s.idx[i]] += 1;
        break;
      case 1:
        s.ht[s.idx[i]] += s.fa[i];
        break;
      case 2:
        s.ht[s.idx[i]].maxWith(expr<float>(g, i, 1));
        break;
      default:
        s.h[s.idx[i]] ^= cast<int64_t>(s.ka[i]);
        break;
      }
    });
    return;
  case Family::NonLinear: {
    auto x = s.p.state<double>("x", s.beta);
    loop(0, s.n, [&](Var i) {
      x = x * x + s.da[i] * 0.25;
      s.dx[i] = x;
    });
    return;
  }
  case Family::StateCondition: {
    int k0 = g.pick(4);
    loop(0, s.n, [&](Var i) {
      if_(s.fx[min(s.n - 1, k0)] >= constantOf<float>(g), [&] { s.fx[i] += s.fa[i]; });
    });
    return;
  }
  case Family::IndirectRAW:
    loop(0, s.n, [&](Var i) { s.t[s.idx[i]] = s.t[s.idx2[i]] + 1.0f; });
    return;
  case Family::IndexAlias:
    loop(0, s.n, [&](Var i) { s.fx[s.idx[i]] = s.fx[i] * 0.5f + s.fa[s.idx2[i]]; });
    return;
  case Family::Nested2D:
    loop(0, s.n, [&](Var i) {
      if (g.chance(0.5)) {
        auto row = s.p.state<float>("row", 0.0f);
        loop(0, s.w, [&](Var j) {
          row += s.m(i, j);
          s.m(i, j) = row;
        });
        s.fy[i] = row;
      } else {
        loop(1, s.w, [&](Var j) { s.m(i, j) = s.m(i, j - 1) * s.alpha + s.fa[i]; });
      }
    });
    return;
  case Family::Reverse:
    if (g.chance(0.5)) {
      loopReverse(0, s.n - 1, [&](Var i) { s.fx[i] = s.fx[i + 1] * 0.5f + s.fa[i]; });
    } else {
      auto acc = s.p.state<int32_t>("acc", 0);
      loopReverse(0, s.n, [&](Var i) {
        acc = combine<int32_t>(g, acc, s.ka[i]);
        s.kx[i] = acc;
      });
    }
    return;
  case Family::IntDivision:
    loop(0, s.n, [&](Var i) {
      if (g.chance(0.5))
        s.kx[i] = s.ka[i] / s.kx[i];
      else
        s.lx[i] = s.lx[i] % cast<int64_t>(s.ka[i]);
    });
    return;
  case Family::kCount:
    return;
  }
}

uint64_t mix(uint64_t x) { // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

int countStatements(const ast::Block &b) {
  int n = 0;
  for (const auto &s : b.stmts) {
    ++n;
    if (s.body)
      n += countStatements(*s.body);
    if (s.elseBody)
      n += countStatements(*s.elseBody);
  }
  return n;
}

} // namespace

int seqfuse::fuzz::slotCount(uint64_t seed) {
  return 1 + static_cast<int>(mix(seed) % 4);
}

GeneratedProgram seqfuse::fuzz::generateProgram(uint64_t seed,
                                                const std::vector<int> *keep) {
  GeneratedProgram out;
  out.program = std::make_unique<Program>("fuzz" + std::to_string(seed));
  Sig sig(*out.program);
  int slots = slotCount(seed);
  for (int k = 0; k < slots; ++k) {
    if (keep && std::find(keep->begin(), keep->end(), k) == keep->end())
      continue;
    Gen g{std::mt19937_64(mix(seed * 1000003 + k)), sig};
    auto f = static_cast<Family>(g.pick(static_cast<int>(Family::kCount)));
    buildSlot(g, f);
    out.families.push_back(f);
  }
  out.statements = countStatements(*out.program->data().body);
  return out;
}

//===----------------------------------------------------------------------===//
// Arguments
//===----------------------------------------------------------------------===//

std::vector<Buffer> seqfuse::fuzz::generateArgs(const ast::ProgramData &p,
                                                uint64_t seed) {
  std::mt19937_64 rng(mix(seed ^ 0x5eedULL));
  auto u01 = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  static const int64_t nSizes[] = {0,  1,  2,  3,  5,   7,   8,   13,  16,   17,   31,
                                   32, 33, 64, 97, 127, 128, 129, 255, 1000, 1021, 4097};
  int64_t n = u01() < 0.01 ? 65537 : nSizes[rng() % std::size(nSizes)];
  static const int64_t sSizes[] = {0, 1, 2, 3, 5, 8, 16, 17, 100};
  int64_t s = sSizes[rng() % std::size(sSizes)];
  int64_t w = 1 + static_cast<int64_t>(rng() % 5);

  testing::GenOptions o;
  o.fixedSizes = {{"n", n}, {"s", s}, {"w", w}};
  o.sizes = {n};
  o.specialProb = 0.03;
  o.floatLo = -2;
  o.floatHi = 2;
  o.intLo = -100;
  o.intHi = 100;
  int idxMode = static_cast<int>(rng() % 5);
  int64_t dupValue = s > 0 ? static_cast<int64_t>(rng() % s) : 0;
  auto indexFill = [&](Buffer &b, std::mt19937_64 &r) {
    int64_t *v = b.as<int64_t>();
    int64_t len = b.elems();
    for (int64_t i = 0; i < len; ++i) {
      int64_t hi = std::max<int64_t>(s, 1);
      switch (idxMode) {
      case 0:
        v[i] = dupValue;
        break; // all equal
      case 1:
        v[i] = (i * hi) / std::max<int64_t>(len, 1);
        break; // sorted
      case 2:
        v[i] = hi - 1 - (i * hi) / std::max<int64_t>(len, 1);
        break;
      case 3:
        v[i] = static_cast<int64_t>(r() % std::min<int64_t>(hi, 3));
        break;
      default:
        v[i] = static_cast<int64_t>(r() % hi);
        break;
      }
    }
    if (len > 0 && u01() < 0.08) // sometimes out of range
      v[r() % len] = (r() & 1) ? -1 : s + static_cast<int64_t>(r() % 3);
  };
  o.fill["idx"] = indexFill;
  o.fill["idx2"] = indexFill;
  auto intFill = [&](Buffer &b, std::mt19937_64 &r) {
    int64_t len = b.isTensor ? b.elems() : 1;
    for (int64_t i = 0; i < len; ++i) {
      int64_t v = static_cast<int64_t>(r() % 201) - 100;
      if (u01() < 0.05)
        v = (r() & 1)
                ? std::numeric_limits<int32_t>::max() - static_cast<int64_t>(r() % 3)
                : std::numeric_limits<int32_t>::min() + static_cast<int64_t>(r() % 3);
      if (b.type == DType::I32)
        b.as<int32_t>()[i] = static_cast<int32_t>(v);
      else
        b.as<int64_t>()[i] = u01() < 0.03 ? std::numeric_limits<int64_t>::max() : v;
    }
  };
  for (const char *name : {"ka", "kx", "lx", "h", "kk"})
    o.fill[name] = intFill;
  std::mt19937_64 bufRng(mix(seed));
  return testing::generate(p, o, bufRng);
}

Options seqfuse::fuzz::jitOptions(const Program &p) {
  static const int threadCounts[] = {1, 2, 4, 7};
  uint64_t h = std::hash<std::string>()(p.data().name);
  return Options{.numThreads = threadCounts[mix(h) % std::size(threadCounts)]};
}

seqfuse::testing::GenOptions seqfuse::fuzz::gpuKnobsFor(const Program &p) {
  seqfuse::testing::GenOptions g;
  g.gpuTile = "32x1x1";
  g.lookbackStress = mix(std::hash<std::string>()(p.data().name) + 1) % 2 == 0;
  return g;
}

std::optional<Mismatch> seqfuse::fuzz::compareTargets(const Program &p, uint64_t argSeed,
                                                      bool *raisedError, Target target) {
  Kernel interp = compile(p, Target::interpreter());
  testing::ParallelChunk chunk(kFuzzChunk);
  testing::GenOptions knobs = gpuKnobsFor(p);
  testing::GPUKnobs gpu(knobs);
  Options o = jitOptions(p);
  Kernel jit = compile(p, target, o);
  o.checked = false;
  o.strictFP = true;
  Kernel fast = compile(p, target, o);
  std::vector<Buffer> args = generateArgs(p.data(), argSeed);
  testing::Outcome want = testing::runOn(interp, args);
  if (raisedError)
    *raisedError = want.error.has_value();
  // Default mode may reassociate float folds: compared within the bound.
  testing::ReassociationBound bound = testing::ReassociationBound::of(want.bufs);
  auto diff = [&](const testing::Outcome &got, const char *what,
                  bool loose) -> std::optional<Mismatch> {
    if (want.error != got.error)
      return Mismatch{std::string(what) + ": interpreter error '" +
                      want.error.value_or("none") + "' vs '" +
                      got.error.value_or("none") + "'"};
    for (size_t k = 0; k < args.size(); ++k)
      if (args[k].isTensor && !(loose ? bound.accepts(want.bufs[k], got.bufs[k])
                                      : testing::sameBits(want.bufs[k], got.bufs[k])))
        return Mismatch{std::string(what) + ": tensor '" + p.data().args[k].name +
                        "' differs" +
                        (loose ? " (" + bound.why(want.bufs[k], got.bufs[k]) + ")" : "") +
                        "\n  interpreter: " + testing::show(want.bufs[k]) + "\n  " +
                        what + ": " + testing::show(got.bufs[k])};
    return std::nullopt;
  };
  const std::string name = target == Target::cpu() ? "jit" : std::string(target.name());
  const std::string unchecked = name + "-unchecked";
  if (auto m =
          diff(testing::runOn(jit, args), name.c_str(), testing::reassociates(jit))) {
    if (std::getenv("SEQFUSE_FUZZ_REPORT"))
      m->what += "\n" + jit.reportText();
    return m;
  }
  if (!want.error)
    if (auto m = diff(testing::runOn(fast, args), unchecked.c_str(), false))
      return m;
  return std::nullopt;
}
