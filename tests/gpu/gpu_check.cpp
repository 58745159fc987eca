//===- gpu_check.cpp - saved GPU kernels against the interpreter, and timed ===//
//
//   seqfuse-gpu-check <bundle-dir> [--bench] [--log2n=26]
//
// Runs on a machine with an NVIDIA GPU and only its driver: links the
// MLIR-free runtime (seqfuse_gpurt) and nothing of MLIR or LLVM. For every
// case of the bundle (seqfuse-gpu-bundle) it runs the saved kernel on the
// case's arguments and compares with what the reference interpreter left:
// integers, min/max, scatters and strict floats bit for bit, reassociated
// float folds within the bound of tests/unit/runtime/Differential.h, and
// the same IndexError message. With --bench it times the benchmark kernels
// on device-resident data against a device-to-device copy, one line each:
// "seqfuse <name> <n> <ms>", "copy <n> <ms>" (scripts/gpu-check.sh adds
// CUB's and torch's and prints the table).
//
//===----------------------------------------------------------------------===//
#include "gpu/CudaDriver.h"
#include "seqfuse/runtime/GPUModule.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace seqfuse;

namespace {

struct Buffer {
  DType type;
  bool isTensor;
  std::vector<int64_t> shape;
  std::vector<unsigned char> bytes;
  int64_t elems() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  Arg arg() {
    void *p = bytes.data();
    if (!isTensor) {
      switch (type) {
      case DType::F32:
        return Arg(*static_cast<float *>(p));
      case DType::F64:
        return Arg(*static_cast<double *>(p));
      case DType::I32:
        return Arg(*static_cast<int32_t *>(p));
      case DType::I64:
        return Arg(*static_cast<int64_t *>(p));
      default:
        return Arg(*static_cast<bool *>(p));
      }
    }
    switch (type) {
    case DType::F32:
      return Arg(static_cast<float *>(p), shape);
    case DType::F64:
      return Arg(static_cast<double *>(p), shape);
    case DType::I32:
      return Arg(static_cast<int32_t *>(p), shape);
    case DType::I64:
      return Arg(static_cast<int64_t *>(p), shape);
    default:
      return Arg(static_cast<bool *>(p), shape);
    }
  }
};

std::vector<Buffer> readBuffers(std::istream &in) {
  size_t n = 0;
  in >> n;
  std::vector<Buffer> out;
  for (size_t i = 0; i < n; ++i) {
    int type, tensor;
    size_t rank, bytes;
    Buffer b;
    in >> type >> tensor >> rank;
    b.type = DType(type);
    b.isTensor = tensor != 0;
    b.shape.resize(rank);
    for (int64_t &d : b.shape)
      in >> d;
    in >> bytes;
    in.get();
    b.bytes.resize(bytes);
    in.read(reinterpret_cast<char *>(b.bytes.data()),
            static_cast<std::streamsize>(bytes));
    out.push_back(std::move(b));
  }
  if (!in)
    throw std::runtime_error("malformed case file");
  return out;
}

double valueAt(const Buffer &b, int64_t i) {
  if (b.type == DType::F32) {
    float f;
    std::memcpy(&f, &b.bytes[i * 4], 4);
    return f;
  }
  double d;
  std::memcpy(&d, &b.bytes[i * 8], 8);
  return d;
}

/// The bound of Differential.h's ReassociationBound: 4 n eps M.
struct Bound {
  double n = 0, eps = 0, m = 0;
  static Bound of(const std::vector<Buffer> &bufs) {
    Bound r;
    for (const Buffer &b : bufs) {
      if (b.type != DType::F32 && b.type != DType::F64)
        continue;
      int64_t len = b.isTensor ? b.elems() : 1;
      r.n = std::max(r.n, double(len));
      r.eps = std::max(r.eps, b.type == DType::F32 ? 0x1p-24 : 0x1p-53);
      for (int64_t i = 0; i < len; ++i)
        if (std::isfinite(valueAt(b, i)))
          r.m = std::max(r.m, std::fabs(valueAt(b, i)));
    }
    return r;
  }
};

/// "" when `got` matches `want`, else the first difference.
std::string compare(const Buffer &want, const Buffer &got, const Bound *bound) {
  if (want.bytes == got.bytes)
    return "";
  if (want.type != DType::F32 && want.type != DType::F64)
    return "integers differ";
  bool f32 = want.type == DType::F32;
  double limit =
      f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  for (int64_t i = 0; i < want.elems(); ++i) {
    double x = valueAt(want, i), y = valueAt(got, i);
    if ((std::isnan(x) && std::isnan(y)) || x == y)
      continue;
    std::string at = "element " + std::to_string(i) + ": " + std::to_string(x) + " vs " +
                     std::to_string(y);
    if (!bound)
      return at;
    double tol = 4 * bound->n * bound->eps * bound->m;
    if (std::isfinite(x) && std::isfinite(y)) {
      if (std::fabs(x - y) > tol)
        return at + " (bound " + std::to_string(tol) + ")";
      continue;
    }
    if (!(4 * bound->n * bound->m >= limit))
      return at;
  }
  return "";
}

int runCases(const std::string &dir) {
  std::ifstream index(dir + "/cases.txt");
  if (!index) {
    std::cerr << "no " << dir << "/cases.txt (make it with seqfuse-gpu-bundle)\n";
    return 2;
  }
  std::map<std::string, GPUModule> modules;
  std::string word, file, sfk, mode;
  int passed = 0, failed = 0;
  while (index >> word >> file >> sfk >> mode) {
    auto it = modules.find(sfk);
    if (it == modules.end())
      it = modules.emplace(sfk, GPUModule::load(dir + "/" + sfk)).first;
    std::ifstream in(dir + "/" + file, std::ios::binary);
    std::string name;
    in >> word >> name;
    std::vector<Buffer> args = readBuffers(in);
    int hasError;
    in >> hasError;
    std::string msg;
    {
      size_t len;
      char colon;
      in >> len;
      in.get(colon);
      msg.resize(len);
      in.read(msg.data(), static_cast<std::streamsize>(len));
    }
    std::vector<Buffer> want = readBuffers(in);
    std::vector<Arg> call;
    for (Buffer &b : args)
      call.push_back(b.arg());
    std::string error;
    try {
      it->second.call(call);
    } catch (const IndexError &e) {
      error = e.what();
    } catch (const std::exception &e) {
      error = std::string("unexpected error: ") + e.what();
    }
    std::string why;
    if (hasError != !error.empty() || (hasError && error != msg))
      why = "error '" + error + "', the loop's '" + (hasError ? msg : "none") + "'";
    Bound bound = Bound::of(want);
    for (size_t k = 0; k < args.size() && why.empty(); ++k)
      if (args[k].isTensor)
        if (std::string d =
                compare(want[k], args[k], mode == "reassociate" ? &bound : nullptr);
            !d.empty())
          why = "argument " + std::to_string(k) + ": " + d;
    if (why.empty()) {
      ++passed;
    } else {
      ++failed;
      std::printf("FAIL %s (%s): %s\n", file.c_str(), name.c_str(), why.c_str());
    }
  }
  std::printf("gpu-check: %d cases passed, %d failed (%zu kernels)\n", passed, failed,
              modules.size());
  return failed ? 1 : 0;
}

//===----------------------------------------------------------------------===//
// Benchmarks
//===----------------------------------------------------------------------===//

struct Device {
  gpu::Cuda &cuda = gpu::Cuda::get();
  std::vector<gpu::CUdeviceptr> owned;
  ~Device() {
    for (auto p : owned)
      cuda.api().cuMemFree(p);
  }
  template <class T> T *upload(const std::vector<T> &host) {
    gpu::CUdeviceptr p = 0;
    cuda.check(cuda.api().cuMemAlloc(&p, std::max<size_t>(host.size() * sizeof(T), 1)),
               "cuMemAlloc");
    owned.push_back(p);
    cuda.check(cuda.api().cuMemcpyHtoDAsync(p, host.data(), host.size() * sizeof(T),
                                            cuda.stream()),
               "cuMemcpyHtoDAsync");
    cuda.check(cuda.api().cuStreamSynchronize(cuda.stream()), "cuStreamSynchronize");
    return reinterpret_cast<T *>(p);
  }
  template <class T> std::vector<T> download(const T *dev, size_t n) {
    std::vector<T> host(n);
    cuda.check(cuda.api().cuMemcpyDtoHAsync(host.data(),
                                            reinterpret_cast<gpu::CUdeviceptr>(dev),
                                            n * sizeof(T), cuda.stream()),
               "cuMemcpyDtoHAsync");
    cuda.check(cuda.api().cuStreamSynchronize(cuda.stream()), "cuStreamSynchronize");
    return host;
  }
  /// The median time of `reps` runs of fn (each queued on this thread's
  /// stream), in milliseconds, after one warm-up.
  template <class F> double time(F fn, int reps = 15) {
    const gpu::CudaApi &api = cuda.api();
    gpu::CUevent a, b;
    cuda.check(api.cuEventCreate(&a, 0), "cuEventCreate");
    cuda.check(api.cuEventCreate(&b, 0), "cuEventCreate");
    fn();
    std::vector<float> ms;
    for (int r = 0; r < reps; ++r) {
      cuda.check(api.cuEventRecord(a, cuda.stream()), "cuEventRecord");
      fn();
      cuda.check(api.cuEventRecord(b, cuda.stream()), "cuEventRecord");
      cuda.check(api.cuEventSynchronize(b), "cuEventSynchronize");
      float t = 0;
      cuda.check(api.cuEventElapsedTime(&t, a, b), "cuEventElapsedTime");
      ms.push_back(t);
    }
    api.cuEventDestroy(a);
    api.cuEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  }
};

int runBench(const std::string &dir, int log2n) {
  Device dev;
  std::printf("device %s\n", dev.cuda.deviceName().c_str());
  const int64_t n = int64_t(1) << log2n;
  std::vector<int64_t> shape{n};
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::vector<float> x(n), y(n);
  std::vector<int32_t> idx(n);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = u01(rng);
    y[i] = u01(rng) - 0.5f;
    idx[i] = static_cast<int32_t>(rng() % uint64_t(n));
  }
  float *dx = dev.upload(x), *dy = dev.upload(y);
  int32_t *didx = dev.upload(idx);
  float *d1 = dev.upload(std::vector<float>(n)), *d2 = dev.upload(std::vector<float>(n)),
        *d3 = dev.upload(std::vector<float>(n));
  int32_t *dh = dev.upload(std::vector<int32_t>(256));
  const gpu::CudaApi &api = dev.cuda.api();
  double copy = dev.time([&] {
    dev.cuda.check(api.cuMemcpyDtoDAsync(reinterpret_cast<gpu::CUdeviceptr>(d1),
                                         reinterpret_cast<gpu::CUdeviceptr>(dx), n * 4,
                                         dev.cuda.stream()),
                   "cuMemcpyDtoDAsync");
  });
  std::printf("copy %lld %.4f\n", (long long)n, copy);
  auto load = [&](const char *name) {
    return GPUModule::load(dir + "/bench_" + name + ".sfk");
  };
  auto report = [&](const char *name, double ms) {
    std::printf("seqfuse %s %lld %.4f\n", name, (long long)n, ms);
  };
  {
    GPUModule m = load("cumsum");
    report("cumsum", dev.time([&] { m(Arg::cuda(dx, shape), Arg::cuda(d1, shape)); }));
    std::vector<float> out = dev.download(d1, n);
    double s = 0, worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      s += x[i];
      worst = std::max(worst, std::fabs(out[i] - s) / std::max(1.0, std::fabs(s)));
    }
    std::printf("check cumsum: largest relative difference from a double sum %.3g\n",
                worst);
  }
  {
    GPUModule m = load("affine");
    report("affine", dev.time([&] {
      m(Arg::cuda(dx, shape), Arg::cuda(dy, shape), Arg::cuda(d1, shape));
    }));
  }
  {
    GPUModule m = load("histogram");
    std::vector<int64_t> bins{256};
    report("histogram", dev.time([&] { m(Arg::cuda(dx, shape), Arg::cuda(dh, bins)); }));
  }
  {
    GPUModule m = load("scatter");
    report("scatter", dev.time([&] {
      m(Arg::cuda(didx, shape), Arg::cuda(dx, shape), Arg::cuda(d1, shape));
    }));
  }
  {
    GPUModule m = load("chain");
    report("chain", dev.time([&] {
      m(Arg::cuda(dx, shape), Arg::cuda(didx, shape), Arg::cuda(d1, shape),
        Arg::cuda(d2, shape), Arg::cuda(d3, shape));
    }));
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string dir;
  bool bench = false;
  int log2n = 26;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--bench")
      bench = true;
    else if (a.rfind("--log2n=", 0) == 0)
      log2n = std::atoi(a.c_str() + 8);
    else if (dir.empty() && a[0] != '-')
      dir = a;
    else {
      std::cerr << "usage: " << argv[0] << " <bundle-dir> [--bench] [--log2n=26]\n";
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "usage: " << argv[0] << " <bundle-dir> [--bench] [--log2n=26]\n";
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string why;
  if (!gpuAvailable(&why)) {
    std::printf("gpu-check: no GPU here: %s\n", why.c_str());
    return 3;
  }
  try {
    if (bench)
      return runBench(dir, log2n);
    return runCases(dir);
  } catch (const std::exception &e) {
    std::printf("gpu-check: %s\n", e.what());
    return 1;
  }
}
