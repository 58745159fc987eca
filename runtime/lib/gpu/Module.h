//===- Module.h - a saved GPU kernel (internal) -----------------*- C++ -*-===//
//
// Everything a GPU kernel needs to run without the compiler: its signature,
// launch plan, check sites, argument access, PTX and cubin. Kernel::save
// writes it; GPUModule::load reads it. MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_GPU_MODULE_H
#define SEQFUSE_RUNTIME_LIB_GPU_MODULE_H

#include "../Signature.h"
#include "CudaDriver.h"
#include "Plan.h"
#include "seqfuse/runtime/Checks.h"

#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace seqfuse::detail {

struct SavedKernel {
  Signature sig;
  gpu::Plan plan;
  std::vector<CheckSite> sites;
  std::vector<uint8_t> access; ///< per argument: 0 in, 1 out, 2 inout
  std::string chip, ptx, cubin;

  /// Runs it: the module is loaded on the first call.
  void call(std::span<const Arg> args) const;

  void write(std::ostream &os) const;
  /// Throws Error on anything but a file Kernel::save wrote.
  static SavedKernel read(std::istream &is);

  SavedKernel() = default;
  SavedKernel(SavedKernel &&o) noexcept
      : sig(std::move(o.sig)), plan(std::move(o.plan)), sites(std::move(o.sites)),
        access(std::move(o.access)), chip(std::move(o.chip)), ptx(std::move(o.ptx)),
        cubin(std::move(o.cubin)) {}

private:
  mutable std::once_flag loaded;
  mutable std::unique_ptr<gpu::CudaModule> module;
};

/// IndexError with the message of the failed check's site.
[[noreturn]] void raiseCheckFailure(const gpu::Failure &f,
                                    const std::vector<CheckSite> &sites);

} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_GPU_MODULE_H
