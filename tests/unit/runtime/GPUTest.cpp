//===- GPUTest.cpp - the GPU kernels: on the CPU twin, as PTX, on a device -===//
//
// Target::gpuSim runs the GPU lowering's kernels on the CPU (blocks on
// threads, threads phase by phase), so their tiles, look-back and carries
// are checked against the interpreter on every CI run:
//   - every fold family at sizes around tile boundaries, with small tiles
//     (SEQFUSE_GPU_TILE) and with the look-back stressed (most tiles publish
//     only their aggregate), at 1, 2, 4 and 7 host threads;
//   - float results bitwise the same for any thread count and whether or
//     not the look-back was stressed (it folds forward from the nearest
//     inclusive prefix: the grouping never depends on timing);
//   - maps, scatters with duplicates, histograms, checked-mode errors.
// Target::gpu compiles every pattern to PTX (and a cubin where ptxas is
// found, which then accepts it); runs on a device skip without one.
//
//===----------------------------------------------------------------------===//
#include "Differential.h"
#include "Families.h"
#include "GPUPrograms.h"

#include <seqfuse/runtime/GPUModule.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>

using namespace seqfuse;
using namespace seqfuse::testing;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

struct Tiling {
  const char *tile;
  bool stress;
};
// One warp of one item (tile 32) with the look-back stressed; two warps of
// two items (tile 128); the default (256 x 16) for the large sizes.
const Tiling kTilings[] = {{"32x1x1", true}, {"64x2x2", false}};

GenOptions gpuSim(const Tiling &t, int threads, uint64_t seed) {
  GenOptions o;
  o.target = Target::gpuSim();
  o.gpuTile = t.tile;
  o.lookbackStress = t.stress;
  o.numThreads = threads;
  o.seed = seed;
  // Around the tiles of 32 and 128 (and their maps' 32, 256).
  o.sizes = {0, 1, 2, 31, 32, 33, 127, 128, 129, 255, 257, 1000, 4097};
  o.trials = 12;
  return o;
}

TEST(GPUSim, EveryFoldFamilyMatchesTheLoop) {
  for (const Family &f : families()) {
    Program p = make(f);
    for (const Tiling &t : kTilings)
      for (int threads : {1, 2, 4, 7}) {
        if (!t.stress && (threads == 2 || threads == 4))
          continue;
        SCOPED_TRACE(std::string(f.name) + " tile " + t.tile +
                     (t.stress ? " stressed" : "") + " threads " +
                     std::to_string(threads));
        differential(p, gpuSim(t, threads, 700 + threads));
        if (::testing::Test::HasFailure())
          return;
      }
  }
}

TEST(GPUSim, EveryFoldFamilyMatchesTheLoopAtTheDefaultTiles) {
  for (const Family &f : families()) {
    SCOPED_TRACE(f.name);
    GenOptions o;
    o.target = Target::gpuSim();
    o.sizes = {0, 4095, 4096, 4097, 20000};
    o.trials = 4;
    o.specialProb = 0.0005;
    differential(make(f), o);
    if (::testing::Test::HasFailure())
      return;
  }
}

TEST(GPUSim, ResultsAreBitwiseTheSameForAnyThreadCountAndAnyLookback) {
  for (const Family &f : families()) {
    Program p = make(f);
    SCOPED_TRACE(f.name);
    GenOptions o;
    o.sizes = {3001};
    o.specialProb = 0.0005; // some NaN and inf, most tiles finite
    std::mt19937_64 rng(3001);
    std::vector<Buffer> bufs = generate(p.data(), o, rng);
    std::vector<std::vector<unsigned char>> first;
    for (bool stress : {false, true})
      for (int threads : {1, 2, 4, 7}) {
        GenOptions knobs;
        knobs.gpuTile = "32x1x1";
        knobs.lookbackStress = stress;
        GPUKnobs scope(knobs);
        Kernel k = compile(p, Target::gpuSim(), Options{.numThreads = threads});
        auto got = outputs(k, bufs);
        if (first.empty())
          first = got;
        else
          ASSERT_TRUE(got == first) << threads << " threads, stressed " << stress;
      }
  }
}

GenOptions withIndices(const Tiling &t, int threads) {
  GenOptions o = gpuSim(t, threads, 900 + threads);
  o.indexInto["idx"] = {"t", 1};
  o.indexInto["bin"] = {"counts", 0};
  return o;
}

