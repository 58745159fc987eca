//===- IRStagesTest.cpp - kernel.ir() and SEQFUSE_DUMP_IR -----------------===//
#include <seqfuse/seqfuse.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace seqfuse;
using ::testing::HasSubstr;

namespace {

Kernel runningSum(const char *name) {
  Program p(name);
  auto v = p.input<float>("v");
  auto out = p.output<float>("out", {v.size(0)});
  auto acc = p.state<float>("acc", 0.0f);
  loop(0, v.size(0), [&](Var i) {
    acc += v[i];
    out[i] = acc;
  });
  return compile(p);
}

TEST(IRStages, EveryStageHasItsForm) {
  Kernel k = runningSum("irstages");
  EXPECT_THAT(k.ir(Stage::Program), HasSubstr("program irstages(v: in f32[v.size(0)]"));
  std::string loopIR = k.ir(Stage::Loop);
  EXPECT_THAT(loopIR, HasSubstr("func.func @irstages"));
  EXPECT_THAT(loopIR, HasSubstr("scf.for"));
  EXPECT_THAT(loopIR, HasSubstr("iter_args"));
  EXPECT_THAT(loopIR, HasSubstr("IRStagesTest.cpp")); // source locations
  EXPECT_THAT(k.ir(Stage::Pattern), HasSubstr("seqfuse.scan"));
  EXPECT_THAT(k.ir(Stage::Canonical), HasSubstr("scf.for"));
  EXPECT_THAT(k.ir(Stage::Checked), HasSubstr("seqfuse.checked"));
  std::string cf = k.ir(Stage::CF);
  EXPECT_THAT(cf, HasSubstr("cf.cond_br"));
  EXPECT_THAT(cf, ::testing::Not(HasSubstr("scf.for")));
  EXPECT_THAT(k.ir(Stage::LLVM), HasSubstr("llvm.func @irstages"));
  EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("define void @irstages"));
  EXPECT_THAT(k.ir(Stage::Assembly), HasSubstr("irstages:"));
  EXPECT_EQ(k.ir("llvm-ir"), k.ir(Stage::LLVMIR));
  EXPECT_THROW(k.ir("nonsense"), Error);
}

TEST(IRStages, InterpreterTargetShowsLoopForm) {
  Program p("interp_ir");
  auto x = p.inout<int32_t>("x");
  loop(0, x.size(0), [&](Var i) { x[i] += 1; });
  Kernel k = compile(p, Target::interpreter());
  EXPECT_THAT(k.ir(Stage::Loop), HasSubstr("arith.addi"));
  EXPECT_THAT(k.ir(Stage::LLVMIR), HasSubstr("not produced for target 'interpreter'"));
}

TEST(IRStages, DumpToDirectoryWritesOneFilePerStage) {
  auto dir = std::filesystem::temp_directory_path() / "seqfuse-dump-test";
  std::filesystem::remove_all(dir);
  setenv("SEQFUSE_DUMP_IR", dir.c_str(), 1);
  Kernel k = runningSum("dumped");
  unsetenv("SEQFUSE_DUMP_IR");
  std::vector<std::string> names;
  for (auto &e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  std::vector<std::string> want{"dumped.00-program.txt",  "dumped.01-loop.mlir",
                                "dumped.02-pattern.mlir", "dumped.03-fused.mlir",
                                "dumped.04-checked.mlir", "dumped.05-canonical.mlir",
                                "dumped.06-cf.mlir",      "dumped.07-llvm.mlir",
                                "dumped.08-llvm-ir.ll",   "dumped.09-asm.s"};
  EXPECT_EQ(names, want);
  std::ifstream in(dir / "dumped.01-loop.mlir");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), k.ir(Stage::Loop));
}

TEST(IRStages, DumpToStderr) {
  setenv("SEQFUSE_DUMP_IR", "1", 1);
  ::testing::internal::CaptureStderr();
  Kernel k = runningSum("dumped_stderr");
  std::string err = ::testing::internal::GetCapturedStderr();
  unsetenv("SEQFUSE_DUMP_IR");
  for (Stage s : stagesOf(Target::cpu()))
    EXPECT_THAT(err, HasSubstr("// ----- seqfuse dumped_stderr: stage '" +
                               std::string(stageName(s)) + "' -----"));
}

} // namespace

#include "seqfuse/Pipelines/Pipelines.h"

namespace {

// The pipeline owns the pass stages and their names; each target's public
// Stage list is program, loop, its pipeline's stages in order, then what the
// backend makes itself (llvm-ir and asm; ptx).
std::vector<std::string> names(std::span<const Stage> stages) {
  std::vector<std::string> out;
  for (Stage s : stages)
    out.emplace_back(stageName(s));
  return out;
}
std::vector<std::string> pipeline(llvm::ArrayRef<seqfuse::PipelineStage> stages,
                                  std::vector<std::string> tail) {
  std::vector<std::string> want{"program", "loop"};
  for (const seqfuse::PipelineStage &s : stages)
    want.emplace_back(s.name);
  want.insert(want.end(), tail.begin(), tail.end());
  return want;
}

TEST(IRStages, PublicStagesAreThePipelinesStagesInOrder) {
  EXPECT_EQ(names(stagesOf(Target::cpu())),
            pipeline(seqfuse::cpuStages(), {"llvm-ir", "asm"}));
  EXPECT_EQ(names(stagesOf(Target::gpu())), pipeline(seqfuse::gpuStages(), {"ptx"}));
  EXPECT_EQ(names(stagesOf(Target::gpuSim())),
            pipeline(seqfuse::gpuSimStages(), {"llvm-ir", "asm"}));
  EXPECT_EQ(names(stagesOf(Target::interpreter())),
            (std::vector<std::string>{"program", "loop"}));
  // allStages() holds every target's stages, once each.
  std::set<std::string> all;
  for (Stage s : allStages())
    EXPECT_TRUE(all.insert(std::string(stageName(s))).second) << stageName(s);
  for (Target t : {Target::cpu(), Target::gpu(), Target::gpuSim(), Target::interpreter()})
    for (Stage s : stagesOf(t))
      EXPECT_TRUE(all.count(std::string(stageName(s)))) << stageName(s);
}

TEST(IRStages, EveryPipelineOptionIsInTheCacheKey) {
  seqfuse::PipelineConfig a, b;
  EXPECT_EQ(a.key(), b.key());
  b.checked = !a.checked;
  EXPECT_NE(a.key(), b.key());
  b = a;
  b.strictFP = !a.strictFP;
  EXPECT_NE(a.key(), b.key());
  b = a;
  b.optLevel = 1;
  EXPECT_NE(a.key(), b.key());
  b = a;
  b.gpuThreads = 64;
  EXPECT_NE(a.key(), b.key());
  b = a;
  b.gpuLookbackStress = true;
  EXPECT_NE(a.key(), b.key());
  b = a;
  b.gpuChip = "sm_80";
  EXPECT_NE(a.key(), b.key());
}

} // namespace
