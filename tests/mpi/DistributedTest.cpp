//===- DistributedTest.cpp - Target::ranks() against the interpreter ------===//
//
// Run under mpirun (ctest: mpi.np1, mpi.np2, mpi.np4). Every program runs on
// random inputs through the interpreter over the whole range and through
// seqfuse::dist on sub-communicators of 1, 2 and 4 ranks (as many as the
// world has), with blocks of rows split evenly, unevenly and with empty
// ranks, in checked mode (errors and memory as the loop leaves them) and
// unchecked with strict_fp (the loop's bits). Every distributed result must
// be the same bits for every rank count, split and thread count, and match
// the interpreter (within the reassociation bound where floats regroup).
//
// Runs of 7 iterations (SEQFUSE_PARALLEL_CHUNK=7) make small inputs cross
// many run and rank boundaries.
//
//===----------------------------------------------------------------------===//
#include "../unit/runtime/Differential.h"
#include "../unit/runtime/Families.h"

#include <seqfuse/mpi.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

using namespace seqfuse;
using namespace seqfuse::testing;

namespace {

int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
int worldSize() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

/// Whether any rank of the world failed an expectation (every rank then
/// stops the test at the same point: none waits in a collective alone).
bool anyFailed() {
  int mine = ::testing::Test::HasFailure() ? 1 : 0, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any != 0;
}

/// The arguments Target::ranks() distributes, as it resolves them: the
/// tensors whose first extent is the program's only named size, else the
/// program's only tensor with a free first extent.
std::vector<bool> distributedArgs(const ast::ProgramData &p) {
  std::vector<bool> d(p.args.size(), false);
  if (p.dimNames.size() == 1) {
    for (size_t i = 0; i < p.args.size(); ++i)
      d[i] = p.args[i].isTensor && !p.args[i].shape.empty() &&
             p.args[i].shape[0].kind == ast::DimSpec::Named;
    return d;
  }
  for (size_t i = 0; i < p.args.size(); ++i)
    d[i] = p.args[i].isTensor && !p.args[i].shape.empty() &&
           p.args[i].shape[0].kind == ast::DimSpec::Free;
  return d;
}

/// Rows of `n` per rank of `size`: 0 even, 1 uneven (random), 2 with empty
/// ranks (the first and every other one), 3 all on the last rank.
std::vector<int64_t> split(int64_t n, int size, int kind, std::mt19937_64 &rng) {
  std::vector<int64_t> c(size, 0);
  if (kind == 0 || size == 1) {
    for (int r = 0; r < size; ++r)
      c[r] = n / size + (r < n % size ? 1 : 0);
  } else if (kind == 1) {
    std::vector<int64_t> cuts{0, n};
    for (int r = 1; r < size; ++r)
      cuts.push_back(n ? static_cast<int64_t>(rng() % (n + 1)) : 0);
    std::sort(cuts.begin(), cuts.end());
    for (int r = 0; r < size; ++r)
      c[r] = cuts[r + 1] - cuts[r];
  } else if (kind == 2) {
    int owners = 0;
    for (int r = 0; r < size; ++r)
      owners += r % 2 == 1;
    for (int r = 0, k = 0; r < size; ++r)
      if (r % 2 == 1) {
        c[r] = n / owners + (k < n % owners ? 1 : 0);
        ++k;
      }
  } else {
    c[size - 1] = n;
  }
  return c;
}

int64_t bytesPerRow(const Buffer &b) {
  if (b.shape.empty() || b.shape[0] == 0)
    return 0;
  return static_cast<int64_t>(b.bytes.size()) / b.shape[0];
}

/// Runs `k` on `comm` with the whole inputs `bufs` (the same on every rank),
/// each rank passing its rows (`counts`) of the distributed tensors; returns
/// the whole outputs (the rows of every rank gathered) and the error.
Outcome runDistributed(const dist::Kernel &k, const std::vector<Buffer> &bufs,
                       const std::vector<bool> &distributed,
                       const std::vector<int64_t> &counts, MPI_Comm comm) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  std::vector<int64_t> begin(size, 0);
  for (int r = 1; r < size; ++r)
    begin[r] = begin[r - 1] + counts[r - 1];
  std::vector<Buffer> local = bufs;
  for (size_t i = 0; i < bufs.size(); ++i) {
    if (!distributed[i])
      continue;
    int64_t row = bytesPerRow(bufs[i]);
    local[i].shape[0] = counts[rank];
    local[i].bytes.assign(bufs[i].bytes.begin() + begin[rank] * row,
                          bufs[i].bytes.begin() + (begin[rank] + counts[rank]) * row);
  }
  std::vector<Arg> args;
  for (Buffer &b : local)
    args.push_back(b.arg());
  Outcome out;
  try {
    k.call(args);
  } catch (const IndexError &e) {
    out.error = e.what();
  }
  out.bufs = bufs;
  for (size_t i = 0; i < bufs.size(); ++i) {
    if (!distributed[i]) {
      out.bufs[i] = local[i];
      continue;
    }
    int64_t row = bytesPerRow(bufs[i]);
    std::vector<int> rc(size), displ(size);
    for (int r = 0; r < size; ++r) {
      rc[r] = static_cast<int>(counts[r] * row);
      displ[r] = static_cast<int>(begin[r] * row);
    }
    MPI_Allgatherv(local[i].bytes.data(), rc[rank], MPI_BYTE, out.bufs[i].bytes.data(),
                   rc.data(), displ.data(), MPI_BYTE, comm);
  }
  return out;
}

