//===- Kernel.cpp - compile, cache, check arguments, call -----------------===//
//
// compile(): program -> loop-form MLIR -> the stages every target shares
// (pattern, fused, their report) -> the target's Backend (Backend.h), through
// an in-process cache keyed by the program's fingerprint + target + options.
// Kernel::call(): validates the arguments against the declared signature,
// then calls the backend's Executable.
// IR stages other than the program text are produced on demand by replaying
// the pipeline on the kept loop-form module, so compiling costs nothing extra.
//
//===----------------------------------------------------------------------===//
#include "Backend.h"
#include "Signature.h"
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Pipelines/Report.h"
#include "seqfuse/dsl/EmitLoopForm.h"
#include "seqfuse/dsl/Program.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <list>
#include <mutex>
#include <unordered_map>

using namespace seqfuse;
using namespace seqfuse::ast;

//===----------------------------------------------------------------------===//
// Stages
//===----------------------------------------------------------------------===//

static constexpr Stage kStages[] = {
    Stage::Program,   Stage::Loop,   Stage::Pattern, Stage::Fused,  Stage::Checked,
    Stage::Canonical, Stage::CF,     Stage::LLVM,    Stage::LLVMIR, Stage::Assembly,
    Stage::GPU,       Stage::GPUSim, Stage::NVVM,    Stage::PTX,    Stage::Ranks};
static constexpr Stage kCPUStages[] = {
    Stage::Program,   Stage::Loop, Stage::Pattern, Stage::Fused,  Stage::Checked,
    Stage::Canonical, Stage::CF,   Stage::LLVM,    Stage::LLVMIR, Stage::Assembly};
static constexpr Stage kRanksStages[] = {Stage::Program,   Stage::Loop,    Stage::Pattern,
                                         Stage::Fused,     Stage::Ranks,   Stage::Checked,
                                         Stage::Canonical, Stage::CF,      Stage::LLVM,
                                         Stage::LLVMIR,    Stage::Assembly};
static constexpr Stage kInterpreterStages[] = {Stage::Program, Stage::Loop};
static constexpr Stage kGPUStages[] = {Stage::Program, Stage::Loop, Stage::Pattern,
                                       Stage::Fused,   Stage::GPU,  Stage::NVVM,
                                       Stage::PTX};
static constexpr Stage kGPUSimStages[] = {
    Stage::Program, Stage::Loop, Stage::Pattern, Stage::Fused,  Stage::GPU,
    Stage::GPUSim,  Stage::CF,   Stage::LLVM,    Stage::LLVMIR, Stage::Assembly};

std::string_view seqfuse::stageName(Stage s) {
  switch (s) {
  case Stage::Program:
    return "program";
  case Stage::Loop:
    return "loop";
  case Stage::Pattern:
    return "pattern";
  case Stage::Fused:
    return "fused";
  case Stage::Canonical:
    return "canonical";
  case Stage::Checked:
    return "checked";
  case Stage::CF:
    return "cf";
  case Stage::LLVM:
    return "llvm";
  case Stage::LLVMIR:
    return "llvm-ir";
  case Stage::Assembly:
    return "asm";
  case Stage::GPU:
    return "gpu";
  case Stage::GPUSim:
    return "gpu-sim";
  case Stage::NVVM:
    return "nvvm";
  case Stage::PTX:
    return "ptx";
  case Stage::Ranks:
    return "ranks";
  }
  return "?";
}

std::span<const Stage> seqfuse::allStages() { return kStages; }

std::span<const Stage> seqfuse::stagesOf(Target target) {
  switch (target.kind) {
  case Target::Kind::CPU:
    return kCPUStages;
  case Target::Kind::Interpreter:
    return kInterpreterStages;
  case Target::Kind::GPU:
    return kGPUStages;
  case Target::Kind::GPUSim:
    return kGPUSimStages;
  case Target::Kind::Ranks:
    return kRanksStages;
  }
  return kInterpreterStages;
}

static std::string_view stageExtension(Stage s) {
  switch (s) {
  case Stage::Program:
    return "txt";
  case Stage::LLVMIR:
    return "ll";
  case Stage::Assembly:
    return "s";
  case Stage::PTX:
    return "ptx";
  default:
    return "mlir";
  }
}

//===----------------------------------------------------------------------===//
// Arg
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// KernelImpl
//===----------------------------------------------------------------------===//

