//===- Plan.h - a GPU kernel's launch sequence, MLIR-free (internal) -*- C++ -*-===//
//
// What the host does to run a program on a GPU: integer arithmetic on sizes
// (registers), scratch buffers, memsets, kernel launches and reads of small
// results. The GPU backend extracts it from the host function of the stage
// "gpu" (GPUBackend.cpp); the same plan runs on a CUDA device, on the CPU
// twin of the kernels (Target::gpuSim), and from an ahead-of-time file on a
// machine without MLIR (Module.h). No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_GPU_PLAN_H
#define SEQFUSE_RUNTIME_LIB_GPU_PLAN_H

#include "seqfuse/runtime/Kernel.h"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace seqfuse::gpu {

enum class BinOp : uint8_t {
  Add,
  Sub,
  Mul,
  DivS,
  DivU,
  CeilDivS,
  FloorDivS,
  RemS,
  RemU,
  MinS,
  MaxS,
  MinU,
  MaxU,
  And,
  Or,
  Xor,
  Shl,
  ShrS,
  ShrU,
};
enum class Pred : uint8_t { Eq, Ne, Slt, Sle, Sgt, Sge, Ult, Ule, Ugt, Uge };

/// dst = an integer value. Registers hold int64; `width` (1, 8, 16, 32, 64)
/// is the value's type: results wrap to it, sign-extended.
struct Compute {
  enum class Kind : uint8_t {
    Const,       ///< imm
    ArgDim,      ///< extent `imm` of tensor argument `a`
    ArgInt,      ///< integer (or bool) scalar argument `a`
    BufferElems, ///< element count of buffer `a`
    Binary,      ///< a `bin` b
    Cmp,         ///< a `pred` b (width 1)
    Select,      ///< a ? b : c
    Cast,        ///< a to `width` bits: sign-extended if `isSigned`, else zero-extended
  } kind;
  int32_t dst = -1, a = -1, b = -1, c = -1;
  int64_t imm = 0;
  uint8_t width = 64;
  BinOp bin = BinOp::Add;
  Pred pred = Pred::Eq;
  bool isSigned = true; // Cast: the source is signed
};
/// buffer = `elems` (a register) elements of `elemBytes` bytes.
struct Alloc {
  int32_t buffer = -1, elems = -1;
  int64_t elemBytes = 1;
};
/// Every byte of `buffer` set to `byte`.
struct Memset {
  int32_t buffer = -1;
  uint8_t byte = 0;
};
/// One kernel parameter (a memref expands to its descriptor's fields).
struct Param {
  enum class Kind : uint8_t {
    Tensor,    ///< argument `index`, as a memref of rank `rank`
    Buffer,    ///< scratch buffer `index`, rank 1
    ScalarArg, ///< scalar argument `index`, `bytes` bytes
    Register,  ///< register `index`, `bytes` (4 or 8) bytes
  } kind;
  int32_t index = -1;
  int32_t rank = 1;
  uint8_t bytes = 8;
};
struct Launch {
  int32_t kernel = -1;
  /// Registers; a grid of no blocks is not launched (the host picks one of
  /// an op's forms by giving the others none).
  int32_t gridX = -1, gridY = -1;
  int64_t block = 1; ///< threads per block
  std::vector<Param> params;
  /// The kernel may record a failed run-time check in the status buffer
  /// (its first parameter): the host stops and raises after it.
  bool mayFail = false;
};
/// dst = buffer[index] (a register), an integer of `bytes` bytes.
struct Read {
  int32_t dst = -1, buffer = -1, index = -1;
  uint8_t bytes = 8, width = 64;
  bool isSigned = true;
};
using Step = std::variant<Compute, Alloc, Memset, Launch, Read>;

struct Plan {
  std::vector<Step> steps;
  int32_t registers = 0, buffers = 0;
  /// Kernel names; Launch::kernel indexes this list.
  std::vector<std::string> kernels;
};

/// A failed run-time check, as a one-thread kernel recorded it.
struct Failure {
  int64_t site = -1, value = 0, bound = 0;
};

/// Where a plan runs: a CUDA device, or the kernels' CPU twin.
class Device {
public:
  virtual ~Device() = default;
  virtual void *alloc(size_t bytes) = 0;
  virtual void release(void *p) = 0;
  virtual void memset(void *p, uint8_t byte, size_t bytes) = 0;
  /// params: one pointer per expanded kernel parameter.
  virtual void launch(int32_t kernel, int64_t gridX, int64_t gridY, int64_t block,
                      void **params, size_t count) = 0;
  /// Device to host, waiting for the launches before it.
  virtual void read(void *host, const void *device, size_t bytes) = 0;
};

/// Runs `plan` on `device` with `args` (validated against the signature);
/// `data[i]` is where tensor argument i lives on the device. Returns the
/// failure a checking kernel recorded (the launches after it do not run),
/// else nothing. Throws Error for sizes the device cannot launch.
std::optional<Failure> run(const Plan &plan, Device &device, std::span<const Arg> args,
                           std::span<void *const> data);

/// The plan as text (one step a line) and back; readPlan throws Error on a
/// malformed text.
void writePlan(std::ostream &os, const Plan &plan);
Plan readPlan(std::istream &is);

} // namespace seqfuse::gpu

#endif // SEQFUSE_RUNTIME_LIB_GPU_PLAN_H
