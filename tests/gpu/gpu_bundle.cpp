//===- gpu_bundle.cpp - saved GPU kernels and their expected results ------===//
//
//   seqfuse-gpu-bundle <dir>
//
// Writes what scripts/gpu-check.sh runs on a GPU machine, which has only
// the NVIDIA driver and the CUDA toolkit (no MLIR): every GPU test program
// (the fold families, maps, a batched scan, scatters, histograms, a checked
// gather, a chain) compiled for Target::gpu() and saved (Kernel::save), at
// the default tiles and at tiles of 32 with a stressed look-back, with
// random arguments (sizes across tile boundaries, NaN and inf, indices out
// of range) and what the reference interpreter leaves in them; and the
// benchmark kernels. <dir>/cases.txt and <dir>/bench.txt list them.
//
//===----------------------------------------------------------------------===//
#include "../unit/runtime/Differential.h"
#include "../unit/runtime/Families.h"
#include "../unit/runtime/GPUPrograms.h"

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace seqfuse;
using namespace seqfuse::testing;

namespace {

namespace fs = std::filesystem;

void writeBuffers(std::ostream &os, const std::vector<Buffer> &bufs) {
  os << bufs.size() << "\n";
  for (const Buffer &b : bufs) {
    os << int(b.type) << " " << int(b.isTensor) << " " << b.shape.size();
    for (int64_t d : b.shape)
      os << " " << d;
    os << " " << b.bytes.size() << "\n";
    os.write(reinterpret_cast<const char *>(b.bytes.data()),
             static_cast<std::streamsize>(b.bytes.size()));
    os << "\n";
  }
}

struct Case {
  std::string name;
  std::function<Program()> make;
  GenOptions gen;
  Options options;
};

int cases = 0;
uint64_t bytes = 0;

void save(const fs::path &dir, std::ofstream &index, const Case &c) {
  Program p = c.make();
  Kernel interp = compile(p, Target::interpreter());
  GPUKnobs knobs(c.gen);
  Kernel k = compile(p, Target::gpu(), c.options);
  std::string sfk = c.name + ".sfk";
  k.save((dir / sfk).string());
  bool loose = reassociates(k);
  std::mt19937_64 rng(c.gen.seed);
  for (int t = 0; t < c.gen.trials; ++t) {
    std::vector<Buffer> args = generate(p.data(), c.gen, rng);
    Outcome want = runOn(interp, args);
    std::string file = c.name + "." + std::to_string(t) + ".case";
    std::ofstream out(dir / file, std::ios::binary);
    out << "case " << c.name << "\n";
    writeBuffers(out, args);
    out << (want.error ? 1 : 0) << " " << (want.error ? want.error->size() : 0) << ":"
        << want.error.value_or("") << "\n";
    writeBuffers(out, want.bufs);
    index << "case " << file << " " << sfk << " " << (loose ? "reassociate" : "exact")
          << "\n";
    ++cases;
    for (const Buffer &b : args)
      bytes += 2 * b.bytes.size();
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <dir>\n";
    return 2;
  }
  fs::path dir(argv[1]);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream index(dir / "cases.txt");
  std::vector<Case> all;
  auto add = [&](const std::string &name, std::function<Program()> make, GenOptions g,
                 Options o = {}) {
    all.push_back({name, std::move(make), std::move(g), o});
  };
  // Default tiles (256 x 16 for folds): sizes across one and many tiles.
  GenOptions big;
  big.sizes = {0, 1, 31, 4095, 4097, 40009};
  big.trials = 3;
  big.specialProb = 0.001;
  // Tiles of 32 with a stressed look-back: most tiles publish only their
  // aggregate, and on a GPU the blocks really race.
  GenOptions small = big;
  small.gpuTile = "32x1x1";
  small.lookbackStress = true;
  small.sizes = {33, 1000, 30011};
  small.trials = 2;
  for (const Family &f : families()) {
    add(
        std::string(f.name), [f] { return make(f); }, big);
    add(
        std::string(f.name) + "_small_tiles", [f] { return make(f); }, small);
  }
  GenOptions idx = big;
  idx.indexInto["idx"] = {"t", 1};
  idx.indexInto["bin"] = {"counts", 0};
  add("map", mapProgram, big);
  GenOptions rows = big;
  rows.sizes = {0, 3, 130, 700};
  add("rows", batchedScanProgram, rows);
  add("scatter", scatterProgram, idx, Options{.checked = false});
  GenOptions dup = idx;
  dup.fixedSizes["t"] = 5;
  add("scatter_duplicates", scatterProgram, dup, Options{.checked = false});
  add("scatter_checked", scatterProgram, idx);
  GenOptions hist = big;
  hist.indexInto["bin"] = {"counts", 0};
  add("histogram", histogramProgram, hist, Options{.checked = false});
  GenOptions fhist = big;
  fhist.indexInto["bin"] = {"h", 1};
  add("float_histogram", floatHistogramProgram, fhist);
  GenOptions gather = big;
  gather.indexInto["idx"] = {"v", 1};
  gather.sizes = {0, 1, 31, 4097};
  add("gather_checked", gatherScanProgram, gather);
  add("chain", chainProgram, idx, Options{.checked = false});
  for (const Case &c : all)
    save(dir, index, c);

  // Benchmarks: the kernels gpu_check times against a device copy, CUB and
  // torch (their inputs it makes itself).
  std::ofstream bench(dir / "bench.txt");
  auto benchKernel = [&](const std::string &name, Program p, Options o) {
    Kernel k = compile(p, Target::gpu(), o);
    k.save((dir / ("bench_" + name + ".sfk")).string());
    bench << "bench " << name << " bench_" << name << ".sfk\n";
  };
  {
    Program p("bench_cumsum");
    auto v = p.input<float>("v");
    auto out = p.output<float>("out", {v.size(0)});
    auto acc = p.state<float>("acc", 0.0f);
    loop(0, v.size(0), [&](Var i) {
      acc += v[i];
      out[i] = acc;
    });
    benchKernel("cumsum", std::move(p), Options{});
  }
  {
    Program p("bench_affine");
    auto a = p.input<float>("a");
    auto b = p.input<float>("b", {a.size(0)});
    auto out = p.output<float>("out", {a.size(0)});
    auto x = p.state<float>("x", 0.0f);
    loop(0, a.size(0), [&](Var i) {
      x = a[i] * x + b[i];
      out[i] = x;
    });
    benchKernel("affine", std::move(p), Options{});
  }
  {
    Program p("bench_histogram");
    auto x = p.input<float>("x");
    auto h = p.inout<int32_t>("h", {256});
    loop(0, x.size(0), [&](Var i) { h[cast<int32_t>(x[i] * 256.0f)] += 1; });
    benchKernel("histogram", std::move(p), Options{.checked = false});
  }
  {
    Program p("bench_scatter");
    auto idx = p.input<int32_t>("idx");
    auto v = p.input<float>("v", {idx.size(0)});
    auto t = p.inout<float>("t");
    loop(0, idx.size(0), [&](Var i) { t[idx[i]] = v[i]; });
    benchKernel("scatter", std::move(p), Options{.checked = false});
  }
  benchKernel("chain", chainProgram(), Options{.checked = false});
  std::cout << "seqfuse-gpu-bundle: " << cases << " cases of " << all.size()
            << " kernels and 5 benchmark kernels in " << dir.string() << " ("
            << bytes / (1 << 20) << " MiB of arguments and results)\n";
  return 0;
}
