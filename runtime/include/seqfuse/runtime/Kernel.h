//===- Kernel.h - compiling and calling seqfuse programs -------*- C++ -*-===//
//
// compile(program, target, options) returns a Kernel: a callable that checks
// its arguments and runs the program on user buffers. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_KERNEL_H
#define SEQFUSE_RUNTIME_KERNEL_H

#include "seqfuse/dsl/Types.h"

#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace seqfuse {

class Program;

/// Every error seqfuse reports at run time derives from this.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};
/// Wrong argument count, element type, shape, const-ness, or overlapping
/// output buffers. The message names the argument and both shapes.
class ArgumentError : public Error {
public:
  using Error::Error;
};
/// An index out of range (or an integer division by zero) while the kernel
/// ran, in checked mode. Nothing was written out of bounds; writes made by
/// earlier statements stay, exactly as when the loop raises.
class IndexError : public Error {
public:
  using Error::Error;
};
/// The program could not be compiled.
class CompileError : public Error {
public:
  using Error::Error;
};

/// Where a kernel runs.
struct Target {
  enum class Kind : uint8_t {
    CPU,         ///< LLVM JIT for this machine.
    Interpreter, ///< The reference interpreter over loop-form IR (the oracle).
    GPU,         ///< NVIDIA GPU: PTX and cubin, run through the CUDA driver.
    GPUSim,      ///< The GPU kernels run on the CPU (blocks on threads, threads
                 ///< phase by phase between barriers): tests the GPU path's
                 ///< tiling, look-back and carries on any machine.
    Ranks,       ///< Every rank of an MPI communicator, each holding a block of
                 ///< the rows of the distributed size (seqfuse/mpi.h), on its
                 ///< CPU; called through seqfuse::dist::Kernel.
  };
  Kind kind = Kind::CPU;
  static Target cpu() { return {Kind::CPU}; }
  static Target interpreter() { return {Kind::Interpreter}; }
  /// Compiling needs no GPU (PTX, and a cubin where CUDA's ptxas is found);
  /// running needs the NVIDIA driver (libcuda.so.1): without it a call
  /// throws Error saying what is missing.
  static Target gpu() { return {Kind::GPU}; }
  static Target gpuSim() { return {Kind::GPUSim}; }
  /// Needs the seqfuse_mpi library (built where Open MPI is found); use
  /// seqfuse::dist::compile (seqfuse/mpi.h).
  static Target ranks() { return {Kind::Ranks}; }
  std::string_view name() const {
    switch (kind) {
    case Kind::CPU:
      return "cpu";
    case Kind::Interpreter:
      return "interpreter";
    case Kind::GPU:
      return "gpu";
    case Kind::GPUSim:
      return "gpu-sim";
    case Kind::Ranks:
      return "ranks";
    }
    return "?";
  }
  bool operator==(const Target &) const = default;
};

struct Options {
  /// Check every index (and integer divisor) at run time and raise IndexError
  /// with the statement's file:line; false trusts the program (faster).
  bool checked = true;
  /// LLVM optimisation level 0..3 for the CPU target.
  int optLevel = 3;
  /// Keep every floating-point fold in the loop's order, so float results
  /// are bit-identical to the sequential loop. By default a parallel lowering
  /// may reassociate float + and * (in a fixed order: identical run to run
  /// and for any thread count). The report says which folds this concerns.
  bool strictFP = false;
  /// Threads that parallel lowerings use on the CPU target: 0 means
  /// $SEQFUSE_NUM_THREADS, else every hardware thread. Results never depend
  /// on it (work is split in chunks of fixed size).
  int numThreads = 0;
  /// The NVIDIA GPU and PTX ISA version the GPU target compiles for
  /// (validated at compile(): sm_70 and later, a PTX version new enough for
  /// the chip).
  std::string gpuChip = "sm_90";
  std::string gpuFeatures = "+ptx80";
  /// Target::ranks(): the named size whose rows are split across ranks
  /// (tensors whose first dimension it is are distributed; the others are
  /// replicated). Empty: the program's only named size.
  std::string rankDim;
  bool operator==(const Options &) const = default;
};