/// The whole outcome must be the same on every rank of `comm` (replicated
/// outputs, errors).
void expectAlikeOnRanks(const Outcome &o, MPI_Comm comm, const std::string &what) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void *p, size_t n) {
    auto *c = static_cast<const unsigned char *>(p);
    for (size_t i = 0; i < n; ++i)
      h = (h ^ c[i]) * 1099511628211ull;
  };
  for (const Buffer &b : o.bufs)
    mix(b.bytes.data(), b.bytes.size());
  if (o.error)
    mix(o.error->data(), o.error->size());
  uint64_t lo = 0, hi = 0;
  MPI_Allreduce(&h, &lo, 1, MPI_UINT64_T, MPI_MIN, comm);
  MPI_Allreduce(&h, &hi, 1, MPI_UINT64_T, MPI_MAX, comm);
  EXPECT_EQ(lo, hi) << what << ": the ranks disagree (replicated outputs or errors)";
}

struct Case {
  std::string name;
  std::function<void(Program &)> build;
  GenOptions gen;
};

/// The differential run of one program: see the file comment.
void distributedDifferential(const Case &c, int trials) {
  Program p(c.name);
  c.build(p);
  SCOPED_TRACE(c.name);
  ParallelChunk chunk(7);
  Kernel interp = compile(p, Target::interpreter());
  const std::vector<bool> distributed = distributedArgs(p.data());
  const int world = worldSize(), me = worldRank();
  // Sub-communicators of 1, 2, 4 ranks.
  std::vector<int> sizes;
  for (int s = 1; s <= world; s *= 2)
    if (world % s == 0)
      sizes.push_back(s);
  std::vector<MPI_Comm> comms;
  std::vector<dist::Kernel> checkedK, fastK, threadsK;
  for (int s : sizes) {
    MPI_Comm c;
    MPI_Comm_split(MPI_COMM_WORLD, me / s, me, &c);
    comms.push_back(c);
    checkedK.push_back(dist::compile(p, c, Options{.numThreads = 1}));
    fastK.push_back(dist::compile(
        p, c, Options{.checked = false, .strictFP = true, .numThreads = 1}));
    threadsK.push_back(dist::compile(p, c, Options{.numThreads = 2}));
  }
  const bool loose = reassociates(checkedK.front().kernel());
  if (std::getenv("SEQFUSE_TEST_PRINT_REPORT") && me == 0) // what each op became
    std::printf("%s\n", checkedK.back().reportText().c_str());
  std::mt19937_64 rng(c.gen.seed);
  for (int t = 0; t < trials; ++t) {
    std::vector<Buffer> bufs = generate(p.data(), c.gen, rng);
    int64_t rows = 0;
    for (size_t i = 0; i < bufs.size(); ++i)
      if (distributed[i])
        rows = bufs[i].shape[0];
    Outcome want = runOn(interp, bufs);
    ReassociationBound bound = ReassociationBound::of(want.bufs);
    std::optional<Outcome> first;
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (int kind = 0; kind < (sizes[s] == 1 ? 1 : 4); ++kind) {
        std::mt19937_64 splitRng(t * 31 + kind);
        std::vector<int64_t> counts = split(rows, sizes[s], kind, splitRng);
        std::string what = "ranks=" + std::to_string(sizes[s]) +
                           " split=" + std::to_string(kind) +
                           " n=" + std::to_string(rows);
        Outcome got = runDistributed(checkedK[s], bufs, distributed, counts, comms[s]);
        expectAlikeOnRanks(got, comms[s], what);
        expectSame(want, got, p.data(), what, t, loose ? &bound : nullptr);
        // The same bits for every rank count and split.
        if (!first) {
          first = got;
        } else {
          for (size_t i = 0; i < got.bufs.size(); ++i)
            EXPECT_TRUE(sameBits(first->bufs[i], got.bufs[i]))
                << what << " trial " << t << ": '" << p.data().args[i].name
                << "' differs from 1 rank's\n 1 rank: " << show(first->bufs[i]) << "\n "
                << what << ": " << show(got.bufs[i]);
          EXPECT_EQ(first->error, got.error) << what;
        }
        if (kind == 1) {
          // Two threads per rank: the same bits.
          Outcome two = runDistributed(threadsK[s], bufs, distributed, counts, comms[s]);
          for (size_t i = 0; i < got.bufs.size(); ++i)
            EXPECT_TRUE(sameBits(got.bufs[i], two.bufs[i]))
                << what << " threads=2 trial " << t << ": '" << p.data().args[i].name
                << "' differs";
        }
        if (!want.error) {
          // Unchecked, strict_fp: the loop's bits.
          Outcome exact = runDistributed(fastK[s], bufs, distributed, counts, comms[s]);
          expectSame(want, exact, p.data(), what + " unchecked strict_fp", t);
        }
      }
    }
    if (anyFailed())
      break;
  }
  for (MPI_Comm &c : comms)
    MPI_Comm_free(&c);
}