namespace seqfuse::detail {

class KernelImpl {
public:
  Signature sig; // name, arguments, named sizes: what a call is checked against
  std::string programText;
  Target target;
  Options options;

  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> loopModule; // as emitted; never modified
  const detail::Backend *backend = nullptr;
  std::unique_ptr<detail::Executable> executable; // destroyed before the module
  std::vector<Remark> remarks;

  mutable std::mutex irMutex; // the lazily produced stage texts
  mutable std::unordered_map<int, std::string> irText;

  std::string stageText(Stage s) const;
};

} // namespace seqfuse::detail

using detail::KernelImpl;

//===----------------------------------------------------------------------===//
// Compilation
//===----------------------------------------------------------------------===//

namespace {

const mlir::DialectRegistry &registry() {
  static const mlir::DialectRegistry *r = [] {
    auto *reg = new mlir::DialectRegistry();
    registerAllDialects(*reg);
    return reg;
  }();
  return *r;
}

std::unique_ptr<mlir::MLIRContext> newContext() {
  auto ctx = std::make_unique<mlir::MLIRContext>(registry(),
                                                 mlir::MLIRContext::Threading::DISABLED);
  ctx->loadAllAvailableDialects();
  return ctx;
}

std::string printOp(mlir::Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  mlir::OpPrintingFlags flags;
  flags.enableDebugInfo(/*enable=*/true, /*prettyForm=*/false);
  op->print(os, flags);
  return s;
}

} // namespace

