//===- Differential.h - JIT vs interpreter on random inputs ----*- C++ -*-===//
//
// Generates random arguments from a program's declared signature, runs the
// reference interpreter, the checked JIT and the unchecked JIT on copies, and
// expects identical outcomes: the same bits in every tensor (NaN matches NaN)
// and the same IndexError message, if any.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_TESTS_DIFFERENTIAL_H
#define SEQFUSE_TESTS_DIFFERENTIAL_H

#include <seqfuse/seqfuse.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>

namespace seqfuse::testing {

/// One argument's storage.
struct Buffer {
  DType type;
  bool isTensor;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes; // tensor data, or the scalar's bytes

  int64_t elems() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  template <class T> T *as() { return reinterpret_cast<T *>(bytes.data()); }
  Arg arg() {
    if (!isTensor) {
      switch (type) {
      case DType::F32:
        return Arg(*as<float>());
      case DType::F64:
        return Arg(*as<double>());
      case DType::I32:
        return Arg(*as<int32_t>());
      case DType::I64:
        return Arg(*as<int64_t>());
      default:
        return Arg(*as<bool>());
      }
    }
    switch (type) {
    case DType::F32:
      return Arg(as<float>(), shape);
    case DType::F64:
      return Arg(as<double>(), shape);
    case DType::I32:
      return Arg(as<int32_t>(), shape);
    case DType::I64:
      return Arg(as<int64_t>(), shape);
    default:
      return Arg(as<bool>(), shape);
    }
  }
};

struct GenOptions {
  /// Extents tried for each free or named size.
  std::vector<int64_t> sizes{0, 1, 2, 3, 7, 16, 33, 100};
  /// Integer tensor/scalar values are drawn from [intLo, intHi]; values
  /// named in intRangeBySize are drawn from [0, size of that named dim).
  int64_t intLo = -1000, intHi = 1000;
  /// Integer arguments used as indices: value range [lo, extent + hi) of the
  /// extent of the named size or of the tensor's first dimension.
  std::map<std::string, std::pair<std::string, int64_t>> indexInto;
  double floatLo = -4, floatHi = 4;
  /// Probability of NaN/±Inf/±0/denormal/huge in float data.
  double specialProb = 0.05;
  /// Per-argument overrides: fill(buffer, rng).
  std::map<std::string, std::function<void(Buffer &, std::mt19937_64 &)>> fill;
  /// Override extents of named sizes.
  std::map<std::string, int64_t> fixedSizes;
  int trials = 30;
  uint64_t seed = 12345;
  /// Options::numThreads of the JIT kernels (0: the default).
  int numThreads = 0;
  /// SEQFUSE_PARALLEL_CHUNK for the JIT kernels (0: the default, 16384):
  /// small chunks make small sizes run the parallel lowerings.
  int64_t parallelChunk = 0;
  /// The target compared with the interpreter (cpu, gpu-sim, gpu).
  Target target = Target::cpu();
  /// SEQFUSE_GPU_TILE for GPU targets ("" : the defaults), e.g. "32x1x1":
  /// small tiles make small sizes cross tiles.
  std::string gpuTile;
  /// SEQFUSE_GPU_LOOKBACK_STRESS for GPU targets.
  bool lookbackStress = false;
};

struct Outcome {
  std::vector<Buffer> bufs;
  std::optional<std::string> error;
};

inline bool sameBits(const Buffer &a, const Buffer &b) {
  if (a.bytes.size() != b.bytes.size())
    return false;
  if (a.type == DType::F32 || a.type == DType::F64) {
    size_t w = a.type == DType::F32 ? 4 : 8;
    for (size_t i = 0; i < a.bytes.size(); i += w) {
      if (std::memcmp(&a.bytes[i], &b.bytes[i], w) == 0)
        continue;
      double x, y;
      if (w == 4) {
        float fx, fy;
        std::memcpy(&fx, &a.bytes[i], 4);
        std::memcpy(&fy, &b.bytes[i], 4);
        x = fx, y = fy;
      } else {
        std::memcpy(&x, &a.bytes[i], 8);
        std::memcpy(&y, &b.bytes[i], 8);
      }
      if (!(std::isnan(x) && std::isnan(y)))
        return false;
    }
    return true;
  }
  return a.bytes == b.bytes;
}

/// Does kernel `k` reassociate float folds (a parallel fold whose combiner
/// rounds, in default mode)? Its float results may then differ from the
/// loop's by rounding only.
inline bool reassociates(const Kernel &k) {
  return k.reportText().find("floats reassociated") != std::string::npos;
}

/// The bound for comparing a reassociating kernel's floats with the loop's.
/// A parallel fold regroups the same operations: each of the N iterations of
/// either order rounds once per operation, by at most eps times the value's
/// magnitude, and every value is at most M, the largest finite magnitude
/// among the arguments and results. So two orders differ by at most
/// 2 * N * eps * M per result (4 * ... with the summaries' own rounding).
struct ReassociationBound {
  double n = 0;   ///< iterations: the largest tensor
  double eps = 0; ///< unit roundoff of the narrowest float type present
  double m = 0;   ///< largest finite magnitude in arguments and results
  double tol() const { return 4 * n * eps * m; }