GenOptions defaults() {
  GenOptions o;
  o.sizes = {0, 1, 2, 3, 5, 7, 8, 14, 16, 33, 100};
  o.seed = 2026;
  return o;
}

constexpr int kTrials = 12;

//===----------------------------------------------------------------------===//
// Every fold family
//===----------------------------------------------------------------------===//

class FoldFamilies : public ::testing::TestWithParam<Family> {};

TEST_P(FoldFamilies, MatchTheLoopForAnyRankCount) {
  const Family &f = GetParam();
  GenOptions o = defaults();
  if (std::string_view(f.name) == "compaction_i32")
    o.floatLo = -1; // some positives, some not
  distributedDifferential({f.name, f.build, o}, kTrials);
}

INSTANTIATE_TEST_SUITE_P(Distributed, FoldFamilies, ::testing::ValuesIn(families()),
                         [](const ::testing::TestParamInfo<Family> &i) {
                           return std::string(i.param.name);
                         });

//===----------------------------------------------------------------------===//
// Scatters, histograms, maps, loops kept sequential, accesses across rows
//===----------------------------------------------------------------------===//

std::vector<Case> otherCases() {
  std::vector<Case> cs;
  {
    // Last writer wins into a small target every rank holds: duplicates
    // across ranks; indices one past either end raise.
    GenOptions o = defaults();
    o.indexInto["idx"] = {"t", 1};
    cs.push_back({"scatter_replicated",
                  [](Program &p) {
                    auto v = p.input<float>("v");
                    auto idx = p.input<int32_t>("idx", {v.size(0)});
                    auto t = p.inout<float>("t");
                    loop(0, v.size(0), [&](Var i) { t[idx[i]] = v[i]; });
                  },
                  o});
  }
  {
    // Into a distributed target: records to the rows' ranks.
    GenOptions o = defaults();
    o.indexInto["idx"] = {"t", 1};
    cs.push_back({"scatter_distributed",
                  [](Program &p) {
                    auto v = p.input<double>("v");
                    auto idx = p.input<int64_t>("idx", {v.size(0)});
                    auto t = p.inout<double>("t", {v.size(0)});
                    loop(0, v.size(0), [&](Var i) { t[idx[i]] = v[i] * 2.0; });
                  },
                  o});
  }
  {
    GenOptions o = defaults();
    o.indexInto["bin"] = {"h", 1};
    cs.push_back({"histogram_i64",
                  [](Program &p) {
                    auto w = p.input<int64_t>("w");
                    auto bin = p.input<int32_t>("bin", {w.size(0)});
                    auto h = p.inout<int64_t>("h");
                    loop(0, w.size(0), [&](Var i) { h[bin[i]] += w[i]; });
                  },
                  o});
  }
  {
    GenOptions o = defaults();
    o.indexInto["bin"] = {"h", 0};
    cs.push_back({"histogram_f32",
                  [](Program &p) {
                    auto w = p.input<float>("w");
                    auto bin = p.input<int32_t>("bin", {w.size(0)});
                    auto h = p.inout<float>("h");
                    loop(0, w.size(0), [&](Var i) { h[bin[i]] += w[i]; });
                  },
                  o});
  }
  {
    GenOptions o = defaults();
    o.indexInto["bin"] = {"h", 0};
    cs.push_back({"histogram_distributed_f64",
                  [](Program &p) {
                    auto w = p.input<double>("w");
                    auto bin = p.input<int64_t>("bin", {w.size(0)});
                    auto h = p.inout<double>("h", {w.size(0)});
                    loop(0, w.size(0), [&](Var i) { h[bin[i]] += w[i]; });
                  },
                  o});
  }
  {
    // A masked map, a 2-D row map with an inner fold, and loads and stores
    // of single rows outside the loops.
    GenOptions o = defaults();
    cs.push_back({"maps_and_single_rows",
                  [](Program &p) {
                    auto n = p.dim("n");
                    auto v = p.input<float>("v", {n});
                    auto x = p.input<float, 2>("x", {n, 3});
                    auto out = p.inout<float>("out", {n});
                    auto rs = p.output<float>("rs", {n});
                    auto res = p.output<float>("res", {2});
                    loop(0, n,
                         [&](Var i) { if_(v[i] > 0.0f, [&] { out[i] = v[i] * 3.0f; }); });
                    loop(0, n, [&](Var i) {
                      auto s = p.state<float>("s", 0.0f);
                      loop(0, 3, [&](Var j) { s += x(i, j); });
                      rs[i] = s;
                    });
                    if_(n > 0, [&] {
                      res[0] = v[n - 1];
                      out[0] = res[0] + 1.0f;
                      res[1] = out[n / 2];
                    });
                  },
                  o});
  }
  {
    // Not a pattern: x*x in the state. A pipeline in rank order.
    GenOptions o = defaults();
    o.floatLo = -0.9;
    o.floatHi = 0.9;
    cs.push_back({"sequential_pipeline",
                  [](Program &p) {
                    auto v = p.input<float>("v");
                    auto out = p.output<float>("out", {v.size(0)});
                    auto x = p.state<float>("x", 0.25f);
                    loop(0, v.size(0), [&](Var i) {
                      x = x * x - v[i];
                      out[i] = x;
                    });
                  },
                  o});
  }
  {
    // Reads another row: every rank all-gathers v (a stencil); the last
    // iteration reads past the end and raises.
    GenOptions o = defaults();
    cs.push_back({"stencil_gathered",
                  [](Program &p) {
                    auto v = p.input<float>("v");
                    auto out = p.output<float>("out", {v.size(0)});
                    loop(0, v.size(0), [&](Var i) { out[i] = v[i] + v[i + 1]; });
                  },
                  o});
  }
  {
    // Reads an index table to gather rows of a distributed tensor.
    GenOptions o = defaults();
    o.indexInto["src"] = {"v", 1};
    cs.push_back({"gather_rows",
                  [](Program &p) {
                    auto v = p.input<float>("v");
                    auto src = p.input<int32_t>("src", {v.size(0)});
                    auto out = p.output<float>("out", {v.size(0)});
                    loop(0, v.size(0), [&](Var i) { out[i] = v[src[i]]; });
                  },
                  o});
  }
  return cs;
}

