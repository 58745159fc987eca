//===- seqfuse-fuzz.cpp - differential program fuzzer ---------------------===//
//
//   seqfuse-fuzz [--seed=N] [--programs=K] [--args=R] [--seconds=T]
//                [--target=cpu|gpu-sim] [--random-seed] [--save=DIR] [--verbose]
//
// Generates K random programs from seed N on (see ProgramGen.h), runs each on
// R random argument sets through the interpreter and the checked and
// unchecked kernels of the target (the CPU JIT, or the GPU kernels run on the
// CPU), and compares the outcomes bit for bit. A failing program is
// shrunk (slots dropped while it still fails), printed, and saved to DIR as a
// regression case (replayed by the FuzzRegressions unit test). Prints what it
// exercised; exits 1 if any program failed.
//
//===----------------------------------------------------------------------===//
#include "ProgramGen.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

using namespace seqfuse;
using namespace seqfuse::fuzz;

namespace {

struct Config {
  uint64_t seed = 1;
  int programs = 200;
  int argsPerProgram = 3;
  double seconds = 0; // 0: no time limit
  std::string saveDir;
  bool verbose = false;
  Target target = Target::cpu();
};

bool fails(uint64_t seed, const std::vector<int> &keep, uint64_t argSeed, Target target) {
  GeneratedProgram gp = generateProgram(seed, &keep);
  try {
    return compareTargets(*gp.program, argSeed, nullptr, target).has_value();
  } catch (const std::exception &) {
    return true;
  }
}

/// Drops slots while the failure persists.
std::vector<int> shrink(uint64_t seed, uint64_t argSeed, Target target) {
  std::vector<int> keep;
  for (int k = 0; k < slotCount(seed); ++k)
    keep.push_back(k);
  for (size_t j = 0; j < keep.size() && keep.size() > 1;) {
    std::vector<int> fewer = keep;
    fewer.erase(fewer.begin() + j);
    if (fails(seed, fewer, argSeed, target))
      keep = fewer;
    else
      ++j;
  }
  return keep;
}

} // namespace

int main(int argc, char **argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&](const char *flag) -> const char * {
      size_t n = std::strlen(flag);
      return a.compare(0, n, flag) == 0 ? a.c_str() + n : nullptr;
    };
    if (auto v = val("--seed="))
      c.seed = std::strtoull(v, nullptr, 10);
    else if (auto v = val("--programs="))
      c.programs = std::atoi(v);
    else if (auto v = val("--args="))
      c.argsPerProgram = std::atoi(v);
    else if (auto v = val("--seconds="))
      c.seconds = std::atof(v);
    else if (auto v = val("--save="))
      c.saveDir = v;
    else if (auto v = val("--target=")) {
      if (std::string(v) == "gpu-sim")
        c.target = Target::gpuSim();
      else if (std::string(v) != "cpu") {
        std::fprintf(stderr, "%s: --target must be cpu or gpu-sim\n", argv[0]);
        return 2;
      }
    } else if (a == "--random-seed")
      c.seed = static_cast<uint64_t>(
          std::chrono::system_clock::now().time_since_epoch().count());
    else if (a == "--verbose")
      c.verbose = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [--seed=N] [--programs=K] [--args=R] [--seconds=T] "
                   "[--target=cpu|gpu-sim] [--random-seed] [--save=DIR] [--verbose]\n",
                   argv[0]);
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // progress shows up in logs
  std::printf(
      "seqfuse-fuzz: seed %llu, up to %d programs x %d argument sets, target %s\n",
      static_cast<unsigned long long>(c.seed), c.programs, c.argsPerProgram,
      std::string(c.target.name()).c_str());
  auto start = std::chrono::steady_clock::now();
  int programs = 0, statements = 0, runs = 0, errorRuns = 0, failures = 0;
  int perFamily[static_cast<int>(Family::kCount)] = {};
  std::map<std::string, int> perPattern; // what the pattern analysis found
  for (int k = 0; k < c.programs; ++k) {
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (c.seconds > 0 && elapsed > c.seconds)
      break;
    uint64_t seed = c.seed + static_cast<uint64_t>(k);
    GeneratedProgram gp = generateProgram(seed);
    ++programs;
    statements += gp.statements;
    for (Family f : gp.families)
      ++perFamily[static_cast<int>(f)];
    try {
      seqfuse::testing::ParallelChunk chunk(kFuzzChunk); // as compareTargets compiles
      seqfuse::testing::GPUKnobs gpu(gpuKnobsFor(*gp.program));
      for (const Remark &r :
           compile(*gp.program, c.target, jitOptions(*gp.program)).report())
        ++perPattern[r.pattern];
    } catch (const std::exception &) {
    }
    for (int r = 0; r < c.argsPerProgram; ++r) {
      uint64_t argSeed = seed * 31 + static_cast<uint64_t>(r);
      std::optional<Mismatch> m;
      bool raised = false;
      try {
        m = compareTargets(*gp.program, argSeed, &raised, c.target);
      } catch (const std::exception &e) {
        m = Mismatch{std::string("exception: ") + e.what()};
      }
      ++runs;
      errorRuns += raised;
      if (!m)
        continue;
      ++failures;
      std::vector<int> keep = shrink(seed, argSeed, c.target);
      GeneratedProgram small = generateProgram(seed, &keep);
      std::printf("FAIL program-seed %llu arg-seed %llu\n%s\nshrunk program:\n%s\n",
                  static_cast<unsigned long long>(seed),
                  static_cast<unsigned long long>(argSeed), m->what.c_str(),
                  small.program->str().c_str());
      if (!c.saveDir.empty()) {
        std::filesystem::create_directories(c.saveDir);
        auto path = std::filesystem::path(c.saveDir) /
                    (std::to_string(seed) + "-" + std::to_string(argSeed) + ".case");
        std::ofstream out(path);
        out << "program-seed " << seed << "\narg-seed " << argSeed << "\ntarget "
            << c.target.name() << "\nkeep";
        for (int j : keep)
          out << " " << j;
        out << "\n# " << m->what.substr(0, m->what.find('\n')) << "\n";
        std::printf("saved %s\n", path.c_str());
      }
      break;
    }
    clearCache(); // each program is compiled once: keep memory flat
    if (c.verbose)
      std::printf("program %llu: %d statements\n", static_cast<unsigned long long>(seed),
                  gp.statements);
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fuzzed %d programs (%d statements) on %d argument sets (%d raised "
              "IndexError) in %.1f s\n",
              programs, statements, runs, errorRuns, secs);
  std::printf("families:");
  for (int f = 0; f < static_cast<int>(Family::kCount); ++f)
    std::printf(" %s=%d", familyName(static_cast<Family>(f)), perFamily[f]);
  std::printf("\npatterns found:");
  for (auto &[name, count] : perPattern)
    std::printf(" %s=%d", name.c_str(), count);
  std::printf("\n%d passed, %d failed\n", programs - failures, failures);
  return failures ? 1 : 0;
}