/// The IR stages a kernel can show (kernel.ir(stage)), in pipeline order.
enum class Stage : uint8_t {
  Program,   ///< The recorded DSL program, as readable text.
  Loop,      ///< Loop-form MLIR as the DSL emits it (func/scf/memref/arith/math).
  Pattern,   ///< Loops raised to seqfuse pattern ops (map, reduce, scan, scatter,
             ///< scatter_combine) or kept in seqfuse.sequential with the reason.
  Fused,     ///< Neighbouring pattern ops over the same range fused into one.
  Checked,   ///< Pattern ops lowered, run-time index checks inserted (no checks
             ///< when unchecked). Checks precede folding, so dead loads check too.
  Canonical, ///< After canonicalisation and CSE.
  CF,        ///< Structured control flow lowered to branches (cf).
  LLVM,      ///< LLVM dialect.
  LLVMIR,    ///< LLVM IR after LLVM's optimisation pipeline.
  Assembly,  ///< Native assembly for this machine.
  GPU,       ///< GPU targets: pattern ops as gpu-dialect kernels and the host's
             ///< launch sequence (scratch, launches, reads of results).
  GPUSim,    ///< Target::gpuSim: the kernels as CPU loops over blocks and threads.
  NVVM,      ///< Target::gpu: the kernels in the NVVM (LLVM) dialect.
  PTX,       ///< Target::gpu: the kernels' PTX.
  Ranks,     ///< Target::ranks: the SPMD form, every rank on its rows, with the
             ///< calls that cross ranks (seqfuse-distribute-ranks).
};
std::string_view stageName(Stage s);
/// Every stage of every target.
std::span<const Stage> allStages();
/// The stages `target` makes, in pipeline order (program and loop first).
std::span<const Stage> stagesOf(Target target);

/// A contiguous row-major tensor given as a pointer and a shape.
template <class T> struct View {
  T *data;
  std::vector<int64_t> shape;
};

class Arg;

/// Lets kernels take a tensor type of another library directly. Specialise it
/// with `static Arg convert(const T &)`; seqfuse/torch.h does so for
/// torch::Tensor and seqfuse/dlpack.h for DLTensor and DLManagedTensor *. A
/// value that cannot be passed as it is (device memory, a strided view, an
/// element type seqfuse lacks) converts to Arg::refused(why), so the call
/// throws ArgumentError naming the argument and why.
template <class T> struct ArgAdapter;
template <class T>
concept HasArgAdapter = requires(const T &t) {
  { ArgAdapter<T>::convert(t) } -> std::same_as<Arg>;
};

/// One call argument: a tensor (std::vector, std::span, View, or a type with
/// an ArgAdapter) or a scalar.
class Arg {
public:
  static constexpr int kMaxRank = 8;

  /// Any type with an ArgAdapter specialisation (torch::Tensor, DLTensor, ...).
  // (clang-format 14 does not know requires-clauses.)
  // clang-format off
  template <class T>
    requires HasArgAdapter<std::remove_cvref_t<T>>
  Arg(T &&t) : Arg(ArgAdapter<std::remove_cvref_t<T>>::convert(t)) {}
  // clang-format on

  /// An argument that cannot be passed; calling a kernel with it throws
  /// ArgumentError naming the argument, followed by `why`.
  static Arg refused(std::string why) {
    Arg a(false);
    a.tensor_ = true;
    a.problem_ = std::make_shared<const std::string>(std::move(why));
    return a;
  }
  /// This tensor may be read but not written; a kernel that writes it throws
  /// ArgumentError with `why` (e.g. "it requires grad").
  Arg &readOnly(std::string why) {
    const_ = true;
    problem_ = std::make_shared<const std::string>(std::move(why));
    return *this;
  }