class OtherPatterns : public ::testing::TestWithParam<Case> {};

TEST_P(OtherPatterns, MatchTheLoopForAnyRankCount) {
  distributedDifferential(GetParam(), kTrials);
}

INSTANTIATE_TEST_SUITE_P(Distributed, OtherPatterns, ::testing::ValuesIn(otherCases()),
                         [](const ::testing::TestParamInfo<Case> &i) {
                           return i.param.name;
                         });

//===----------------------------------------------------------------------===//
// The report, errors, the default run length
//===----------------------------------------------------------------------===//

Program cumsum() {
  Program p("cumsum");
  auto n = p.dim("n");
  auto v = p.input<float>("v", {n});
  auto out = p.output<float>("out", {n});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, n, [&](Var i) {
    acc += v[i];
    out[i] = acc;
  });
  return p;
}

TEST(Distributed, ReportSaysWhatCrossesRanks) {
  dist::Kernel k = dist::compile(cumsum(), MPI_COMM_WORLD);
  EXPECT_THAT(k.reportText(), ::testing::HasSubstr("across ranks: runs of L iterations"));
  EXPECT_THAT(k.ir(Stage::Ranks), ::testing::HasSubstr("seqfuse_mpi_gather_runs"));
}

TEST(Distributed, ArgumentErrorOnOneRankRaisesOnEvery) {
  dist::Kernel k = dist::compile(cumsum(), MPI_COMM_WORLD);
  const int me = worldRank();
  std::vector<float> v(10, 1.0f), out(me == worldSize() - 1 ? 9 : 10);
  try {
    k(v, out);
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError &e) {
    EXPECT_THAT(e.what(),
                ::testing::HasSubstr("rank " + std::to_string(worldSize() - 1)));
  }
  // Scalars must agree across ranks.
  Program p("scaled");
  auto n = p.dim("n");
  auto v2 = p.input<float>("v", {n});
  auto a = p.param<float>("a");
  auto o2 = p.output<float>("out", {n});
  loop(0, n, [&](Var i) { o2[i] = v2[i] * a; });
  dist::Kernel s = dist::compile(p, MPI_COMM_WORLD);
  std::vector<float> w(4, 1.0f), r(4);
  if (worldSize() > 1) {
    EXPECT_THROW(s(w, static_cast<float>(me), r), ArgumentError);
  }
  s(w, 2.0f, r);
  EXPECT_EQ(r[3], 2.0f);
}

