//===- Plan.cpp - running a GPU launch sequence ---------------------------===//
#include "Plan.h"

#include <cstring>
#include <istream>
#include <limits>
#include <memory>
#include <ostream>
#include <sstream>

using namespace seqfuse;
using namespace seqfuse::gpu;

namespace {

/// v wrapped to `width` bits, sign-extended back to 64.
int64_t wrap(int64_t v, unsigned width) {
  if (width >= 64)
    return v;
  if (width == 1)
    return v & 1;
  uint64_t mask = (uint64_t(1) << width) - 1;
  uint64_t u = uint64_t(v) & mask;
  uint64_t sign = uint64_t(1) << (width - 1);
  return static_cast<int64_t>((u ^ sign) - sign);
}
uint64_t unsignedOf(int64_t v, unsigned width) {
  if (width >= 64)
    return uint64_t(v);
  return uint64_t(v) & ((uint64_t(1) << width) - 1);
}

int64_t binary(BinOp op, int64_t x, int64_t y, unsigned w) {
  uint64_t ux = unsignedOf(x, w), uy = unsignedOf(y, w);
  auto needNonZero = [&] {
    if (y == 0)
      throw Error("seqfuse: a GPU launch size divides by zero");
  };
  switch (op) {
  case BinOp::Add:
    return int64_t(uint64_t(x) + uint64_t(y));
  case BinOp::Sub:
    return int64_t(uint64_t(x) - uint64_t(y));
  case BinOp::Mul:
    return int64_t(uint64_t(x) * uint64_t(y));
  case BinOp::DivS:
    needNonZero();
    return y == -1 ? int64_t(0 - uint64_t(x)) : x / y;
  case BinOp::DivU:
    needNonZero();
    return int64_t(ux / uy);
  case BinOp::CeilDivS: {
    needNonZero();
    if (y == -1)
      return int64_t(0 - uint64_t(x));
    int64_t q = x / y;
    return (x % y != 0 && ((x < 0) == (y < 0))) ? q + 1 : q;
  }
  case BinOp::FloorDivS: {
    needNonZero();
    if (y == -1)
      return int64_t(0 - uint64_t(x));
    int64_t q = x / y;
    return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
  }
  case BinOp::RemS:
    needNonZero();
    return y == -1 ? 0 : x % y;
  case BinOp::RemU:
    needNonZero();
    return int64_t(ux % uy);
  case BinOp::MinS:
    return x < y ? x : y;
  case BinOp::MaxS:
    return x > y ? x : y;
  case BinOp::MinU:
    return ux < uy ? x : y;
  case BinOp::MaxU:
    return ux > uy ? x : y;
  case BinOp::And:
    return x & y;
  case BinOp::Or:
    return x | y;
  case BinOp::Xor:
    return x ^ y;
  case BinOp::Shl:
    return uy >= w ? 0 : int64_t(uint64_t(x) << uy);
  case BinOp::ShrS:
    return uy >= w ? (x < 0 ? -1 : 0) : (x >> uy);
  case BinOp::ShrU:
    return uy >= w ? 0 : int64_t(ux >> uy);
  }
  return 0;
}

bool compare(Pred p, int64_t x, int64_t y, unsigned w) {
  uint64_t ux = unsignedOf(x, w), uy = unsignedOf(y, w);
  switch (p) {
  case Pred::Eq:
    return x == y;
  case Pred::Ne:
    return x != y;
  case Pred::Slt:
    return x < y;
  case Pred::Sle:
    return x <= y;
  case Pred::Sgt:
    return x > y;
  case Pred::Sge:
    return x >= y;
  case Pred::Ult:
    return ux < uy;
  case Pred::Ule:
    return ux <= uy;
  case Pred::Ugt:
    return ux > uy;
  case Pred::Uge:
    return ux >= uy;
  }
  return false;
}

/// The scratch buffers of one run, released at its end.
struct Buffers {
  Device &device;
  std::vector<void *> ptr;
  std::vector<int64_t> elems;
  Buffers(Device &d, int32_t n) : device(d), ptr(n, nullptr), elems(n, 0) {}
  ~Buffers() {
    for (void *p : ptr)
      if (p)
        device.release(p);
  }
};

} // namespace

