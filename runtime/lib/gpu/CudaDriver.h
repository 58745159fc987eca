//===- CudaDriver.h - the CUDA driver API, loaded at run time -*- C++ -*-===//
//
// libcuda.so.1 is opened with dlopen on first use, so seqfuse builds, links
// and runs on machines without CUDA; there, anything that needs the driver
// throws Error naming what is missing. Only the driver API is used (no CUDA
// runtime, no headers: the few types are declared here). MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_GPU_CUDADRIVER_H
#define SEQFUSE_RUNTIME_LIB_GPU_CUDADRIVER_H

#include "Plan.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace seqfuse::gpu {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;

/// The driver's entry points seqfuse calls.
struct CudaApi {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetAttribute)(int *, int, CUdevice);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, int *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);
  CUresult (*cuMemFree)(CUdeviceptr);
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream); // CUDA 11.2+, or null
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream);
  CUresult (*cuDeviceGetDefaultMemPool)(void **, CUdevice); // or null
  CUresult (*cuMemPoolSetAttribute)(void *, int, void *);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr, unsigned char, size_t, CUstream);
  CUresult (*cuStreamCreate)(CUstream *, unsigned);
  CUresult (*cuStreamDestroy)(CUstream);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuPointerGetAttribute)(void *, int, CUdeviceptr);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent);
  CUresult (*cuEventDestroy)(CUevent);
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
};

/// The process's CUDA device (SEQFUSE_CUDA_DEVICE, default 0) with its
/// primary context, opened on first use.
class Cuda {
public:
  /// The driver, initialised; throws Error when libcuda.so.1 cannot be
  /// loaded, lacks an entry point, or finds no device.
  static Cuda &get();
  /// Whether a CUDA device can be used here (never throws).
  static bool available(std::string *why = nullptr);

  const CudaApi &api() const { return api_; }
  /// Throws Error("seqfuse: CUDA <what> failed: <name>: <description>").
  void check(CUresult r, const char *what) const;
  /// Makes the device's context current on this thread.
  void bind() const;
  /// "NVIDIA H100 80GB HBM3 (sm_90)"
  std::string deviceName() const;
  int computeCapability() const { return cc_; } // 90 for sm_90
  /// This thread's stream (created on first use).
  CUstream stream() const;

private:
  Cuda();
  void *lib_ = nullptr;
  CudaApi api_{};
  CUdevice device_ = 0;
  CUcontext ctx_ = nullptr;
  int cc_ = 0;
};

/// A loaded kernel module: PTX (JIT-compiled by the driver) or a cubin for
/// this device, and the plan's kernels in it.
class CudaModule {
public:
  /// Loads `cubin` where its chip matches the device (`cubinChip`, e.g.
  /// "sm_90"), else `ptx`. Throws Error.
  CudaModule(const std::string &ptx, const std::string &cubin,
             const std::string &cubinChip, const std::vector<std::string> &kernels);
  ~CudaModule();
  CUfunction function(int32_t kernel) const { return fns_[kernel]; }

private:
  CUmodule module_ = nullptr;
  std::vector<CUfunction> fns_;
};

/// Runs `plan` on the device: host tensors are copied in (all of them:
/// an output keeps what the loop does not write) and outputs copied back
/// (also when a check fails), and the call waits for the device; tensors
/// already in device memory are used as they are, and where every tensor
/// is, the call returns once its work is queued on this thread's stream
/// (unless it reads a result back or checks). `access[i]`: 0 in, 1 out,
/// 2 inout. Returns the check failure.
std::optional<Failure> runOnCuda(const Plan &plan, const CudaModule &module,
                                 std::span<const Arg> args,
                                 std::span<const uint8_t> access);

} // namespace seqfuse::gpu

#endif // SEQFUSE_RUNTIME_LIB_GPU_CUDADRIVER_H