TEST(Distributed, CompileAndCallErrorsSayWhatIsExpected) {
  auto message = [](auto &&fn) -> std::string {
    try {
      fn();
    } catch (const Error &e) {
      return e.what();
    }
    return "no error";
  };
  // Two named sizes: which one is split must be said.
  Program two("two_sizes");
  auto n = two.dim("n");
  auto m = two.dim("m");
  auto a = two.input<float>("a", {n});
  auto b = two.input<float>("b", {m});
  auto o = two.output<float>("o", {n});
  loop(0, n, [&](Var i) { o[i] = a[i] + b[0]; });
  EXPECT_THAT(message([&] { dist::compile(two, MPI_COMM_WORLD); }),
              ::testing::HasSubstr("Options::rankDim must name the size (or the tensor) "
                                   "whose rows are split across ranks: program "
                                   "'two_sizes' has 2 named sizes"));
  Options unknown;
  unknown.rankDim = "k";
  EXPECT_THAT(message([&] { dist::compile(two, MPI_COMM_WORLD, unknown); }),
              ::testing::HasSubstr("Options::rankDim 'k' is neither a named size nor a "
                                   "tensor of program 'two_sizes'"));
  Options byM;
  byM.rankDim = "m";
  EXPECT_NO_THROW(dist::compile(two, MPI_COMM_WORLD, byM));
  // The split size only as a first dimension.
  Program later("later_dim");
  auto r = later.dim("r");
  auto c = later.dim("c");
  auto t = later.input<float, 2>("t", {c, r});
  auto s = later.output<float>("s", {r});
  loop(0, r, [&](Var i) { s[i] = t(0, i); });
  Options byR;
  byR.rankDim = "r";
  EXPECT_THAT(
      message([&] { dist::compile(later, MPI_COMM_WORLD, byR); }),
      ::testing::HasSubstr("tensor 't' has 'r' as a later dimension: the distributed "
                           "size must be the first dimension of every tensor that "
                           "has it"));
  // The kernel inside is called through dist::Kernel only.
  dist::Kernel k = dist::compile(cumsum(), MPI_COMM_WORLD);
  std::vector<float> v(4, 1.0f), out(4);
  EXPECT_THAT(
      message([&] { k.kernel()(v, out); }),
      ::testing::HasSubstr("a Target::ranks() kernel is called collectively through "
                           "seqfuse::dist::Kernel"));
  // Scalars that differ across ranks name the argument.
  if (worldSize() > 1) {
    Program p("scaled_again");
    auto len = p.dim("n");
    auto x = p.input<float>("x", {len});
    auto f = p.param<float>("f");
    auto y = p.output<float>("y", {len});
    loop(0, len, [&](Var i) { y[i] = x[i] * f; });
    dist::Kernel sk = dist::compile(p, MPI_COMM_WORLD);
    std::vector<float> w(4, 1.0f), res(4);
    EXPECT_THAT(message([&] { sk(w, static_cast<float>(worldRank()), res); }),
                ::testing::HasSubstr("argument 1 ('f') is not the same on every rank"));
  }
}