TEST(GPUSim, MapsScattersHistogramsAndChainsMatchTheLoop) {
  for (const Tiling &t : kTilings)
    for (int threads : {1, 7}) {
      SCOPED_TRACE(std::string("tile ") + t.tile + " threads " + std::to_string(threads));
      differential(mapProgram(), gpuSim(t, threads, 11));
      GenOptions rows = gpuSim(t, threads, 12);
      rows.sizes = {0, 1, 3, 40, 130};
      differential(batchedScanProgram(), rows);
      GenOptions sc = withIndices(t, threads);
      differential(scatterProgram(), sc);
      GenOptions small = sc;
      small.fixedSizes["t"] = 5; // many duplicates
      differential(scatterProgram(), small);
      GenOptions h = gpuSim(t, threads, 13);
      h.indexInto["bin"] = {"counts", 0};
      differential(histogramProgram(), h);
      for (int64_t bins : {int64_t(3), int64_t(20000)}) { // in shared memory, or not
        GenOptions hb = h;
        hb.fixedSizes["m"] = bins;
        hb.sizes = {1, 100, 5000};
        differential(histogramProgram(), hb);
      }
      GenOptions fh = gpuSim(t, threads, 14);
      fh.indexInto["bin"] = {"h", 1};
      differential(floatHistogramProgram(), fh);
      GenOptions g = gpuSim(t, threads, 15);
      g.indexInto["idx"] = {"v", 1}; // some out of range: IndexError as the loop
      EXPECT_GT(differential(gatherScanProgram(), g), 0);
      differential(chainProgram(), sc);
      if (::testing::Test::HasFailure())
        return;
    }
}

TEST(GPUSim, FloatHistogramsAreBitwiseTheSameForAnyThreadCount) {
  // Per-tile copies folded by owners in order, tiles merged in tile order.
  Program p = floatHistogramProgram();
  for (int64_t bins : {int64_t(7), int64_t(300)}) {
    GenOptions o;
    o.sizes = {20011};
    o.indexInto["bin"] = {"h", 0};
    std::mt19937_64 rng(bins);
    std::vector<Buffer> bufs = generate(p.data(), o, rng);
    bufs[2].shape = {bins};
    bufs[2].bytes.assign(bins * 4, 0);
    for (int64_t i = 0; i < 20011; ++i)
      bufs[0].as<int32_t>()[i] = static_cast<int32_t>(rng() % uint64_t(bins));
    std::vector<std::vector<unsigned char>> first;
    for (int threads : {1, 2, 7}) {
      Kernel k = compile(p, Target::gpuSim(), Options{.numThreads = threads});
      EXPECT_THAT(k.reportText(), HasSubstr("owners per tile"));
      auto got = outputs(k, bufs);
      if (first.empty())
        first = got;
      else
        ASSERT_TRUE(got == first) << threads << " threads, " << bins << " bins";
    }
  }
}

TEST(GPUSim, CheckedModeRunsInParallelUpToTheFirstFailureAndRaisesAsTheLoop) {
  // acc += v[idx[i]]: a probe finds the first failing iteration; the tiles
  // cover the iterations before it, one thread the loop from it.
  Program p = gatherScanProgram();
  for (const char *tile : {"", "32x1x1"}) {
    GenOptions knobs;
    knobs.gpuTile = tile;
    GPUKnobs scope(knobs);
    Kernel k = compile(p, Target::gpuSim(), Options{.numThreads = 2});
    EXPECT_THAT(k.reportText(), HasSubstr("GPU: one-pass tiled scan"));
    EXPECT_THAT(k.reportText(), HasSubstr("its run-time checks first"));
    int64_t n = 300000;
    std::vector<int64_t> vs(100), ix(n), o(n, -9);
    for (int j = 0; j < 100; ++j)
      vs[j] = j * 3 - 50;
    for (int64_t i = 0; i < n; ++i)
      ix[i] = (i * 37) % 100;
    ix[200001] = 100;
    ix[250000] = -1;
    try {
      k(vs, ix, o);
      ADD_FAILURE() << "no IndexError";
    } catch (const IndexError &e) {
      EXPECT_THAT(std::string(e.what()),
                  HasSubstr("index 100 out of range for tensor 'v'"));
    }
    int64_t acc = 0;
    for (int64_t i = 0; i < 200001; ++i) {
      acc += vs[ix[i]];
      ASSERT_EQ(o[i], acc) << "at " << i;
    }
    for (int64_t i = 200001; i < n; ++i)
      ASSERT_EQ(o[i], -9) << "written after the failure at " << i;
  }
}

