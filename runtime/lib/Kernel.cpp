//===- Kernel.cpp - compile, cache, check arguments, call -----------------===//
//
// compile(): program -> loop-form MLIR -> (CPU) pipeline -> JIT, through an
// in-process cache keyed by the program's fingerprint + target + options.
// Kernel::call(): validates the arguments against the declared signature,
// then runs the JIT code (under the check guard) or the interpreter.
// IR stages other than the program text are produced on demand by replaying
// the pipeline on the kept loop-form module, so compiling costs nothing extra.
//
//===----------------------------------------------------------------------===//
#include "Guard.h"
#include "JIT.h"
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Pipelines/Pipelines.h"
#include "seqfuse/Pipelines/Report.h"
#include "seqfuse/Transforms/Passes.h"
#include "seqfuse/dsl/EmitLoopForm.h"
#include "seqfuse/dsl/Program.h"
#include "seqfuse/runtime/Checks.h"
#include "seqfuse/runtime/Interpreter.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"

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
    Stage::Program,   Stage::Loop, Stage::Pattern, Stage::Fused,  Stage::Checked,
    Stage::Canonical, Stage::CF,   Stage::LLVM,    Stage::LLVMIR, Stage::Assembly};

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
  }
  return "?";
}

std::span<const Stage> seqfuse::allStages() { return kStages; }

