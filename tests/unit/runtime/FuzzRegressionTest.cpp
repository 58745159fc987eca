//===- FuzzRegressionTest.cpp - replay saved fuzzer failures --------------===//
//
// Every tests/fuzz/regressions/*.case file (written by seqfuse-fuzz --save)
// names a program seed, the slots kept after shrinking and an argument seed
// (and the target it failed on); each must now give identical results on
// every target: the CPU's and the GPU kernels run on the CPU. A small fixed sweep
// runs as well, so the generator itself stays covered by the unit tests.
//
//===----------------------------------------------------------------------===//
#include "../../fuzz/ProgramGen.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace seqfuse;
using namespace seqfuse::fuzz;

namespace {

TEST(FuzzRegressions, SavedCasesStayFixed) {
  std::filesystem::path dir(SEQFUSE_FUZZ_REGRESSIONS_DIR);
  int cases = 0;
  for (auto &e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".case")
      continue;
    std::ifstream in(e.path());
    uint64_t seed = 0, argSeed = 0;
    std::vector<int> keep;
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string key;
      ls >> key;
      if (key == "program-seed")
        ls >> seed;
      else if (key == "arg-seed")
        ls >> argSeed;
      else if (key == "keep")
        for (int k; ls >> k;)
          keep.push_back(k);
    }
    GeneratedProgram gp = generateProgram(seed, &keep);
    for (Target t : {Target::cpu(), Target::gpuSim()}) {
      auto m = compareTargets(*gp.program, argSeed, nullptr, t);
      EXPECT_FALSE(m.has_value())
          << e.path() << " on " << t.name() << ": " << (m ? m->what : "") << "\n"
          << gp.program->str();
    }
    ++cases;
  }
  RecordProperty("cases", cases);
}

TEST(FuzzRegressions, GeneratorSweep) {
  int families = 0;
  for (uint64_t seed = 1000; seed < 1040; ++seed) {
    GeneratedProgram gp = generateProgram(seed);
    families += static_cast<int>(gp.families.size());
    for (uint64_t a = 0; a < 2; ++a) {
      auto m = compareTargets(*gp.program, seed * 7 + a);
      ASSERT_FALSE(m.has_value()) << "program-seed " << seed << ": " << m->what << "\n"
                                  << gp.program->str();
    }
  }
  EXPECT_GT(families, 40);
}

} // namespace