void detail::runPasses(mlir::ModuleOp m, const std::string &what,
                       const std::function<void(mlir::OpPassManager &)> &build) {
  mlir::PassManager pm(m->getContext());
  build(pm);
  std::string diag;
  mlir::ScopedDiagnosticHandler handler(m->getContext(), [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diag);
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  if (mlir::failed(pm.run(m)))
    throw CompileError("seqfuse: stage '" + what + "' failed:\n" + diag);
}

namespace {
std::atomic<const detail::Backend *> theRanksBackend{nullptr};
}
const detail::Backend *detail::ranksBackend() { return theRanksBackend.load(); }
void detail::setRanksBackend(const Backend *backend) { theRanksBackend.store(backend); }

const detail::Backend &detail::backendFor(Target target) {
  switch (target.kind) {
  case Target::Kind::CPU:
    return cpuBackend();
  case Target::Kind::Interpreter:
    return interpreterBackend();
  case Target::Kind::GPU:
    return gpuBackend();
  case Target::Kind::GPUSim:
    return gpuSimBackend();
  case Target::Kind::Ranks:
    if (const Backend *b = ranksBackend())
      return *b;
    throw CompileError("seqfuse: Target::ranks() needs the seqfuse_mpi library (built "
                       "where Open MPI is found): compile with seqfuse::dist::compile "
                       "(seqfuse/mpi.h) and link seqfuse_mpi");
  }
  throw CompileError("seqfuse: no backend for target '" + std::string(target.name()) +
                     "'");
}

namespace {

/// The pipeline's configuration for the public options: every option, or
/// this does not compile.
/// A testing knob's integer value(s): "a" or "axb" or "axbxc", each >= 1.
std::vector<int64_t> knob(const char *name, const char *value, size_t most) {
  std::vector<int64_t> out;
  const char *p = value;
  while (true) {
    char *end = nullptr;
    long long v = std::strtoll(p, &end, 10);
    if (end == p || v < 1 || v > (1LL << 40))
      break;
    out.push_back(v);
    if (*end == '\0' && out.size() <= most)
      return out;
    if (*end != 'x')
      break;
    p = end + 1;
  }
  throw std::invalid_argument(std::string("seqfuse: ") + name +
                              " must be positive integers separated by 'x' (at most " +
                              std::to_string(most) + "), got '" + value + "'");
}

/// The pipeline's configuration for the public options: every option, or
/// this does not compile.
PipelineConfig configOf(const Options &o) {
  const auto &[checked, optLevel, strictFP, numThreads, gpuChip, gpuFeatures, rankDim] =
      o;
  PipelineConfig c;
  c.checked = checked;
  c.strictFP = strictFP;
  c.optLevel = optLevel;
  c.numThreads = numThreads;
  c.gpuChip = gpuChip;
  c.gpuFeatures = gpuFeatures;
  c.rankDim = rankDim;
  // Testing knobs, read at every compile (and part of the cache key):
  // smaller chunks and tiles make small inputs cross their boundaries.
  if (const char *e = std::getenv("SEQFUSE_PARALLEL_CHUNK")) {
    char *end = nullptr;
    long long v = std::strtoll(e, &end, 10);
    if (end == e || *end != '\0' || v < 1 || v > (1LL << 40))
      throw std::invalid_argument(
          std::string("seqfuse: SEQFUSE_PARALLEL_CHUNK must be an iteration count "
                      ">= 1, got '") +
          e + "'");
    c.parallelChunk = v;
  }
  // SEQFUSE_GPU_TILE=<threads>x<items>[x<map items>]: threads a multiple of
  // 32 (up to 1024).
  if (const char *e = std::getenv("SEQFUSE_GPU_TILE")) {
    std::vector<int64_t> t = knob("SEQFUSE_GPU_TILE", e, 3);
    if (t.size() < 2 || t[0] % 32 != 0 || t[0] > 1024)
      throw std::invalid_argument(
          std::string("seqfuse: SEQFUSE_GPU_TILE must be "
                      "<threads>x<items>[x<map items>] with "
                      "threads a multiple of 32 up to 1024, got '") +
          e + "'");
    c.gpuThreads = t[0];
    c.gpuItems = t[1];
    c.gpuMapItems = t.size() > 2 ? t[2] : 0;
  }
  if (const char *e = std::getenv("SEQFUSE_GPU_LOOKBACK_STRESS"))
    c.gpuLookbackStress = std::string_view(e) == "1";
  return c;
}

/// The pass stages every target runs: pattern and fused (the CPU
/// pipeline's first two).
std::vector<const PipelineStage *> sharedStages() {
  std::vector<const PipelineStage *> out;
  for (const PipelineStage &p : cpuStages()) {
    out.push_back(&p);
    if (p.name == stageName(Stage::Fused))
      break;
  }
  return out;
}

/// The pass stages of `backend`'s pipeline in order: the shared ones, then
/// the backend's own.
std::vector<const PipelineStage *> pipelineOf(const detail::Backend &backend) {
  std::vector<const PipelineStage *> out = sharedStages();
  for (const PipelineStage &p : backend.passStages())
    out.push_back(&p);
  return out;
}

/// Runs `backend`'s pass stages up to and including `last` on `m`.
void runStagesThrough(mlir::ModuleOp m, const detail::Backend &backend, Stage last,
                      const PipelineConfig &config) {
  for (const PipelineStage *p : pipelineOf(backend)) {
    detail::runPasses(m, p->name,
                      [&](mlir::OpPassManager &pm) { p->addPasses(pm, config); });
    if (p->name == stageName(last))
      return;
  }
}

/// Whether `s` is one of `backend`'s pass stages (the IR is replayed).
bool isPassStage(const detail::Backend &backend, Stage s) {
  for (const PipelineStage *p : pipelineOf(backend))
    if (p->name == stageName(s))
      return true;
  return false;
}

/// The compiler's report lines as the public Remarks.
void addRemarks(std::vector<Remark> &out, std::vector<ReportLine> lines) {
  for (ReportLine &l : lines)
    out.push_back(
        Remark{std::move(l.location), std::move(l.pattern), std::move(l.detail)});
}

std::shared_ptr<KernelImpl> build(const ProgramData &p, Target target, Options options) {
  auto k = std::make_shared<KernelImpl>();
  k->sig = detail::Signature{p.name, p.args, p.dimNames};
  k->programText = p.str();
  k->target = target;
  k->options = options;
  k->backend = &detail::backendFor(target);
  k->context = newContext();
  try {
    k->loopModule = emitLoopForm(p, *k->context);
  } catch (const DSLError &e) {
    throw CompileError(e.what());
  }
  // The shared stages run for every target: their findings are the report.
  const PipelineConfig config = configOf(options);
  mlir::OwningOpRef<mlir::ModuleOp> m(k->loopModule->clone());
  std::vector<ReportLine> report;
  for (const PipelineStage *stage : sharedStages()) {
    detail::runPasses(*m, stage->name,
                      [&](mlir::OpPassManager &pm) { stage->addPasses(pm, config); });
    std::vector<ReportLine> lines =
        stage->name == stageName(Stage::Pattern) ? patternReport(*m) : fusionReport(*m);
    for (ReportLine &l : lines)
      report.push_back(std::move(l));
  }
  k->executable = k->backend->compile(
      detail::BackendInput{p.name, k->sig, *k->loopModule, std::move(m), config, report});
  addRemarks(k->remarks, std::move(report));
  return k;
}

/// SEQFUSE_DUMP_IR=1: every stage to stderr; =<dir>: one file per stage.
void dumpIfRequested(const Kernel &k) {
  const char *env = std::getenv("SEQFUSE_DUMP_IR");
  if (!env || !*env || std::string_view(env) == "0")
    return;
  std::string_view v(env);
  bool toStderr = v == "1";
  int n = 0;
  for (Stage s : stagesOf(k.target())) {
    std::string text = k.ir(s);
    if (toStderr) {
      std::cerr << "// ----- seqfuse " << k.impl()->sig.name << ": stage '"
                << stageName(s) << "' -----\n"
                << text << "\n";
      continue;
    }
    std::filesystem::create_directories(std::filesystem::path(v));
    char num[8];
    std::snprintf(num, sizeof num, "%02d", n++);
    auto path = std::filesystem::path(v) /
                (k.impl()->sig.name + "." + num + "-" + std::string(stageName(s)) + "." +
                 std::string(stageExtension(s)));
    std::ofstream(path) << text;
  }
}

//===----------------------------------------------------------------------===//
// Cache
//===----------------------------------------------------------------------===//

/// Least-recently-used kernels, at most `capacity` of them. Evicting only
/// drops the cache's reference: kernels users hold stay valid.
struct Cache {
  using Future = std::shared_future<std::shared_ptr<KernelImpl>>;
  struct Entry {
    Future future;
    std::list<std::string>::iterator lru;
  };
  std::mutex mutex;
  std::unordered_map<std::string, Entry> map;
  std::list<std::string> lru; // most recent first
  size_t capacity = defaultCapacity();
  uint64_t hits = 0, misses = 0, evictions = 0;

  static size_t defaultCapacity() {
    if (const char *e = std::getenv("SEQFUSE_CACHE_CAPACITY"))
      return static_cast<size_t>(std::strtoull(e, nullptr, 10));
    return 256;
  }
  void touch(Entry &e) { lru.splice(lru.begin(), lru, e.lru); }
  /// Drops least recently used, finished entries beyond the capacity.
  void evict() {
    for (auto it = lru.end(); map.size() > capacity && it != lru.begin();) {
      --it;
      auto found = map.find(*it);
      if (found->second.future.wait_for(std::chrono::seconds(0)) !=
          std::future_status::ready)
        continue; // being built: its builder still needs it
      map.erase(found);
      it = lru.erase(it);
      ++evictions;
    }
  }
};

Cache &cache() {
  static Cache *c = new Cache(); // never destroyed: kernels may outlive main
  return *c;
}

} // namespace

std::string KernelImpl::stageText(Stage s) const {
  if (s == Stage::Program)
    return programText;
  std::lock_guard<std::mutex> lock(irMutex);
  auto it = irText.find(static_cast<int>(s));
  if (it != irText.end())
    return it->second;
  std::string text;
  if (!backend->produces(s)) {
    text = "// stage '" + std::string(stageName(s)) + "' is not produced for target '" +
           std::string(target.name()) + "': it runs the loop stage\n";
  } else if (std::optional<std::string> own = executable->stageText(s)) {
    text = std::move(*own);
  } else {
    // Replay the stages up to s on a copy of the loop form.
    mlir::OwningOpRef<mlir::ModuleOp> m(loopModule.get().clone());
    if (isPassStage(*backend, s))
      runStagesThrough(*m, *backend, s, configOf(options));
    text = printOp(*m);
  }
  irText[static_cast<int>(s)] = text;
  return text;
}

Kernel seqfuse::compile(const Program &program, Target target, Options options) {
  if (options.optLevel < 0 || options.optLevel > 3)
    throw CompileError("seqfuse: Options::optLevel must be 0..3, got " +
                       std::to_string(options.optLevel));
  if (options.numThreads < 0 || options.numThreads > 4096)
    throw CompileError("seqfuse: Options::numThreads must be 0 (the default) or 1..4096, "
                       "got " +
                       std::to_string(options.numThreads));
  if (target.kind == Target::Kind::GPU)
    if (std::string why = validateGPUTarget(options.gpuChip, options.gpuFeatures);
        !why.empty())
      throw CompileError(why);
  const ProgramData &p = program.data();
  if (target.kind == Target::Kind::Ranks) {
    // The distributed size: the program's only named size, else its only
    // tensor whose first extent is free (its rows).
    std::vector<std::string> free;
    for (const ast::Argument &a : p.args)
      if (a.isTensor && !a.shape.empty() && a.shape[0].kind == ast::DimSpec::Free)
        free.push_back(a.name);
    if (options.rankDim.empty()) {
      if (p.dimNames.size() == 1)
        options.rankDim = p.dimNames.front();
      else if (p.dimNames.empty() && free.size() == 1)
        options.rankDim = free.front();
      else
        throw CompileError(
            "seqfuse: Target::ranks(): Options::rankDim must name the size "
            "(or the tensor) whose rows are split across ranks: program '" +
            p.name + "' has " + std::to_string(p.dimNames.size()) + " named sizes");
    } else if (std::find(p.dimNames.begin(), p.dimNames.end(), options.rankDim) ==
                   p.dimNames.end() &&
               std::none_of(p.args.begin(), p.args.end(), [&](const ast::Argument &a) {
                 return a.isTensor && a.name == options.rankDim;
               })) {
      throw CompileError(
          "seqfuse: Target::ranks(): Options::rankDim '" + options.rankDim +
          "' is neither a named size nor a tensor of program '" + p.name + "'");
    }
  }
  std::string key = p.fingerprint();
  key += "|target=";
  key += target.name();
  key += "|" + configOf(options).key();

  Cache &c = cache();
  std::promise<std::shared_ptr<KernelImpl>> promise;
  std::shared_future<std::shared_ptr<KernelImpl>> future;
  bool builder = false;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    auto it = c.map.find(key);
    if (it != c.map.end()) {
      ++c.hits;
      c.touch(it->second);
      future = it->second.future;
    } else {
      ++c.misses;
      future = promise.get_future().share();
      c.lru.push_front(key);
      c.map.emplace(key, Cache::Entry{future, c.lru.begin()});
      builder = true;
    }
  }
  if (builder) {
    try {
      promise.set_value(build(p, target, options));
    } catch (...) {
      promise.set_exception(std::current_exception());
      std::lock_guard<std::mutex> lock(c.mutex);
      if (auto it = c.map.find(key); it != c.map.end()) { // failures are not cached
        c.lru.erase(it->second.lru);
        c.map.erase(it);
      }
    }
    std::lock_guard<std::mutex> lock(c.mutex);
    c.evict();
  }
  Kernel k(future.get()); // rethrows the builder's error
  if (builder) {
    dumpIfRequested(k);
    if (const char *env = std::getenv("SEQFUSE_REMARKS");
        env && std::string_view(env) == "1")
      std::cerr << k.reportText();
  }
  return k;
}