  template <class T> Arg(std::vector<T> &v) : Arg(v.data(), (int64_t)v.size(), false) {
    checkVector<T>();
  }
  template <class T>
  Arg(const std::vector<T> &v) : Arg(v.data(), (int64_t)v.size(), true) {
    checkVector<T>();
  }
  template <class T, size_t E>
  Arg(std::span<T, E> s) : Arg(s.data(), (int64_t)s.size(), std::is_const_v<T>) {}
  template <class T> Arg(const View<T> &v) : Arg(v.data, v.shape) {}

  Arg(float v) : type_(DType::F32), tensor_(false) { scalar_.f32 = v; }
  Arg(double v) : type_(DType::F64), tensor_(false) { scalar_.f64 = v; }
  Arg(int32_t v) : type_(DType::I32), tensor_(false) { scalar_.i32 = v; }
  Arg(int64_t v) : type_(DType::I64), tensor_(false) { scalar_.i64 = v; }
  Arg(long long v) : Arg(static_cast<int64_t>(v)) {}
  Arg(bool v) : type_(DType::Bool), tensor_(false) { scalar_.b = v; }

  /// A tensor from a raw pointer and shape.
  template <class T>
  Arg(T *data, std::span<const int64_t> shape)
      : type_(dtypeOf<std::remove_const_t<T>>), tensor_(true), const_(std::is_const_v<T>),
        data_(const_cast<std::remove_const_t<T> *>(data)) {
    if (shape.size() > kMaxRank)
      throw ArgumentError("seqfuse: tensor argument of rank " +
                          std::to_string(shape.size()) + " (at most 8)");
    rank_ = static_cast<int>(shape.size());
    for (int d = 0; d < rank_; ++d)
      shape_[d] = shape[d];
  }
  template <class T>
  Arg(T *data, const std::vector<int64_t> &shape)
      : Arg(data, std::span<const int64_t>(shape)) {}

  /// A tensor in CUDA device memory (a CUdeviceptr as a pointer): the GPU
  /// target uses it in place, with no copy; the other targets refuse it.
  template <class T> static Arg cuda(T *devicePointer, std::span<const int64_t> shape) {
    Arg a(devicePointer, shape);
    a.device_ = true;
    return a;
  }
  template <class T>
  static Arg cuda(T *devicePointer, const std::vector<int64_t> &shape) {
    return cuda(devicePointer, std::span<const int64_t>(shape));
  }

  DType type() const { return type_; }
  bool isTensor() const { return tensor_; }
  bool isConst() const { return const_; }
  /// In CUDA device memory (Arg::cuda).
  bool inDeviceMemory() const { return device_; }
  void *data() const { return data_; }
  int rank() const { return rank_; }
  int64_t dim(int d) const { return shape_[d]; }
  const void *scalarPtr() const { return &scalar_; }
  /// Why this argument cannot be passed (Arg::refused), or nullptr.
  const std::string *refusal() const { return const_ ? nullptr : problem_.get(); }
  /// Why this tensor is read-only (Arg::readOnly), or nullptr.
  const std::string *readOnlyReason() const { return const_ ? problem_.get() : nullptr; }
  /// "f32[5, 3]" or "scalar f64".
  std::string describe() const;

private:
  template <class T>
  Arg(T *data, int64_t n, bool isConst)
      : type_(dtypeOf<std::remove_const_t<T>>), tensor_(true), const_(isConst),
        data_(const_cast<std::remove_const_t<T> *>(data)), rank_(1) {
    shape_[0] = n;
  }
  template <class T> static void checkVector() {
    static_assert(!std::is_same_v<T, bool>,
                  "seqfuse: std::vector<bool> is bit-packed and cannot be "
                  "passed; use std::span<bool> or View<bool> over bool storage");
  }