  static ReassociationBound of(std::vector<Buffer> &bufs) {
    ReassociationBound r;
    for (Buffer &b : bufs) {
      if (b.type != DType::F32 && b.type != DType::F64)
        continue;
      int64_t len = b.isTensor ? b.elems() : 1;
      r.n = std::max(r.n, static_cast<double>(len));
      r.eps = std::max(r.eps, b.type == DType::F32 ? 0x1p-24 : 0x1p-53);
      for (int64_t i = 0; i < len; ++i) {
        double v = b.type == DType::F32 ? b.as<float>()[i] : b.as<double>()[i];
        if (std::isfinite(v))
          r.m = std::max(r.m, std::fabs(v));
      }
    }
    return r;
  }

  /// Same bits (NaN matches NaN), or both finite within tol(); a value that
  /// overflowed in one order only (inf against finite, inf - inf = NaN
  /// against inf) is accepted only where N * M can overflow the type.
  bool accepts(const Buffer &want, const Buffer &got) const {
    return why(want, got).empty();
  }
  /// "" where accepts(), else the first element that is not, with the bound.
  std::string why(const Buffer &want, const Buffer &got) const {
    if (want.type != DType::F32 && want.type != DType::F64)
      return want.bytes == got.bytes ? "" : "integers differ";
    if (sameBits(want, got))
      return "";
    bool f32 = want.type == DType::F32;
    double limit =
        f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
    Buffer &w = const_cast<Buffer &>(want), &g = const_cast<Buffer &>(got);
    int64_t len = want.isTensor ? want.elems() : 1;
    for (int64_t i = 0; i < len; ++i) {
      double x = f32 ? w.as<float>()[i] : w.as<double>()[i];
      double y = f32 ? g.as<float>()[i] : g.as<double>()[i];
      if ((std::isnan(x) && std::isnan(y)) || x == y)
        continue;
      std::string at = "element " + std::to_string(i) + ": " + std::to_string(x) +
                       " vs " + std::to_string(y) + ", bound " + std::to_string(tol()) +
                       " (n " + std::to_string(n) + ", max " + std::to_string(m) + ")";
      if (std::isfinite(x) && std::isfinite(y)) {
        if (std::fabs(x - y) > tol())
          return at;
        continue;
      }
      if (!(4 * n * m >= limit))
        return at;
    }
    return "";
  }
};

inline std::string show(const Buffer &b) {
  std::string s = "[";
  int64_t n = b.isTensor ? b.elems() : 1;
  for (int64_t i = 0; i < n && i < 40; ++i) {
    s += i ? ", " : "";
    Buffer &m = const_cast<Buffer &>(b);
    switch (b.type) {
    case DType::F32:
      s += std::to_string(m.as<float>()[i]);
      break;
    case DType::F64:
      s += std::to_string(m.as<double>()[i]);
      break;
    case DType::I32:
      s += std::to_string(m.as<int32_t>()[i]);
      break;
    case DType::I64:
      s += std::to_string(m.as<int64_t>()[i]);
      break;
    default:
      s += m.as<bool>()[i] ? "true" : "false";
      break;
    }
  }
  return s + (n > 40 ? ", ...]" : "]");
}

inline double randomFloat(std::mt19937_64 &rng, const GenOptions &o) {
  std::uniform_real_distribution<double> u01(0, 1);
  if (u01(rng) < o.specialProb) {
    static const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      0.0,
                                      -0.0,
                                      1e-39,
                                      -1e-310,
                                      3e38,
                                      -1e300,
                                      1.0};
    return specials[rng() % (sizeof(specials) / sizeof(specials[0]))];
  }
  return o.floatLo + (o.floatHi - o.floatLo) * u01(rng);
}

