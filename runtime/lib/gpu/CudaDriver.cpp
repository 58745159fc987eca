//===- CudaDriver.cpp - the CUDA driver API, loaded at run time -----------===//
#include "CudaDriver.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace seqfuse;
using namespace seqfuse::gpu;

namespace {

// The few driver enum values used (cuda.h).
constexpr int kAttrComputeMajor = 75, kAttrComputeMinor = 76;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6;

std::string dlerrorText() {
  const char *e = dlerror();
  return e ? e : "unknown error";
}

} // namespace

Cuda::Cuda() {
  lib_ = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_)
    throw Error("seqfuse: the GPU target needs the NVIDIA driver, and libcuda.so.1 "
                "could not be loaded (" +
                dlerrorText() +
                "). Install the NVIDIA driver, or run on the CPU (Target::cpu()) or "
                "the GPU kernels' CPU twin (Target::gpuSim()).");
  auto sym = [&](auto &fn, const char *name, bool required = true) {
    void *p = dlsym(lib_, name);
    if (!p && required)
      throw Error(std::string("seqfuse: libcuda.so.1 has no '") + name +
                  "' (the NVIDIA driver is too old for seqfuse: CUDA 11.2 or later)");
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(p);
  };
  sym(api_.cuInit, "cuInit");
  sym(api_.cuDriverGetVersion, "cuDriverGetVersion");
  sym(api_.cuDeviceGetCount, "cuDeviceGetCount");
  sym(api_.cuDeviceGet, "cuDeviceGet");
  sym(api_.cuDeviceGetAttribute, "cuDeviceGetAttribute");
  sym(api_.cuDeviceGetName, "cuDeviceGetName");
  sym(api_.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
  sym(api_.cuCtxSetCurrent, "cuCtxSetCurrent");
  sym(api_.cuModuleLoadDataEx, "cuModuleLoadDataEx");
  sym(api_.cuModuleUnload, "cuModuleUnload");
  sym(api_.cuModuleGetFunction, "cuModuleGetFunction");
  sym(api_.cuLaunchKernel, "cuLaunchKernel");
  sym(api_.cuMemAlloc, "cuMemAlloc_v2");
  sym(api_.cuMemFree, "cuMemFree_v2");
  sym(api_.cuMemAllocAsync, "cuMemAllocAsync", false);
  sym(api_.cuMemFreeAsync, "cuMemFreeAsync", false);
  sym(api_.cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool", false);
  sym(api_.cuMemPoolSetAttribute, "cuMemPoolSetAttribute", false);
  sym(api_.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2");
  sym(api_.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2");
  sym(api_.cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2");
  sym(api_.cuMemsetD8Async, "cuMemsetD8Async");
  sym(api_.cuStreamCreate, "cuStreamCreate");
  sym(api_.cuStreamDestroy, "cuStreamDestroy_v2");
  sym(api_.cuStreamSynchronize, "cuStreamSynchronize");
  sym(api_.cuPointerGetAttribute, "cuPointerGetAttribute");
  sym(api_.cuEventCreate, "cuEventCreate");
  sym(api_.cuEventRecord, "cuEventRecord");
  sym(api_.cuEventSynchronize, "cuEventSynchronize");
  sym(api_.cuEventElapsedTime, "cuEventElapsedTime");
  sym(api_.cuEventDestroy, "cuEventDestroy_v2");
  sym(api_.cuGetErrorName, "cuGetErrorName");
  sym(api_.cuGetErrorString, "cuGetErrorString");
  check(api_.cuInit(0), "cuInit");
  int count = 0;
  check(api_.cuDeviceGetCount(&count), "cuDeviceGetCount");
  int want = 0;
  if (const char *e = std::getenv("SEQFUSE_CUDA_DEVICE"))
    want = std::atoi(e);
  if (count == 0)
    throw Error("seqfuse: the NVIDIA driver is loaded but sees no CUDA device");
  if (want < 0 || want >= count)
    throw Error("seqfuse: SEQFUSE_CUDA_DEVICE=" + std::to_string(want) + ", but there " +
                (count == 1 ? "is 1 CUDA device"
                            : "are " + std::to_string(count) + " CUDA devices"));
  check(api_.cuDeviceGet(&device_, want), "cuDeviceGet");
  int major = 0, minor = 0;
  check(api_.cuDeviceGetAttribute(&major, kAttrComputeMajor, device_),
        "cuDeviceGetAttribute");
  check(api_.cuDeviceGetAttribute(&minor, kAttrComputeMinor, device_),
        "cuDeviceGetAttribute");
  cc_ = major * 10 + minor;
  check(api_.cuDevicePrimaryCtxRetain(&ctx_, device_), "cuDevicePrimaryCtxRetain");
  // A call's scratch comes from the stream-ordered pool: keep what it frees
  // for the next call instead of returning it to the driver at every sync.
  void *pool = nullptr;
  if (api_.cuDeviceGetDefaultMemPool && api_.cuMemPoolSetAttribute &&
      api_.cuDeviceGetDefaultMemPool(&pool, device_) == 0) {
    unsigned long long keep = ~0ull;
    api_.cuMemPoolSetAttribute(pool, /*CU_MEMPOOL_ATTR_RELEASE_THRESHOLD*/ 4, &keep);
  }
}

Cuda &Cuda::get() {
  // Built once; a failure is rethrown to every caller (the driver does not
  // appear later in a process).
  static std::once_flag once;
  static Cuda *instance = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    try {
      instance = new Cuda(); // never destroyed: kernels may outlive main
    } catch (const Error &e) {
      failure = e.what();
    }
  });
  if (!instance)
    throw Error(failure);
  instance->bind();
  return *instance;
}

bool Cuda::available(std::string *why) {
  try {
    get();
    return true;
  } catch (const Error &e) {
    if (why)
      *why = e.what();
    return false;
  }
}

void Cuda::check(CUresult r, const char *what) const {
  if (r == 0)
    return;
  const char *name = nullptr, *text = nullptr;
  if (api_.cuGetErrorName)
    api_.cuGetErrorName(r, &name);
  if (api_.cuGetErrorString)
    api_.cuGetErrorString(r, &text);
  throw Error(std::string("seqfuse: CUDA ") + what +
              " failed: " + (name ? name : "error " + std::to_string(r)) +
              (text ? std::string(": ") + text : ""));
}

void Cuda::bind() const { check(api_.cuCtxSetCurrent(ctx_), "cuCtxSetCurrent"); }

std::string Cuda::deviceName() const {
  char name[256] = {};
  check(api_.cuDeviceGetName(name, sizeof name, device_), "cuDeviceGetName");
  return std::string(name) + " (sm_" + std::to_string(cc_) + ")";
}

CUstream Cuda::stream() const {
  thread_local CUstream s = nullptr; // one per thread, for the process's life
  if (!s)
    check(api_.cuStreamCreate(&s, /*CU_STREAM_NON_BLOCKING*/ 1), "cuStreamCreate");
  return s;
}

//===----------------------------------------------------------------------===//
// Modules
//===----------------------------------------------------------------------===//

CudaModule::CudaModule(const std::string &ptx, const std::string &cubin,
                       const std::string &cubinChip,
                       const std::vector<std::string> &kernels) {
  Cuda &cuda = Cuda::get();
  const CudaApi &api = cuda.api();
  bool useCubin =
      !cubin.empty() && cubinChip == "sm_" + std::to_string(cuda.computeCapability());
  std::string text = useCubin ? cubin : ptx; // PTX needs its trailing NUL: c_str()
  char log[8192] = {};
  int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
  void *values[] = {log, reinterpret_cast<void *>(sizeof log)};
  CUresult r = api.cuModuleLoadDataEx(&module_, text.c_str(), 2, options, values);
  if (r != 0) {
    try {
      cuda.check(r, useCubin ? "cuModuleLoadDataEx (cubin)" : "cuModuleLoadDataEx (PTX)");
    } catch (const Error &e) {
      throw Error(std::string(e.what()) + (log[0] ? std::string("\n") + log : "") +
                  (useCubin ? ""
                            : "\n(the PTX is for " + cubinChip + "; this device is " +
                                  cuda.deviceName() + ")"));
    }
  }
  for (const std::string &k : kernels) {
    CUfunction f = nullptr;
    cuda.check(api.cuModuleGetFunction(&f, module_, k.c_str()),
               ("cuModuleGetFunction(" + k + ")").c_str());
    fns_.push_back(f);
  }
}

CudaModule::~CudaModule() {
  if (module_ && Cuda::available())
    Cuda::get().api().cuModuleUnload(module_);
}

//===----------------------------------------------------------------------===//
// Running a plan
//===----------------------------------------------------------------------===//

namespace {

class CudaDevice final : public Device {
public:
  CudaDevice(Cuda &cuda, const CudaModule &m)
      : cuda(cuda), api(cuda.api()), m(m), s(cuda.stream()) {}
  void *alloc(size_t bytes) override {
    CUdeviceptr p = 0;
    if (api.cuMemAllocAsync)
      cuda.check(api.cuMemAllocAsync(&p, bytes, s), "cuMemAllocAsync");
    else
      cuda.check(api.cuMemAlloc(&p, bytes), "cuMemAlloc");
    return reinterpret_cast<void *>(p);
  }
  void release(void *p) override {
    auto d = reinterpret_cast<CUdeviceptr>(p);
    if (api.cuMemFreeAsync)
      api.cuMemFreeAsync(d, s);
    else
      api.cuMemFree(d);
  }
  void memset(void *p, uint8_t byte, size_t bytes) override {
    cuda.check(api.cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(p), byte, bytes, s),
               "cuMemsetD8Async");
  }
  void launch(int32_t kernel, int64_t gx, int64_t gy, int64_t block, void **params,
              size_t) override {
    cuda.check(api.cuLaunchKernel(m.function(kernel), static_cast<unsigned>(gx),
                                  static_cast<unsigned>(gy), 1,
                                  static_cast<unsigned>(block), 1, 1, 0, s, params,
                                  nullptr),
               "cuLaunchKernel");
  }
  void read(void *host, const void *device, size_t bytes) override {
    cuda.check(
        api.cuMemcpyDtoHAsync(host, reinterpret_cast<CUdeviceptr>(device), bytes, s),
        "cuMemcpyDtoHAsync");
    cuda.check(api.cuStreamSynchronize(s), "cuStreamSynchronize");
  }

  Cuda &cuda;
  const CudaApi &api;
  const CudaModule &m;
  CUstream s;
};

size_t bytesOf(const Arg &a) {
  size_t n = 1;
  for (int d = 0; d < a.rank(); ++d)
    n *= static_cast<size_t>(a.dim(d));
  return n * dtypeBytes(a.type());
}

} // namespace

std::optional<Failure> gpu::runOnCuda(const Plan &plan, const CudaModule &module,
                                      std::span<const Arg> args,
                                      std::span<const uint8_t> access) {
  Cuda &cuda = Cuda::get();
  CudaDevice dev(cuda, module);
  // Host tensors in device memory for the call.
  std::vector<void *> data(args.size(), nullptr);
  std::vector<void *> owned(args.size(), nullptr);
  bool copies = false;
  struct Release {
    CudaDevice &dev;
    std::vector<void *> &owned;
    ~Release() {
      for (void *p : owned)
        if (p)
          dev.release(p);
    }
  } release{dev, owned};
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (!a.isTensor())
      continue;
    if (a.inDeviceMemory()) {
      data[i] = a.data();
      continue;
    }
    size_t bytes = bytesOf(a);
    copies = true;
    owned[i] = dev.alloc(std::max<size_t>(bytes, 1));
    data[i] = owned[i];
    if (bytes)
      cuda.check(cuda.api().cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(owned[i]),
                                              a.data(), bytes, dev.s),
                 "cuMemcpyHtoDAsync");
  }
  std::optional<Failure> failure = run(plan, dev, args, data);
  for (size_t i = 0; i < args.size(); ++i) {
    const Arg &a = args[i];
    if (!owned[i] || access[i] == 0)
      continue;
    if (size_t bytes = bytesOf(a))
      cuda.check(cuda.api().cuMemcpyDtoHAsync(
                     a.data(), reinterpret_cast<CUdeviceptr>(owned[i]), bytes, dev.s),
                 "cuMemcpyDtoHAsync");
  }
  if (copies || failure)
    cuda.check(cuda.api().cuStreamSynchronize(dev.s), "cuStreamSynchronize");
  return failure;
}

bool seqfuse::gpuAvailable(std::string *whyNot) { return Cuda::available(whyNot); }

void seqfuse::gpuSynchronize() {
  Cuda &cuda = Cuda::get();
  cuda.check(cuda.api().cuStreamSynchronize(cuda.stream()), "cuStreamSynchronize");
}