  DType type_;
  bool tensor_;
  bool const_ = false;
  bool device_ = false;
  std::shared_ptr<const std::string> problem_; // see refusal(), readOnlyReason()
  void *data_ = nullptr;
  int rank_ = 0;
  std::array<int64_t, kMaxRank> shape_{};
  union {
    float f32;
    double f64;
    int32_t i32;
    int64_t i64;
    bool b;
  } scalar_{};
};

/// One finding of the pattern analysis (kernel.report()).
struct Remark {
  std::string location; ///< the user's "file:line"
  std::string pattern;  ///< "map", "reduce", "scan", "scatter", "scatter_combine",
                        ///< "fused" (ops that run as one loop) or "sequential"
  std::string detail;   ///< operator, identity, states, algorithm; or the reason
  bool operator==(const Remark &) const = default;
};

namespace detail {
class KernelImpl;
}

/// A compiled program. Cheap to copy; safe to call from several threads at
/// once (on distinct output buffers).
class Kernel {
public:
  /// Runs the program. Arguments follow the program's declaration order.
  template <class... A> void operator()(A &&...args) const {
    std::array<Arg, sizeof...(A)> packed{Arg(std::forward<A>(args))...};
    call(std::span<const Arg>(packed.data(), packed.size()));
  }
  void call(std::span<const Arg> args) const;

  /// The text of one IR stage. Stages a target does not produce (e.g. LLVM IR
  /// for the interpreter) are reported as such in the text.
  std::string ir(Stage stage) const;
  /// The stage named as in stageName() ("loop", "llvm-ir", ...).
  std::string ir(std::string_view stageName) const;
  /// What the pattern analysis found, per loop and statement. Printed to
  /// stderr at compile time when SEQFUSE_REMARKS=1.
  std::vector<Remark> report() const;
  /// The report as text, one "file:line: pattern: detail" line per remark.
  std::string reportText() const;
  /// "name(t: inout f32[n], u: in f32[n])".
  std::string signature() const;
  /// Writes a Target::gpu() kernel to `path` for GPUModule::load
  /// (seqfuse/runtime/GPUModule.h), which runs it with only the NVIDIA
  /// driver. Throws Error for other targets.
  void save(const std::string &path) const;
  Target target() const;
  Options options() const;

  explicit Kernel(std::shared_ptr<detail::KernelImpl> impl) : impl_(std::move(impl)) {}
  const detail::KernelImpl *impl() const { return impl_.get(); }

private:
  std::shared_ptr<detail::KernelImpl> impl_;
};

/// Compiles (or finds in the in-process cache) a kernel for `program`.
/// Thread-safe. Throws CompileError.
Kernel compile(const Program &program, Target target = Target::cpu(),
               Options options = {});

/// Whether Target::gpu() kernels can run here: the NVIDIA driver
/// (libcuda.so.1) loads and sees a CUDA device. Where not, `whyNot` gets the
/// reason (the text of the Error a call would throw).
bool gpuAvailable(std::string *whyNot = nullptr);
/// Waits for the GPU work this thread queued. A Target::gpu() call whose
/// tensors are all in device memory (Arg::cuda) returns once queued, as a
/// CUDA kernel launch does (unless it checks indices or reads a result
/// back); calls with host tensors wait for the device themselves.
void gpuSynchronize();

/// The version of the seqfuse library in use ("0.1.0").
std::string_view version();

/// Kernel cache statistics (for tests and benchmarks).
struct CacheStats {
  uint64_t hits = 0, misses = 0, entries = 0, evictions = 0, capacity = 0;
};
CacheStats cacheStats();
/// Drops every cached kernel (kernels held elsewhere stay valid).
void clearCache();
/// The cache keeps the `entries` most recently used kernels (default 256, or
/// $SEQFUSE_CACHE_CAPACITY). Each holds its MLIR context and JIT code.
void setCacheCapacity(size_t entries);

} // namespace seqfuse

#endif // SEQFUSE_RUNTIME_KERNEL_H