/// Generates arguments for `sig` (the kernel's program data).
inline std::vector<Buffer> generate(const ast::ProgramData &p, const GenOptions &o,
                                    std::mt19937_64 &rng) {
  std::map<std::string, int64_t> named;
  auto pickSize = [&] { return o.sizes[rng() % o.sizes.size()]; };
  for (const auto &n : p.dimNames)
    named[n] = o.fixedSizes.count(n) ? o.fixedSizes.at(n) : pickSize();
  std::vector<Buffer> bufs;
  for (const auto &a : p.args) {
    Buffer b{a.type, a.isTensor, {}, {}};
    if (a.isTensor)
      for (const auto &d : a.shape)
        b.shape.push_back(d.kind == ast::DimSpec::Fixed   ? d.extent
                          : d.kind == ast::DimSpec::Named ? named[p.dimNames[d.symbol]]
                                                          : pickSize());
    b.bytes.resize((a.isTensor ? b.elems() : 1) * dtypeBytes(a.type));
    bufs.push_back(std::move(b));
  }
  for (size_t k = 0; k < p.args.size(); ++k) {
    const auto &a = p.args[k];
    Buffer &b = bufs[k];
    if (o.fill.count(a.name)) {
      o.fill.at(a.name)(b, rng);
      continue;
    }
    int64_t n = a.isTensor ? b.elems() : 1;
    int64_t lo = o.intLo, hi = o.intHi;
    if (o.indexInto.count(a.name)) {
      auto [target, slack] = o.indexInto.at(a.name);
      int64_t extent = named.count(target) ? named[target] : 0;
      for (size_t j = 0; j < p.args.size(); ++j)
        if (p.args[j].name == target)
          extent = bufs[j].shape.empty() ? 0 : bufs[j].shape[0];
      lo = -slack;
      hi = extent - 1 + slack;
      if (hi < lo)
        hi = lo;
    }
    std::uniform_int_distribution<int64_t> di(lo, hi);
    for (int64_t i = 0; i < n; ++i) {
      switch (a.type) {
      case DType::F32:
        b.as<float>()[i] = static_cast<float>(randomFloat(rng, o));
        break;
      case DType::F64:
        b.as<double>()[i] = randomFloat(rng, o);
        break;
      case DType::I32:
        b.as<int32_t>()[i] = static_cast<int32_t>(di(rng));
        break;
      case DType::I64:
        b.as<int64_t>()[i] = di(rng);
        break;
      default:
        b.as<bool>()[i] = rng() & 1;
        break;
      }
    }
  }
  return bufs;
}

inline Outcome runOn(const Kernel &k, std::vector<Buffer> bufs) {
  std::vector<Arg> args;
  for (auto &b : bufs)
    args.push_back(b.arg());
  Outcome out;
  try {
    k.call(args);
  } catch (const IndexError &e) {
    out.error = e.what();
  }
  out.bufs = std::move(bufs);
  return out;
}

/// The outputs of one call, as bytes.
inline std::vector<std::vector<unsigned char>> outputs(const Kernel &k,
                                                       std::vector<Buffer> bufs) {
  Outcome o = runOn(k, std::move(bufs));
  EXPECT_FALSE(o.error) << *o.error;
  std::vector<std::vector<unsigned char>> out;
  for (Buffer &b : o.bufs)
    out.push_back(b.bytes);
  return out;
}

