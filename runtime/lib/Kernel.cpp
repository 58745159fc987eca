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
    Stage::GPU,       Stage::GPUSim, Stage::NVVM,    Stage::PTX};
static constexpr Stage kCPUStages[] = {
    Stage::Program,   Stage::Loop, Stage::Pattern, Stage::Fused,  Stage::Checked,
    Stage::Canonical, Stage::CF,   Stage::LLVM,    Stage::LLVMIR, Stage::Assembly};
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

std::string Arg::describe() const {
  if (!tensor_)
    return "scalar " + std::string(dtypeName(type_));
  std::string s = std::string(dtypeName(type_)) + "[";
  for (int d = 0; d < rank_; ++d)
    s += (d ? ", " : "") + std::to_string(shape_[d]);
  return s + "]" + (device_ ? " in GPU memory" : "");
}

//===----------------------------------------------------------------------===//
// KernelImpl
//===----------------------------------------------------------------------===//

namespace seqfuse::detail {

class KernelImpl {
public:
  std::string name;
  std::vector<Argument> args;
  std::vector<std::string> dimNames;
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

  std::string signature() const;
  std::string shapeText(const Argument &a) const;
  void validate(std::span<const Arg> actual) const;
  std::string stageText(Stage s) const;
};

} // namespace seqfuse::detail

using detail::KernelImpl;

std::string KernelImpl::shapeText(const Argument &a) const {
  std::string s = std::string(dtypeName(a.type));
  if (!a.isTensor)
    return s;
  s += "[";
  for (size_t d = 0; d < a.shape.size(); ++d) {
    const DimSpec &ds = a.shape[d];
    s += d ? ", " : "";
    s += ds.kind == DimSpec::Fixed   ? std::to_string(ds.extent)
         : ds.kind == DimSpec::Named ? dimNames[ds.symbol]
                                     : std::string("?");
  }
  return s + "]";
}

std::string KernelImpl::signature() const {
  std::string s = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    s += (i ? ", " : "") + a.name + ": ";
    if (a.isTensor)
      s += a.access == Access::In ? "in " : a.access == Access::Out ? "out " : "inout ";
    s += shapeText(a);
  }
  return s + ")";
}