TEST(GPUSim, TheReportNamesTheGPUAlgorithm) {
  Kernel scan = compile(make(family("cumsum_f32")), Target::gpuSim());
  EXPECT_THAT(scan.reportText(),
              HasSubstr("GPU: one-pass tiled scan, tiles of 4096 iterations"));
  EXPECT_THAT(scan.reportText(), HasSubstr("floats reassociated in that fixed grouping"));
  Kernel exact = compile(make(family("sum_i32")), Target::gpuSim());
  EXPECT_THAT(exact.reportText(), HasSubstr("exact: the loop's result bit for bit"));
  Kernel strict =
      compile(make(family("cumsum_f32")), Target::gpuSim(), Options{.strictFP = true});
  EXPECT_THAT(strict.reportText(), HasSubstr("GPU: one thread runs the loop (its floats "
                                             "keep the loop's order (strict_fp))"));
  Kernel sc = compile(scatterProgram(), Target::gpuSim(), Options{.checked = false});
  EXPECT_THAT(sc.reportText(), HasSubstr("exact last writer wins"));
}

TEST(GPUSim, ShowsItsStages) {
  Kernel k = compile(make(family("cumsum_f32")), Target::gpuSim());
  std::string g = k.ir(Stage::GPU);
  EXPECT_THAT(g, HasSubstr("gpu.launch_func"));
  EXPECT_THAT(g, HasSubstr("gpu.shuffle"));
  EXPECT_THAT(g, HasSubstr("gpu.barrier"));
  EXPECT_THAT(k.ir(Stage::GPUSim), HasSubstr("func.func @sim_"));
  EXPECT_THAT(k.ir(Stage::GPUSim), Not(HasSubstr("gpu.barrier")));
  EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("define void @sim_"));
  EXPECT_THAT(k.ir(Stage::PTX), HasSubstr("not produced for target 'gpu-sim'"));
}

//===----------------------------------------------------------------------===//
// Target::gpu: PTX and cubin on any machine, runs where there is a device
//===----------------------------------------------------------------------===//

std::vector<std::function<Program()>> everyPattern() {
  std::vector<std::function<Program()>> out;
  for (const Family &f : families())
    out.push_back([f] { return make(f); });
  for (auto fn : {mapProgram, batchedScanProgram, scatterProgram, histogramProgram,
                  floatHistogramProgram, gatherScanProgram, chainProgram})
    out.push_back(fn);
  return out;
}

/// Whether the compile finds CUDA's ptxas (as GPUBackend.cpp looks for it).
bool ptxasHere() {
  if (std::getenv("SEQFUSE_PTXAS"))
    return true;
  for (const char *dir : {"/usr/local/cuda/bin/", "/usr/bin/"})
    if (std::filesystem::exists(std::string(dir) + "ptxas"))
      return true;
  return false;
}

TEST(GPU, EveryPatternCompilesToPTX) {
  // With CUDA's ptxas on the machine (CI's has /usr/local/cuda) the compile
  // also assembles a cubin, and a PTX ptxas refuses is a CompileError.
  for (const auto &make : everyPattern())
    for (bool checked : {true, false}) {
      Program p = make();
      SCOPED_TRACE(p.data().name + (checked ? " checked" : " unchecked"));
      Kernel k = compile(p, Target::gpu(), Options{.checked = checked});
      std::string ptx = k.ir(Stage::PTX);
      EXPECT_THAT(ptx, HasSubstr(".target sm_90"));
      if (ptxasHere())
        EXPECT_THAT(ptx, HasSubstr("-arch=sm_90 into a cubin of"));
      EXPECT_THAT(ptx, HasSubstr(".visible .entry"));
      EXPECT_THAT(k.ir(Stage::NVVM), HasSubstr("llvm.func"));
      EXPECT_THAT(k.ir(Stage::GPU), HasSubstr("gpu.launch_func"));
    }
}

TEST(GPU, TheChipAndPTXVersionAreCheckedBeforeTheyReachLLVM) {
  Program p = make(family("cumsum_f32"));
  auto refused = [&](const char *chip, const char *features, const char *why) {
    try {
      compile(p, Target::gpu(), Options{.gpuChip = chip, .gpuFeatures = features});
      ADD_FAILURE() << chip << " " << features << " compiled";
    } catch (const CompileError &e) {
      EXPECT_THAT(e.what(), HasSubstr(why));
    }
  };
  refused("sm_90", "+ptx60", "sm_90 needs PTX ISA 7.8 or later");
  refused("sm_42", "+ptx80", "'sm_42' is not a supported GPU");
  refused("sm_90", "ptx80", "must be a PTX ISA version");
  Kernel k80 =
      compile(p, Target::gpu(), Options{.gpuChip = "sm_80", .gpuFeatures = "+ptx70"});
  EXPECT_THAT(k80.ir(Stage::PTX), HasSubstr(".target sm_80"));
}