std::optional<Failure> gpu::run(const Plan &plan, Device &device,
                                std::span<const Arg> args, std::span<void *const> data) {
  std::vector<int64_t> reg(plan.registers, 0);
  std::vector<int64_t> elemBytes(plan.buffers, 1);
  Buffers bufs(device, plan.buffers);
  // Kernel parameters: each expanded field in 8 bytes of `fields`; the
  // pointers into it go to the launch.
  std::vector<int64_t> fields;
  std::vector<void *> params;
  for (const Step &step : plan.steps) {
    if (const auto *c = std::get_if<Compute>(&step)) {
      int64_t v = 0;
      switch (c->kind) {
      case Compute::Kind::Const:
        v = c->imm;
        break;
      case Compute::Kind::ArgDim:
        v = args[c->a].dim(static_cast<int>(c->imm));
        break;
      case Compute::Kind::ArgInt: {
        const Arg &a = args[c->a];
        switch (a.type()) {
        case DType::I32:
          v = *static_cast<const int32_t *>(a.scalarPtr());
          break;
        case DType::I64:
          v = *static_cast<const int64_t *>(a.scalarPtr());
          break;
        case DType::Bool:
          v = *static_cast<const bool *>(a.scalarPtr()) ? 1 : 0;
          break;
        default:
          throw Error("seqfuse: the GPU plan reads a float argument as an integer");
        }
        break;
      }
      case Compute::Kind::BufferElems:
        v = bufs.elems[c->a];
        break;
      case Compute::Kind::Binary:
        v = binary(c->bin, reg[c->a], reg[c->b], c->width);
        break;
      case Compute::Kind::Cmp:
        v = compare(c->pred, reg[c->a], reg[c->b], c->width) ? 1 : 0;
        break;
      case Compute::Kind::Select:
        v = reg[c->a] ? reg[c->b] : reg[c->c];
        break;
      case Compute::Kind::Cast:
        v = c->isSigned ? reg[c->a]
                        : int64_t(unsignedOf(reg[c->a], c->imm ? c->imm : 64));
        break;
      }
      reg[c->dst] = c->kind == Compute::Kind::Cmp ? v : wrap(v, c->width);
      continue;
    }
    if (const auto *a = std::get_if<Alloc>(&step)) {
      int64_t n = reg[a->elems];
      if (n < 0 || (n > 0 && a->elemBytes > std::numeric_limits<int64_t>::max() / n))
        throw Error("seqfuse: a GPU scratch buffer of " + std::to_string(n) +
                    " elements cannot be allocated");
      bufs.elems[a->buffer] = n;
      elemBytes[a->buffer] = a->elemBytes;
      size_t bytes = static_cast<size_t>(std::max<int64_t>(n * a->elemBytes, 1));
      bufs.ptr[a->buffer] = device.alloc(bytes);
      continue;
    }
    if (const auto *m = std::get_if<Memset>(&step)) {
      size_t bytes = static_cast<size_t>(bufs.elems[m->buffer] * elemBytes[m->buffer]);
      if (bytes)
        device.memset(bufs.ptr[m->buffer], m->byte, bytes);
      continue;
    }
    if (const auto *r = std::get_if<Read>(&step)) {
      int64_t i = reg[r->index];
      if (i < 0 || i >= bufs.elems[r->buffer])
        throw Error("seqfuse: the GPU plan reads outside a scratch buffer");
      int64_t raw = 0;
      device.read(&raw, static_cast<char *>(bufs.ptr[r->buffer]) + i * r->bytes,
                  r->bytes);
      int64_t v = raw;
      if (r->bytes < 8)
        v = r->isSigned ? wrap(raw, r->bytes * 8)
                        : int64_t(unsignedOf(raw, r->bytes * 8));
      reg[r->dst] = wrap(v, r->width);
      continue;
    }
    const auto &l = std::get<Launch>(step);
    int64_t gx = reg[l.gridX], gy = reg[l.gridY];
    if (gx == 0 || gy == 0)
      continue; // a launch of no blocks runs nothing (a form not taken)
    if (gx < 1 || gx > std::numeric_limits<int32_t>::max() || gy < 1 || gy > 65535)
      throw Error("seqfuse: a GPU kernel of " + plan.kernels[l.kernel] +
                  " needs a grid of " + std::to_string(gx) + " x " + std::to_string(gy) +
                  " blocks, more than a GPU launches (2^31 - 1 x 65535)");
    size_t count = 0;
    for (const Param &p : l.params)
      count += p.kind == Param::Kind::Tensor || p.kind == Param::Kind::Buffer
                   ? 3 + 2 * static_cast<size_t>(p.rank)
                   : 1;
    fields.assign(count, 0);
    params.clear();
    size_t at = 0;
    auto field = [&](int64_t v) {
      fields[at] = v;
      params.push_back(&fields[at]);
      ++at;
    };
    auto memref = [&](void *base, std::span<const int64_t> dims) {
      field(reinterpret_cast<int64_t>(base));
      field(reinterpret_cast<int64_t>(base));
      field(0);
      for (int64_t d : dims)
        field(d);
      int64_t stride = 1;
      std::vector<int64_t> strides(dims.size());
      for (size_t j = dims.size(); j-- > 0;) {
        strides[j] = stride;
        stride *= dims[j];
      }
      for (int64_t s : strides)
        field(s);
    };
    for (const Param &p : l.params) {
      switch (p.kind) {
      case Param::Kind::Tensor: {
        const Arg &a = args[p.index];
        int64_t dims[Arg::kMaxRank];
        for (int d = 0; d < a.rank(); ++d)
          dims[d] = a.dim(d);
        memref(data[p.index], std::span<const int64_t>(dims, a.rank()));
        break;
      }
      case Param::Kind::Buffer: {
        int64_t n = bufs.elems[p.index];
        memref(bufs.ptr[p.index], std::span<const int64_t>(&n, 1));
        break;
      }
      case Param::Kind::ScalarArg:
        std::memcpy(&fields[at], args[p.index].scalarPtr(), p.bytes);
        params.push_back(&fields[at]);
        ++at;
        break;
      case Param::Kind::Register:
        if (p.bytes == 4) {
          int32_t v = static_cast<int32_t>(reg[p.index]);
          std::memcpy(&fields[at], &v, 4);
        } else {
          fields[at] = reg[p.index];
        }
        params.push_back(&fields[at]);
        ++at;
        break;
      }
    }
    device.launch(l.kernel, gx, gy, l.block, params.data(), params.size());
    if (l.mayFail) {
      const Param &st = l.params.front();
      int64_t status[4];
      device.read(status, bufs.ptr[st.index], sizeof status);
      if (status[0] != 0)
        return Failure{status[1], status[2], status[3]};
    }
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Text form
//===----------------------------------------------------------------------===//

void gpu::writePlan(std::ostream &os, const Plan &plan) {
  os << "plan " << plan.registers << " " << plan.buffers << " " << plan.kernels.size()
     << "\n";
  for (const std::string &k : plan.kernels)
    os << "kernel " << k << "\n";
  for (const Step &step : plan.steps) {
    if (const auto *c = std::get_if<Compute>(&step))
      os << "c " << int(c->kind) << " " << c->dst << " " << c->a << " " << c->b << " "
         << c->c << " " << c->imm << " " << int(c->width) << " " << int(c->bin) << " "
         << int(c->pred) << " " << int(c->isSigned) << "\n";
    else if (const auto *a = std::get_if<Alloc>(&step))
      os << "alloc " << a->buffer << " " << a->elems << " " << a->elemBytes << "\n";
    else if (const auto *m = std::get_if<Memset>(&step))
      os << "memset " << m->buffer << " " << int(m->byte) << "\n";
    else if (const auto *r = std::get_if<Read>(&step))
      os << "read " << r->dst << " " << r->buffer << " " << r->index << " "
         << int(r->bytes) << " " << int(r->width) << " " << int(r->isSigned) << "\n";
    else {
      const auto &l = std::get<Launch>(step);
      os << "launch " << l.kernel << " " << l.gridX << " " << l.gridY << " " << l.block
         << " " << int(l.mayFail) << " " << l.params.size();
      for (const Param &p : l.params)
        os << " " << int(p.kind) << " " << p.index << " " << p.rank << " "
           << int(p.bytes);
      os << "\n";
    }
  }
  os << "end\n";
}

Plan gpu::readPlan(std::istream &is) {
  auto bad = [](const std::string &what) -> Error {
    return Error("seqfuse: malformed GPU plan (" + what + ")");
  };
  Plan plan;
  std::string word;
  size_t kernels = 0;
  if (!(is >> word) || word != "plan" ||
      !(is >> plan.registers >> plan.buffers >> kernels) || plan.registers < 0 ||
      plan.buffers < 0 || kernels > 100000)
    throw bad("header");
  for (size_t i = 0; i < kernels; ++i) {
    std::string name;
    if (!(is >> word >> name) || word != "kernel")
      throw bad("kernel names");
    plan.kernels.push_back(name);
  }
  auto reg = [&](int32_t r, bool optional = false) {
    if ((optional && r == -1) || (r >= 0 && r < plan.registers))
      return;
    throw bad("register " + std::to_string(r));
  };
  auto buf = [&](int32_t b) {
    if (b < 0 || b >= plan.buffers)
      throw bad("buffer " + std::to_string(b));
  };
  while (is >> word) {
    if (word == "end")
      return plan;
    if (word == "c") {
      Compute c;
      int kind, width, bin, pred, sgn;
      if (!(is >> kind >> c.dst >> c.a >> c.b >> c.c >> c.imm >> width >> bin >> pred >>
            sgn) ||
          kind < 0 || kind > int(Compute::Kind::Cast) || bin < 0 ||
          bin > int(BinOp::ShrU) || pred < 0 || pred > int(Pred::Uge) || width < 1 ||
          width > 64)
        throw bad("compute");
      c.kind = Compute::Kind(kind);
      c.width = uint8_t(width);
      c.bin = BinOp(bin);
      c.pred = Pred(pred);
      c.isSigned = sgn != 0;
      reg(c.dst);
      bool regOperands = c.kind == Compute::Kind::Binary ||
                         c.kind == Compute::Kind::Cmp ||
                         c.kind == Compute::Kind::Select || c.kind == Compute::Kind::Cast;
      if (regOperands) {
        reg(c.a);
        reg(c.b, true);
        reg(c.c, true);
      }
      if (c.kind == Compute::Kind::BufferElems)
        buf(c.a);
      plan.steps.push_back(c);
    } else if (word == "alloc") {
      Alloc a;
      if (!(is >> a.buffer >> a.elems >> a.elemBytes) || a.elemBytes < 1)
        throw bad("alloc");
      buf(a.buffer);
      reg(a.elems);
      plan.steps.push_back(a);
    } else if (word == "memset") {
      Memset m;
      int byte;
      if (!(is >> m.buffer >> byte) || byte < 0 || byte > 255)
        throw bad("memset");
      buf(m.buffer);
      m.byte = uint8_t(byte);
      plan.steps.push_back(m);
    } else if (word == "read") {
      Read r;
      int bytes, width, sgn;
      if (!(is >> r.dst >> r.buffer >> r.index >> bytes >> width >> sgn) ||
          (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8) || width < 1 ||
          width > 64)
        throw bad("read");
      r.bytes = uint8_t(bytes);
      r.width = uint8_t(width);
      r.isSigned = sgn != 0;
      reg(r.dst);
      reg(r.index);
      buf(r.buffer);
      plan.steps.push_back(r);
    } else if (word == "launch") {
      Launch l;
      int mayFail;
      size_t n;
      if (!(is >> l.kernel >> l.gridX >> l.gridY >> l.block >> mayFail >> n) ||
          l.kernel < 0 || size_t(l.kernel) >= plan.kernels.size() || l.block < 1 ||
          n > 4096)
        throw bad("launch");
      reg(l.gridX);
      reg(l.gridY);
      l.mayFail = mayFail != 0;
      for (size_t i = 0; i < n; ++i) {
        Param p;
        int kind, bytes;
        if (!(is >> kind >> p.index >> p.rank >> bytes) || kind < 0 ||
            kind > int(Param::Kind::Register) || p.rank < 0 || p.rank > Arg::kMaxRank ||
            (bytes != 1 && bytes != 2 && bytes != 4 && bytes != 8))
          throw bad("launch parameter");
        p.kind = Param::Kind(kind);
        p.bytes = uint8_t(bytes);
        if (p.kind == Param::Kind::Buffer)
          buf(p.index);
        if (p.kind == Param::Kind::Register)
          reg(p.index);
        if ((p.kind == Param::Kind::Tensor || p.kind == Param::Kind::ScalarArg) &&
            p.index < 0)
          throw bad("launch parameter");
        l.params.push_back(p);
      }
      if (l.mayFail && (l.params.empty() || l.params.front().kind != Param::Kind::Buffer))
        throw bad("a checking launch without its status buffer");
      plan.steps.push_back(std::move(l));
    } else {
      throw bad("step '" + word + "'");
    }
  }
  throw bad("no end");
}
