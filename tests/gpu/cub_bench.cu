// cub_bench.cu - the CUB baselines of scripts/gpu-check.sh, on the GPU
// machine's CUDA toolkit: a device-to-device copy (the roofline),
// DeviceScan::InclusiveSum, a custom-operator scan of affine maps (float2
// (a, b), composed), DeviceHistogram::HistogramEven into 256 bins, and a
// sort-based last-writer-wins scatter (a stable radix sort of (index,
// iteration), then the last of each run writes). One line each:
// "cub <name> <n> <ms>" (median of 15 after a warm-up, CUDA events).
//
//   nvcc -O3 -std=c++17 -arch=sm_90 cub_bench.cu -o cub-bench && ./cub-bench 26
#include <cub/cub.cuh>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#define CK(x)                                                                          \
  do {                                                                                 \
    cudaError_t e_ = (x);                                                              \
    if (e_ != cudaSuccess) {                                                           \
      std::fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e_));             \
      std::exit(1);                                                                    \
    }                                                                                  \
  } while (0)

template <class F> float timeIt(F f, int reps = 15) {
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  f();
  std::vector<float> ms;
  for (int r = 0; r < reps; ++r) {
    CK(cudaEventRecord(a));
    f();
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float t = 0;
    CK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

/// Composition of affine maps s -> a*s + b: first x, then y.
struct Affine {
  __host__ __device__ float2 operator()(const float2 &x, const float2 &y) const {
    return make_float2(y.x * x.x, y.x * x.y + y.y);
  }
};

__global__ void iota(int *v, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    v[i] = i;
}

/// After a stable sort by target: the last of each run of equal targets is
/// the last iteration writing it.
__global__ void lastWriters(const int *keys, const int *iters, const float *v, float *t,
                            int n) {
  int p = blockIdx.x * blockDim.x + threadIdx.x;
  if (p < n && (p == n - 1 || keys[p] != keys[p + 1]))
    t[keys[p]] = v[iters[p]];
}

int main(int argc, char **argv) {
  int log2n = argc > 1 ? std::atoi(argv[1]) : 26;
  int n = 1 << log2n;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  std::vector<float> x(n);
  std::vector<int> idx(n);
  std::vector<float2> ab(n);
  for (int i = 0; i < n; ++i) {
    x[i] = u01(rng);
    idx[i] = static_cast<int>(rng() % uint64_t(n));
    ab[i] = make_float2(u01(rng), u01(rng) - 0.5f);
  }
  float *dx, *dout, *dt;
  int *didx, *dkeys, *diters, *dsortedIters, *dhist;
  float2 *dab, *dabOut;
  CK(cudaMalloc(&dx, n * sizeof(float)));
  CK(cudaMalloc(&dout, n * sizeof(float)));
  CK(cudaMalloc(&dt, n * sizeof(float)));
  CK(cudaMalloc(&didx, n * sizeof(int)));
  CK(cudaMalloc(&dkeys, n * sizeof(int)));
  CK(cudaMalloc(&diters, n * sizeof(int)));
  CK(cudaMalloc(&dsortedIters, n * sizeof(int)));
  CK(cudaMalloc(&dhist, 256 * sizeof(int)));
  CK(cudaMalloc(&dab, n * sizeof(float2)));
  CK(cudaMalloc(&dabOut, n * sizeof(float2)));
  CK(cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice));
  CK(cudaMemcpy(didx, idx.data(), n * sizeof(int), cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dab, ab.data(), n * sizeof(float2), cudaMemcpyHostToDevice));
  iota<<<(n + 255) / 256, 256>>>(diters, n);
  CK(cudaGetLastError());
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, 0));
  std::printf("device %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);

  auto report = [&](const char *name, float ms) {
    std::printf("cub %s %d %.4f\n", name, n, ms);
  };
  report("copy", timeIt([&] {
           CK(cudaMemcpyAsync(dout, dx, n * sizeof(float), cudaMemcpyDeviceToDevice));
         }));
  // Temporary storage: the largest any of them asks for.
  size_t need = 0, bytes = 0;
  cub::DeviceScan::InclusiveSum(nullptr, bytes, dx, dout, n);
  need = std::max(need, bytes);
  cub::DeviceScan::InclusiveScan(nullptr, bytes, dab, dabOut, Affine(), n);
  need = std::max(need, bytes);
  cub::DeviceHistogram::HistogramEven(nullptr, bytes, dx, dhist, 257, 0.0f, 1.0f, n);
  need = std::max(need, bytes);
  cub::DeviceRadixSort::SortPairs(nullptr, bytes, didx, dkeys, diters, dsortedIters, n);
  need = std::max(need, bytes);
  void *tmp;
  CK(cudaMalloc(&tmp, need));
  report("cumsum", timeIt([&] {
           size_t b = need;
           CK(cub::DeviceScan::InclusiveSum(tmp, b, dx, dout, n));
         }));
  report("affine", timeIt([&] {
           size_t b = need;
           CK(cub::DeviceScan::InclusiveScan(tmp, b, dab, dabOut, Affine(), n));
         }));
  report("histogram", timeIt([&] {
           size_t b = need;
           CK(cub::DeviceHistogram::HistogramEven(tmp, b, dx, dhist, 257, 0.0f, 1.0f, n));
         }));
  report("scatter", timeIt([&] {
           size_t b = need;
           CK(cub::DeviceRadixSort::SortPairs(tmp, b, didx, dkeys, diters, dsortedIters, n,
                                              0, log2n + 1));
           lastWriters<<<(n + 255) / 256, 256>>>(dkeys, dsortedIters, dx, dt, n);
         }));
  CK(cudaDeviceSynchronize());
  return 0;
}