TEST(GPU, WithoutADriverACallSaysWhatIsMissing) {
  std::string why;
  if (gpuAvailable(&why))
    GTEST_SKIP() << "a CUDA device is present";
  Kernel k = compile(make(family("cumsum_f32")), Target::gpu());
  std::vector<float> v(10, 1.0f), out(10, 7.0f);
  try {
    k(v, out);
    ADD_FAILURE() << "no error";
  } catch (const Error &e) {
    EXPECT_THAT(e.what(), HasSubstr("libcuda.so.1"));
    EXPECT_EQ(e.what(), why);
  }
  EXPECT_EQ(out, std::vector<float>(10, 7.0f)); // nothing written
}

TEST(GPU, EveryPatternMatchesTheLoopOnADevice) {
  std::string why;
  if (!gpuAvailable(&why))
    GTEST_SKIP() << why;
  for (const Family &f : families()) {
    SCOPED_TRACE(f.name);
    GenOptions o;
    o.target = Target::gpu();
    o.sizes = {0, 1, 31, 4095, 4096, 4097, 100000};
    o.trials = 6;
    differential(make(f), o);
    GenOptions small = o;
    small.gpuTile = "32x1x1";
    small.lookbackStress = true;
    differential(make(f), small);
  }
  for (const Tiling &t : kTilings) {
    GenOptions o = withIndices(t, 0);
    o.target = Target::gpu();
    differential(scatterProgram(), o);
    differential(chainProgram(), o);
    GenOptions h = o;
    h.indexInto["bin"] = {"counts", 0};
    differential(histogramProgram(), h);
  }
}

TEST(GPU, ASavedKernelLoadsWithoutTheCompiler) {
  Program p = make(family("cumsum_f32"));
  Kernel k = compile(p, Target::gpu());
  auto dir = std::filesystem::temp_directory_path() / "seqfuse-gpu-save";
  std::filesystem::create_directories(dir);
  std::string path = (dir / "cumsum.sfk").string();
  k.save(path);
  GPUModule m = GPUModule::load(path);
  EXPECT_EQ(m.signature(), k.signature());
  EXPECT_EQ(m.chip(), "sm_90");
  EXPECT_EQ(m.hasCubin(), ptxasHere());
  // Saving is deterministic.
  std::string again = (dir / "again.sfk").string();
  k.save(again);
  auto bytes = [](const std::string &f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(bytes(path), bytes(again));
  // Arguments are checked before the driver is touched.
  std::vector<float> v(10, 1.0f), out(9, 7.0f);
  EXPECT_THROW(m(v, out), ArgumentError);
  EXPECT_THROW(m(v), ArgumentError);
  out.resize(10);
  if (!gpuAvailable()) {
    try {
      m(v, out);
      ADD_FAILURE() << "no error";
    } catch (const Error &e) {
      EXPECT_THAT(e.what(), HasSubstr("libcuda.so.1"));
    }
  } else {
    m(v, out);
    EXPECT_EQ(out[9], 10.0f);
  }
  // Not a saved kernel; a kernel of another target.
  std::ofstream(dir / "bad.sfk") << "seqfuse-gpu-kernel 99\n";
  try {
    GPUModule::load((dir / "bad.sfk").string());
    ADD_FAILURE() << "loaded";
  } catch (const Error &e) {
    EXPECT_THAT(e.what(), HasSubstr("format version 99"));
  }
  EXPECT_THROW(GPUModule::load((dir / "none.sfk").string()), Error);
  EXPECT_THROW(compile(p).save((dir / "cpu.sfk").string()), Error);
  std::filesystem::remove_all(dir);
}

TEST(Arguments, DeviceMemoryIsRefusedByTheHostTargets) {
  Kernel k = compile(make(family("cumsum_f32")));
  std::vector<float> out(4);
  float *fake = reinterpret_cast<float *>(0x1000);
  try {
    k(Arg::cuda(fake, std::vector<int64_t>{4}), out);
    ADD_FAILURE() << "no error";
  } catch (const ArgumentError &e) {
    EXPECT_THAT(e.what(), HasSubstr("f32[4] in GPU memory"));
    EXPECT_THAT(e.what(), HasSubstr("the cpu target reads host memory"));
  }
}

} // namespace