void KernelImpl::validate(std::span<const Arg> actual) const {
  auto fail = [&](size_t i, const std::string &what) {
    throw ArgumentError("seqfuse: argument '" + args[i].name + "' (#" +
                        std::to_string(i + 1) + ") of " + name + ": " + what);
  };
  if (actual.size() != args.size())
    throw ArgumentError("seqfuse: " + name + " expects " + std::to_string(args.size()) +
                        " argument" + (args.size() == 1 ? "" : "s") + ", got " +
                        std::to_string(actual.size()) + "; signature: " + signature());
  // Named sizes: the first tensor that has one binds it. (Every call runs
  // this: nothing here allocates unless an argument is refused.)
  llvm::SmallVector<int64_t, 8> bound(dimNames.size(), -1);
  llvm::SmallVector<size_t, 8> boundBy(dimNames.size(), 0);
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    const Arg &x = actual[i];
    auto expected = [&] { return (a.isTensor ? "tensor " : "scalar ") + shapeText(a); };
    if (const std::string *why = x.refusal())
      fail(i, "expected " + expected() + ", got a tensor that cannot be passed: " + *why);
    if (a.isTensor != x.isTensor())
      fail(i, "expected " + expected() + ", got " + x.describe());
    if (a.type != x.type())
      fail(i, "expected element type " + std::string(dtypeName(a.type)) + " (" +
                  expected() + "), got " + x.describe());
    if (!a.isTensor)
      continue;
    if (static_cast<int>(a.shape.size()) != x.rank())
      fail(i, "expected shape " + shapeText(a) + " (rank " +
                  std::to_string(a.shape.size()) + "), got " + x.describe() + " (rank " +
                  std::to_string(x.rank()) + ")");
    int64_t elems = 1;
    for (int d = 0; d < x.rank(); ++d) {
      int64_t n = x.dim(d);
      if (n < 0)
        fail(i, "extent " + std::to_string(n) + " in dimension " + std::to_string(d) +
                    " of " + x.describe() + " is negative");
      if (n != 0 && elems > INT64_MAX / n / 8)
        fail(i, "shape " + x.describe() + " has too many elements");
      elems *= n;
      const DimSpec &ds = a.shape[d];
      if (ds.kind == DimSpec::Fixed && ds.extent != n)
        fail(i, "expected shape " + shapeText(a) + ", got " + x.describe());
      if (ds.kind == DimSpec::Named) {
        if (bound[ds.symbol] < 0) {
          bound[ds.symbol] = n;
          boundBy[ds.symbol] = i;
        } else if (bound[ds.symbol] != n) {
          fail(i, "expected shape " + shapeText(a) + " with " + dimNames[ds.symbol] +
                      " = " + std::to_string(bound[ds.symbol]) + " (from argument '" +
                      args[boundBy[ds.symbol]].name + "', " +
                      actual[boundBy[ds.symbol]].describe() + "), got " + x.describe());
        }
      }
    }
    if (x.inDeviceMemory() && target.kind != Target::Kind::GPU)
      fail(i, "got " + x.describe() + ", but the " + std::string(target.name()) +
                  " target reads host memory (copy it to the host, or compile for "
                  "Target::gpu())");
    if (elems > 0 && !x.data())
      fail(i, "null data pointer for " + x.describe());
    if (a.access != Access::In && x.isConst())
      fail(i, std::string("the kernel writes it (") +
                  (a.access == Access::Out ? "out" : "inout") + ") but it was passed " +
                  (x.readOnlyReason() ? "read-only: " + *x.readOnlyReason()
                                      : std::string("as const")));
  }
  // An output must not share memory with any other tensor argument.
  auto range = [&](size_t i) {
    const Arg &x = actual[i];
    int64_t elems = 1;
    for (int d = 0; d < x.rank(); ++d)
      elems *= x.dim(d);
    auto *p = static_cast<const char *>(x.data());
    return std::pair(p, p + elems * dtypeBytes(x.type()));
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].isTensor || args[i].access == Access::In)
      continue;
    auto [b1, e1] = range(i);
    if (b1 == e1)
      continue;
    for (size_t j = 0; j < args.size(); ++j) {
      if (j == i || !args[j].isTensor)
        continue;
      auto [b2, e2] = range(j);
      if (b2 != e2 && b1 < e2 && b2 < e1)
        fail(i, "its buffer " + actual[i].describe() + " overlaps argument '" +
                    args[j].name + "' (" + actual[j].describe() +
                    "); an output must not share memory with another argument");
    }
  }
}

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
  const auto &[checked, optLevel, strictFP, numThreads, gpuChip, gpuFeatures] = o;
  PipelineConfig c;
  c.checked = checked;
  c.strictFP = strictFP;
  c.optLevel = optLevel;
  c.numThreads = numThreads;
  c.gpuChip = gpuChip;
  c.gpuFeatures = gpuFeatures;
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
  k->name = p.name;
  k->args = p.args;
  k->dimNames = p.dimNames;
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
      detail::BackendInput{p.name, *k->loopModule, std::move(m), config, report});
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
      std::cerr << "// ----- seqfuse " << k.impl()->name << ": stage '" << stageName(s)
                << "' -----\n"
                << text << "\n";
      continue;
    }
    std::filesystem::create_directories(std::filesystem::path(v));
    char num[8];
    std::snprintf(num, sizeof num, "%02d", n++);
    auto path = std::filesystem::path(v) /
                (k.impl()->name + "." + num + "-" + std::string(stageName(s)) + "." +
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

std::string Kernel::signature() const { return impl_->signature(); }

std::vector<Remark> Kernel::report() const { return impl_->remarks; }

std::string Kernel::reportText() const {
  std::string s;
  for (const Remark &r : impl_->remarks)
    s += (r.location.empty() ? impl_->name : r.location) + ": " +
         (r.pattern == "sequential" ? std::string("kept sequential") : r.pattern) + ": " +
         r.detail + "\n";
  return s;
}
Target Kernel::target() const { return impl_->target; }
Options Kernel::options() const { return impl_->options; }

std::string_view seqfuse::version() { return SEQFUSE_VERSION; }

void Kernel::call(std::span<const Arg> args) const {
  impl_->validate(args);
  impl_->executable->call(args);
}