static std::string_view stageExtension(Stage s) {
  switch (s) {
  case Stage::Program:
    return "txt";
  case Stage::LLVMIR:
    return "ll";
  case Stage::Assembly:
    return "s";
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
  return s + "]";
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
  mlir::OwningOpRef<mlir::ModuleOp> llvmModule; // CPU: LLVM dialect
  std::unique_ptr<JitModule> jit;
  std::vector<CheckSite> sites;
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
  // Named sizes: the first tensor that has one binds it.
  std::vector<int64_t> bound(dimNames.size(), -1);
  std::vector<size_t> boundBy(dimNames.size(), 0);
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    const Arg &x = actual[i];
    std::string expected = (a.isTensor ? "tensor " : "scalar ") + shapeText(a);
    if (const std::string *why = x.refusal())
      fail(i, "expected " + expected + ", got a tensor that cannot be passed: " + *why);
    if (a.isTensor != x.isTensor())
      fail(i, "expected " + expected + ", got " + x.describe());
    if (a.type != x.type())
      fail(i, "expected element type " + std::string(dtypeName(a.type)) + " (" +
                  expected + "), got " + x.describe());
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

/// Runs `build`'s passes on `m`; diagnostics become a CompileError.
void runStage(mlir::ModuleOp m, const std::string &what,
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

/// The pipeline's configuration for the public options: every option, or
/// this does not compile.
PipelineConfig configOf(const Options &o) {
  const auto &[checked, optLevel, strictFP, numThreads] = o;
  PipelineConfig c;
  c.checked = checked;
  c.strictFP = strictFP;
  c.optLevel = optLevel;
  c.numThreads = numThreads;
  // A testing knob, read at every compile (and part of the cache key):
  // smaller chunks make small inputs cross chunk and group boundaries.
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
  return c;
}

/// The pipeline's pass stage of that name, or null (program, loop, llvm-ir
/// and asm are not pass stages).
const PipelineStage *passStage(Stage s) {
  for (const PipelineStage &p : cpuStages())
    if (stageName(s) == p.name)
      return &p;
  return nullptr;
}

/// Runs pass stage `s` on `m`.
void runPassStage(mlir::ModuleOp m, Stage s, const Options &o) {
  const PipelineStage *p = passStage(s);
  runStage(m, p->name, [&](mlir::OpPassManager &pm) { p->addPasses(pm, configOf(o)); });
}

std::vector<CheckSite> readSites(mlir::ModuleOp m) {
  std::vector<CheckSite> out;
  auto arr = m->getAttrOfType<mlir::ArrayAttr>(kCheckSitesAttr);
  if (!arr)
    return out;
  for (mlir::Attribute a : arr) {
    auto d = mlir::cast<mlir::DictionaryAttr>(a);
    CheckSite s;
    s.kind = d.getAs<mlir::StringAttr>("kind").getValue().str();
    s.tensor = d.getAs<mlir::StringAttr>("tensor").getValue().str();
    s.dim = d.getAs<mlir::IntegerAttr>("dim").getInt();
    s.file = d.getAs<mlir::StringAttr>("file").getValue().str();
    s.line = d.getAs<mlir::IntegerAttr>("line").getInt();
    out.push_back(std::move(s));
  }
  return out;
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
  k->context = newContext();
  try {
    k->loopModule = emitLoopForm(p, *k->context);
  } catch (const DSLError &e) {
    throw CompileError(e.what());
  }
  // The pattern stage runs for every target: its findings are the report.
  mlir::OwningOpRef<mlir::ModuleOp> m(k->loopModule->clone());
  runPassStage(*m, Stage::Pattern, options);
  std::vector<ReportLine> report = patternReport(*m);
  runPassStage(*m, Stage::Fused, options);
  for (ReportLine &l : fusionReport(*m))
    report.push_back(std::move(l));
  if (target.kind == Target::Kind::CPU) {
    k->llvmModule = std::move(m);
    const PipelineConfig config = configOf(options);
    runStage(*k->llvmModule, "cpu-pipeline", [&](mlir::OpPassManager &pm) {
      bool after = false;
      for (const PipelineStage &stage : cpuStages()) {
        if (after)
          stage.addPasses(pm, config);
        after = after || stage.name == stageName(Stage::Fused);
      }
    });
    k->sites = readSites(*k->llvmModule);
    applyAlgorithms(report, *k->llvmModule); // what the lowerings chose
    k->jit = detail::jitCompile(*k->llvmModule, p.name, options.optLevel);
  }
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
  for (Stage s : allStages()) {
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
  if (target.kind == Target::Kind::Interpreter && s != Stage::Loop) {
    text = "// stage '" + std::string(stageName(s)) +
           "' is not produced for target 'interpreter': it runs the loop stage\n";
  } else if (s == Stage::LLVMIR) {
    text = detail::emitLLVMIR(llvmModule.get(), options.optLevel);
  } else if (s == Stage::Assembly) {
    text = detail::emitAssembly(llvmModule.get(), options.optLevel);
  } else {
    // Replay the stages up to s on a copy of the loop form.
    mlir::OwningOpRef<mlir::ModuleOp> m(loopModule.get().clone());
    for (Stage t : kStages) {
      if (static_cast<int>(t) > static_cast<int>(s))
        break;
      if (passStage(t))
        runPassStage(*m, t, options);
    }
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

// libomp runs the parallel loops (stage cf: convert-scf-to-openmp).
extern "C" int omp_get_max_threads();
extern "C" void omp_set_num_threads(int);

namespace {
/// The threads of this call's parallel loops: Options::numThreads, else
/// $SEQFUSE_NUM_THREADS, else every hardware thread (libomp's default). Set
/// for the call only: the caller's own OpenMP setting is restored after.
struct ThreadCount {
  int saved = 0;
  explicit ThreadCount(int requested) {
    static const int fromEnv = [] {
      const char *e = std::getenv("SEQFUSE_NUM_THREADS");
      return e ? std::atoi(e) : 0;
    }();
    int n = requested > 0 ? requested : fromEnv;
    if (n > 0) {
      saved = omp_get_max_threads();
      omp_set_num_threads(n);
    }
  }
  ~ThreadCount() {
    if (saved > 0)
      omp_set_num_threads(saved);
  }
};
} // namespace

void Kernel::call(std::span<const Arg> args) const {
  const KernelImpl &k = *impl_;
  k.validate(args);
  if (k.target.kind == Target::Kind::Interpreter) {
    interpret(*k.loopModule.get().getOps<mlir::func::FuncOp>().begin(), args);
    return;
  }
  // Packed calling convention: one pointer per expanded LLVM argument. A
  // memref of rank R expands to (allocated, aligned, offset, sizes[R],
  // strides[R]); a scalar to itself.
  constexpr int kMaxSlots = 3 + 2 * Arg::kMaxRank;
  struct Descriptor {
    void *ptrs[2];
    int64_t ints[1 + 2 * Arg::kMaxRank];
  };
  llvm::SmallVector<Descriptor, 8> descs(args.size());
  llvm::SmallVector<void *, 64> slots;
  slots.reserve(args.size() * kMaxSlots);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (!a.isTensor()) {
      slots.push_back(const_cast<void *>(a.scalarPtr()));
      continue;
    }
    Descriptor &d = descs[i];
    d.ptrs[0] = d.ptrs[1] = a.data();
    int r = a.rank();
    d.ints[0] = 0;
    int64_t stride = 1;
    for (int j = r - 1; j >= 0; --j) {
      d.ints[1 + j] = a.dim(j);
      d.ints[1 + r + j] = stride;
      stride *= a.dim(j);
    }
    slots.push_back(&d.ptrs[0]);
    slots.push_back(&d.ptrs[1]);
    for (int j = 0; j < 1 + 2 * r; ++j)
      slots.push_back(&d.ints[j]);
  }
  detail::CheckFailure failure;
  ThreadCount threads(k.options.numThreads);
  if (!detail::runGuarded(k.jit->packed, slots.data(), &failure)) {
    if (failure.site < 0 || failure.site >= static_cast<int64_t>(k.sites.size()))
      throw IndexError("seqfuse: run-time check failed at an unknown site");
    throw IndexError(
        formatCheckFailure(k.sites[failure.site], failure.value, failure.bound));
  }
}