TEST(Distributed, DefaultRunsAreTheSameForAnyRankCount) {
  // 3 runs of 4096 (the default length from 12289 iterations) and one more.
  const int64_t n = 3 * 4096 + 1;
  std::vector<float> whole(n);
  std::mt19937_64 rng(7);
  for (float &x : whole)
    x = static_cast<float>(static_cast<int64_t>(rng() % 2001) - 1000) / 256.0f;
  std::vector<std::vector<float>> results;
  const int world = worldSize(), me = worldRank();
  for (int s = 1; s <= world; s *= 2) {
    MPI_Comm c;
    MPI_Comm_split(MPI_COMM_WORLD, me / s, me, &c);
    dist::Kernel k = dist::compile(cumsum(), c);
    dist::Block b = dist::blockOf(n, c);
    std::vector<float> v(whole.begin() + b.begin, whole.begin() + b.end), out(v.size());
    k(v, out);
    std::vector<float> all(n);
    std::vector<int> rc(s), displ(s);
    int64_t rows = b.end - b.begin;
    int mine = static_cast<int>(rows);
    MPI_Allgather(&mine, 1, MPI_INT, rc.data(), 1, MPI_INT, c);
    for (int r = 1; r < s; ++r)
      displ[r] = displ[r - 1] + rc[r - 1];
    MPI_Allgatherv(out.data(), mine, MPI_FLOAT, all.data(), rc.data(), displ.data(),
                   MPI_FLOAT, c);
    results.push_back(all);
    MPI_Comm_free(&c);
  }
  float acc = 0;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    acc += whole[i];
    worst = std::max(worst, std::fabs(static_cast<double>(results[0][i]) - acc));
  }
  EXPECT_LT(worst, 1e-2); // small integers / 256: the sums are nearly exact
  for (size_t j = 1; j < results.size(); ++j)
    EXPECT_EQ(0, std::memcmp(results[0].data(), results[j].data(), n * sizeof(float)))
        << "ranks " << (1 << j);
}

} // namespace

/// What the ranks other than 0 print: their failures, naming the rank.
class FailuresOnly : public ::testing::EmptyTestEventListener {
  void OnTestPartResult(const ::testing::TestPartResult &r) override {
    if (r.failed())
      std::fprintf(stderr, "[rank %d] %s:%d: Failure\n%s\n", worldRank(),
                   r.file_name() ? r.file_name() : "?", r.line_number(), r.summary());
  }
};

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  ::testing::InitGoogleTest(&argc, argv);
  if (worldRank() != 0) {
    // One rank prints the progress; every rank prints its failures.
    auto &listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new FailuresOnly);
  }
  int rc = RUN_ALL_TESTS(), any = 0;
  MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return any;
}
