//===- Module.cpp - saving and loading GPU kernels ------------------------===//
#include "Module.h"
#include "seqfuse/runtime/GPUModule.h"

#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

using namespace seqfuse;
using namespace seqfuse::detail;

namespace {

constexpr const char *kMagic = "seqfuse-gpu-kernel";
constexpr int kVersion = 1;

void writeBlob(std::ostream &os, const char *what, const std::string &bytes) {
  os << "blob " << what << " " << bytes.size() << "\n";
  os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  os << "\n";
}

std::string readBlob(std::istream &is, const char *what) {
  std::string word, name;
  size_t n = 0;
  if (!(is >> word >> name >> n) || word != "blob" || name != what ||
      n > (size_t(1) << 31))
    throw Error(std::string("seqfuse: malformed saved GPU kernel (") + what + ")");
  is.get(); // the newline
  std::string s(n, '\0');
  if (n && !is.read(s.data(), static_cast<std::streamsize>(n)))
    throw Error(std::string("seqfuse: truncated saved GPU kernel (") + what + ")");
  return s;
}

} // namespace

[[noreturn]] void detail::raiseCheckFailure(const gpu::Failure &f,
                                            const std::vector<CheckSite> &sites) {
  if (f.site < 0 || f.site >= static_cast<int64_t>(sites.size()))
    throw IndexError("seqfuse: run-time check failed at an unknown site");
  throw IndexError(formatCheckFailure(sites[f.site], f.value, f.bound));
}

void SavedKernel::call(std::span<const Arg> args) const {
  std::call_once(loaded, [&] {
    module = std::make_unique<gpu::CudaModule>(ptx, cubin, chip, plan.kernels);
  });
  if (std::optional<gpu::Failure> f = gpu::runOnCuda(plan, *module, args, access))
    raiseCheckFailure(*f, sites);
}

void SavedKernel::write(std::ostream &os) const {
  os << kMagic << " " << kVersion << "\n";
  sig.write(os);
  os << "sites " << sites.size() << "\n";
  for (const CheckSite &s : sites) {
    writeString(os, s.kind);
    os << " ";
    writeString(os, s.tensor);
    os << " " << s.dim << " ";
    writeString(os, s.file);
    os << " " << s.line << "\n";
  }
  os << "access " << access.size();
  for (uint8_t a : access)
    os << " " << int(a);
  os << "\nchip ";
  writeString(os, chip);
  os << "\n";
  gpu::writePlan(os, plan);
  writeBlob(os, "ptx", ptx);
  writeBlob(os, "cubin", cubin);
}

SavedKernel SavedKernel::read(std::istream &is) {
  auto bad = [](const std::string &what) {
    return Error("seqfuse: not a saved seqfuse GPU kernel (" + what + ")");
  };
  std::string word;
  int version = 0;
  if (!(is >> word) || word != kMagic)
    throw bad("no '" + std::string(kMagic) + "' header");
  if (!(is >> version) || version != kVersion)
    throw bad("format version " + std::to_string(version) + ", this library reads " +
              std::to_string(kVersion));
  SavedKernel k;
  k.sig = Signature::read(is);
  size_t n = 0;
  if (!(is >> word >> n) || word != "sites" || n > 1000000)
    throw bad("sites");
  for (size_t i = 0; i < n; ++i) {
    CheckSite s;
    is >> std::ws;
    s.kind = readString(is);
    is >> std::ws;
    s.tensor = readString(is);
    if (!(is >> s.dim))
      throw bad("site");
    is >> std::ws;
    s.file = readString(is);
    if (!(is >> s.line))
      throw bad("site");
    k.sites.push_back(std::move(s));
  }
  if (!(is >> word >> n) || word != "access" || n != k.sig.args.size())
    throw bad("access");
  for (size_t i = 0; i < n; ++i) {
    int a;
    if (!(is >> a) || a < 0 || a > 2)
      throw bad("access");
    k.access.push_back(static_cast<uint8_t>(a));
  }
  if (!(is >> word) || word != "chip")
    throw bad("chip");
  is >> std::ws;
  k.chip = readString(is);
  k.plan = gpu::readPlan(is);
  k.ptx = readBlob(is, "ptx");
  k.cubin = readBlob(is, "cubin");
  // A plan that indexes past the arguments would read the wrong memory.
  for (const gpu::Step &step : k.plan.steps)
    if (const auto *l = std::get_if<gpu::Launch>(&step))
      for (const gpu::Param &p : l->params)
        if ((p.kind == gpu::Param::Kind::Tensor ||
             p.kind == gpu::Param::Kind::ScalarArg) &&
            static_cast<size_t>(p.index) >= k.sig.args.size())
          throw bad("a launch names argument " + std::to_string(p.index));
  return k;
}

//===----------------------------------------------------------------------===//
// GPUModule
//===----------------------------------------------------------------------===//

GPUModule GPUModule::load(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("seqfuse: cannot open saved GPU kernel '" + path + "'");
  GPUModule m;
  m.impl_ = std::make_shared<const SavedKernel>(SavedKernel::read(in));
  return m;
}

void GPUModule::call(std::span<const Arg> args) const {
  impl_->sig.validate(args, Target::gpu());
  impl_->call(args);
}

std::string GPUModule::signature() const { return impl_->sig.text(); }
std::string GPUModule::chip() const { return impl_->chip; }
bool GPUModule::hasCubin() const { return !impl_->cubin.empty(); }
