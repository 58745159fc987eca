//===- GPUModule.h - a GPU kernel compiled ahead of time --------*- C++ -*-===//
//
// kernel.save(path) writes a Target::gpu() kernel (its PTX, its cubin when
// ptxas made one, its launch sequence, its signature and check sites);
// GPUModule::load(path) runs it on a machine that has only the NVIDIA
// driver: no MLIR, no LLVM, no compiler. Calls check their arguments and
// raise IndexError exactly as the compiled kernel does. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_GPUMODULE_H
#define SEQFUSE_RUNTIME_GPUMODULE_H

#include "seqfuse/runtime/Kernel.h"

#include <array>
#include <memory>
#include <span>
#include <string>

namespace seqfuse {

namespace detail {
struct SavedKernel;
}

class GPUModule {
public:
  /// Reads a file written by Kernel::save. Throws Error on a file that is
  /// not one (or from another format version). The driver is opened at the
  /// first call, not here.
  static GPUModule load(const std::string &path);

  /// Runs the kernel on the GPU. Arguments follow the program's declaration
  /// order; host buffers are copied to the device and back, Arg::cuda
  /// buffers are used in place.
  template <class... A> void operator()(A &&...args) const {
    std::array<Arg, sizeof...(A)> packed{Arg(std::forward<A>(args))...};
    call(std::span<const Arg>(packed.data(), packed.size()));
  }
  void call(std::span<const Arg> args) const;

  /// "name(t: inout f32[n], u: in f32[n])".
  std::string signature() const;
  /// The GPU the cubin is for ("sm_90"); the PTX runs on later ones too.
  std::string chip() const;
  /// Whether the file holds a cubin (else the driver compiles the PTX).
  bool hasCubin() const;

private:
  std::shared_ptr<const detail::SavedKernel> impl_;
};

} // namespace seqfuse

#endif // SEQFUSE_RUNTIME_GPUMODULE_H