CacheStats seqfuse::cacheStats() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return {c.hits, c.misses, static_cast<uint64_t>(c.map.size()), c.evictions,
          static_cast<uint64_t>(c.capacity)};
}

void seqfuse::clearCache() {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  size_t keep = c.capacity;
  c.capacity = 0;
  c.evict(); // entries being built stay until they finish
  c.capacity = keep;
}

void seqfuse::setCacheCapacity(size_t entries) {
  Cache &c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.capacity = entries;
  c.evict();
}

//===----------------------------------------------------------------------===//
// Kernel
//===----------------------------------------------------------------------===//

std::string Kernel::ir(Stage stage) const { return impl_->stageText(stage); }

std::string Kernel::ir(std::string_view name) const {
  for (Stage s : allStages())
    if (stageName(s) == name)
      return ir(s);
  std::string known;
  for (Stage s : allStages())
    known += (known.empty() ? "" : ", ") + std::string(stageName(s));
  throw Error("seqfuse: unknown IR stage '" + std::string(name) + "' (stages: " + known +
              ")");
}

std::string Kernel::signature() const { return impl_->sig.text(); }

void Kernel::save(const std::string &path) const {
  if (impl_->target.kind != Target::Kind::GPU)
    throw Error(
        "seqfuse: only Target::gpu() kernels can be saved (this one is for target '" +
        std::string(impl_->target.name()) + "')");
  std::ofstream out(path, std::ios::binary);
  if (!out)
    throw Error("seqfuse: cannot write '" + path + "'");
  impl_->executable->save(out);
  if (!out.flush())
    throw Error("seqfuse: writing '" + path + "' failed");
}

std::vector<Remark> Kernel::report() const { return impl_->remarks; }

std::string Kernel::reportText() const {
  std::string s;
  for (const Remark &r : impl_->remarks)
    s += (r.location.empty() ? impl_->sig.name : r.location) + ": " +
         (r.pattern == "sequential" ? std::string("kept sequential") : r.pattern) + ": " +
         r.detail + "\n";
  return s;
}
Target Kernel::target() const { return impl_->target; }
Options Kernel::options() const { return impl_->options; }

std::string_view seqfuse::version() { return SEQFUSE_VERSION; }

void Kernel::call(std::span<const Arg> args) const {
  impl_->executable->run(impl_->sig, impl_->target, args);
}