inline void expectSame(const Outcome &want, const Outcome &got, const ast::ProgramData &p,
                       const std::string &what, int trial,
                       const ReassociationBound *bound = nullptr) {
  ASSERT_EQ(want.error.has_value(), got.error.has_value())
      << what << " trial " << trial
      << ": interpreter error: " << want.error.value_or("none") << "; " << what
      << " error: " << got.error.value_or("none");
  if (want.error)
    EXPECT_EQ(*want.error, *got.error) << what << " trial " << trial;
  for (size_t k = 0; k < want.bufs.size(); ++k)
    if (want.bufs[k].isTensor)
      EXPECT_TRUE(bound ? bound->accepts(want.bufs[k], got.bufs[k])
                        : sameBits(want.bufs[k], got.bufs[k]))
          << what << " trial " << trial << ": tensor '" << p.args[k].name
          << "' differs\n interpreter: " << show(want.bufs[k]) << "\n " << what << ": "
          << show(got.bufs[k]);
}

/// Sets an environment variable for the compiles of one scope (an empty
/// value leaves it as it is).
struct EnvScope {
  std::string name;
  std::optional<std::string> saved;
  bool set = false;
  EnvScope(const char *var, const std::string &value) : name(var) {
    if (value.empty())
      return;
    if (const char *e = std::getenv(var))
      saved = e;
    setenv(var, value.c_str(), 1);
    set = true;
  }
  EnvScope(const EnvScope &) = delete;
  ~EnvScope() {
    if (!set)
      return;
    if (saved)
      setenv(name.c_str(), saved->c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

/// Sets SEQFUSE_PARALLEL_CHUNK for the compiles of one scope (0: leaves it).
struct ParallelChunk : EnvScope {
  explicit ParallelChunk(int64_t chunk)
      : EnvScope("SEQFUSE_PARALLEL_CHUNK", chunk > 0 ? std::to_string(chunk) : "") {}
};

/// The GPU testing knobs of `o` for the compiles of one scope.
struct GPUKnobs {
  EnvScope tile, stress;
  explicit GPUKnobs(const GenOptions &o)
      : tile("SEQFUSE_GPU_TILE", o.gpuTile),
        stress("SEQFUSE_GPU_LOOKBACK_STRESS", o.lookbackStress ? "1" : "") {}
};

/// Runs `trials` random argument sets through the interpreter and the JIT
/// (checked, and unchecked where the interpreter raised no error). Returns
/// how many trials raised an IndexError. The checked JIT runs in default mode:
/// where it reassociates float folds it is compared within the
/// ReassociationBound; the unchecked one keeps strict_fp and must match bit
/// for bit.
inline int differential(const Program &p, const GenOptions &o = {}) {
  Kernel interp = compile(p, Target::interpreter());
  ParallelChunk chunk(o.parallelChunk);
  GPUKnobs knobs(o);
  Kernel jit = compile(p, o.target, Options{.numThreads = o.numThreads});
  Kernel fast =
      compile(p, o.target,
              Options{.checked = false, .strictFP = true, .numThreads = o.numThreads});
  const bool loose = reassociates(jit);
  const std::string name(o.target.name());
  // SEQFUSE_DIFF_TRIALS / SEQFUSE_DIFF_SEED: longer or other campaigns.
  int trials = o.trials;
  uint64_t seed = o.seed;
  if (const char *e = std::getenv("SEQFUSE_DIFF_TRIALS"))
    trials = std::atoi(e);
  if (const char *e = std::getenv("SEQFUSE_DIFF_SEED"))
    seed = std::strtoull(e, nullptr, 10);
  std::mt19937_64 rng(seed);
  int errors = 0;
  for (int t = 0; t < trials; ++t) {
    std::vector<Buffer> bufs = generate(p.data(), o, rng);
    Outcome want = runOn(interp, bufs);
    Outcome got = runOn(jit, bufs);
    ReassociationBound bound = ReassociationBound::of(want.bufs);
    expectSame(want, got, p.data(), name, t, loose ? &bound : nullptr);
    if (!want.error) {
      Outcome got2 = runOn(fast, bufs);
      expectSame(want, got2, p.data(), name + "-unchecked", t);
    } else {
      ++errors;
    }
    if (::testing::Test::HasFailure())
      return errors;
  }
  return errors;
}

} // namespace seqfuse::testing

#endif // SEQFUSE_TESTS_DIFFERENTIAL_H
