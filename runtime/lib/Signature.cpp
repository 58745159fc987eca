//===- Signature.cpp - a kernel's arguments, and checking a call ----------===//
#include "Signature.h"

#include <istream>
#include <ostream>

using namespace seqfuse;
using namespace seqfuse::ast;
using namespace seqfuse::detail;

//===----------------------------------------------------------------------===//
// Arg
//===----------------------------------------------------------------------===//

std::string Arg::describe() const {
  if (!tensor_)
    return "scalar " + std::string(dtypeName(type_));
  std::string s = std::string(dtypeName(type_)) + "[";
  for (int d = 0; d < rank_; ++d)
    s += (d ? ", " : "") + std::to_string(shape_[d]);
  return s + "]" + (device_ ? " in GPU memory" : "");
}

//===----------------------------------------------------------------------===//
// Signature
//===----------------------------------------------------------------------===//

std::string Signature::shapeText(const Argument &a) const {
  std::string s = std::string(dtypeName(a.type));
  if (!a.isTensor)
    return s;
  s += "[";
  for (size_t d = 0; d < a.shape.size(); ++d) {
    const DimSpec &ds = a.shape[d];
    s += d ? ", " : "";
    s += ds.kind == DimSpec::Fixed   ? std::to_string(ds.extent)
         : ds.kind == DimSpec::Named ? dimNames[ds.symbol]
                                     : std::string("?");
  }
  return s + "]";
}

std::string Signature::text() const {
  std::string s = name + "(";
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    s += (i ? ", " : "") + a.name + ": ";
    if (a.isTensor)
      s += a.access == Access::In ? "in " : a.access == Access::Out ? "out " : "inout ";
    s += shapeText(a);
  }
  return s + ")";
}

void Signature::validate(std::span<const Arg> actual, Target target) const {
  auto fail = [&](size_t i, const std::string &what) {
    throw ArgumentError("seqfuse: argument '" + args[i].name + "' (#" +
                        std::to_string(i + 1) + ") of " + name + ": " + what);
  };
  if (actual.size() != args.size())
    throw ArgumentError("seqfuse: " + name + " expects " + std::to_string(args.size()) +
                        " argument" + (args.size() == 1 ? "" : "s") + ", got " +
                        std::to_string(actual.size()) + "; signature: " + text());
  // Named sizes: the first tensor that has one binds it. (Every call runs
  // this: nothing here allocates unless an argument is refused.)
  // A small stack buffer for the common case, no heap allocation.
  int64_t boundStack[16];
  size_t boundByStack[16];
  std::vector<int64_t> boundHeap;
  std::vector<size_t> boundByHeap;
  int64_t *bound = boundStack;
  size_t *boundBy = boundByStack;
  if (dimNames.size() > 16) {
    boundHeap.resize(dimNames.size());
    boundByHeap.resize(dimNames.size());
    bound = boundHeap.data();
    boundBy = boundByHeap.data();
  }
  for (size_t d = 0; d < dimNames.size(); ++d) {
    bound[d] = -1;
    boundBy[d] = 0;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const Argument &a = args[i];
    const Arg &x = actual[i];
    auto expected = [&] { return (a.isTensor ? "tensor " : "scalar ") + shapeText(a); };
    if (const std::string *why = x.refusal())
      fail(i, "expected " + expected() + ", got a tensor that cannot be passed: " + *why);
    if (a.isTensor != x.isTensor())
      fail(i, "expected " + expected() + ", got " + x.describe());
    if (a.type != x.type())
      fail(i, "expected element type " + std::string(dtypeName(a.type)) + " (" +
                  expected() + "), got " + x.describe());
    if (!a.isTensor)
      continue;
    if (static_cast<int>(a.shape.size()) != x.rank())
      fail(i, "expected shape " + shapeText(a) + " (rank " +
                  std::to_string(a.shape.size()) + "), got " + x.describe() + " (rank " +
                  std::to_string(x.rank()) + ")");
    int64_t elems = 1;
    for (int d = 0; d < x.rank(); ++d) {
      int64_t n = x.dim(d);
      if (n < 0)
        fail(i, "extent " + std::to_string(n) + " in dimension " + std::to_string(d) +
                    " of " + x.describe() + " is negative");
      if (n != 0 && elems > INT64_MAX / n / 8)
        fail(i, "shape " + x.describe() + " has too many elements");
      elems *= n;
      const DimSpec &ds = a.shape[d];
      if (ds.kind == DimSpec::Fixed && ds.extent != n)
        fail(i, "expected shape " + shapeText(a) + ", got " + x.describe());
      if (ds.kind == DimSpec::Named) {
        if (bound[ds.symbol] < 0) {
          bound[ds.symbol] = n;
          boundBy[ds.symbol] = i;
        } else if (bound[ds.symbol] != n) {
          fail(i, "expected shape " + shapeText(a) + " with " + dimNames[ds.symbol] +
                      " = " + std::to_string(bound[ds.symbol]) + " (from argument '" +
                      args[boundBy[ds.symbol]].name + "', " +
                      actual[boundBy[ds.symbol]].describe() + "), got " + x.describe());
        }
      }
    }
    if (x.inDeviceMemory() && target.kind != Target::Kind::GPU)
      fail(i, "got " + x.describe() + ", but the " + std::string(target.name()) +
                  " target reads host memory (copy it to the host, or compile for "
                  "Target::gpu())");
    if (elems > 0 && !x.data())
      fail(i, "null data pointer for " + x.describe());
    if (a.access != Access::In && x.isConst())
      fail(i, std::string("the kernel writes it (") +
                  (a.access == Access::Out ? "out" : "inout") + ") but it was passed " +
                  (x.readOnlyReason() ? "read-only: " + *x.readOnlyReason()
                                      : std::string("as const")));
  }
  // An output must not share memory with any other tensor argument.
  auto range = [&](size_t i) {
    const Arg &x = actual[i];
    int64_t elems = 1;
    for (int d = 0; d < x.rank(); ++d)
      elems *= x.dim(d);
    auto *p = static_cast<const char *>(x.data());
    return std::pair(p, p + elems * dtypeBytes(x.type()));
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].isTensor || args[i].access == Access::In)
      continue;
    auto [b1, e1] = range(i);
    if (b1 == e1)
      continue;
    for (size_t j = 0; j < args.size(); ++j) {
      if (j == i || !args[j].isTensor)
        continue;
      auto [b2, e2] = range(j);
      if (b2 != e2 && b1 < e2 && b2 < e1)
        fail(i, "its buffer " + actual[i].describe() + " overlaps argument '" +
                    args[j].name + "' (" + actual[j].describe() +
                    "); an output must not share memory with another argument");
    }
  }
}

//===----------------------------------------------------------------------===//
// Text form
//===----------------------------------------------------------------------===//

void detail::writeString(std::ostream &os, const std::string &s) {
  os << s.size() << ':' << s;
}

std::string detail::readString(std::istream &is) {
  size_t n = 0;
  char colon = 0;
  if (!(is >> n) || !is.get(colon) || colon != ':' || n > (size_t(1) << 32))
    throw Error("seqfuse: malformed string in a saved kernel");
  std::string s(n, '\0');
  if (n && !is.read(s.data(), static_cast<std::streamsize>(n)))
    throw Error("seqfuse: truncated string in a saved kernel");
  return s;
}

void Signature::write(std::ostream &os) const {
  os << "signature ";
  writeString(os, name);
  os << " " << dimNames.size();
  for (const std::string &d : dimNames) {
    os << " ";
    writeString(os, d);
  }
  os << " " << args.size() << "\n";
  for (const Argument &a : args) {
    os << "arg ";
    writeString(os, a.name);
    os << " " << int(a.type) << " " << int(a.isTensor) << " " << int(a.access) << " "
       << a.shape.size();
    for (const DimSpec &d : a.shape)
      os << " " << int(d.kind) << " " << d.extent << " " << d.symbol;
    os << "\n";
  }
}

Signature Signature::read(std::istream &is) {
  auto bad = [](const char *what) {
    return Error(std::string("seqfuse: malformed signature in a saved kernel (") + what +
                 ")");
  };
  Signature s;
  std::string word;
  size_t dims = 0, args = 0;
  if (!(is >> word) || word != "signature")
    throw bad("header");
  is >> std::ws;
  s.name = readString(is);
  if (!(is >> dims) || dims > 4096)
    throw bad("sizes");
  for (size_t i = 0; i < dims; ++i) {
    is >> std::ws;
    s.dimNames.push_back(readString(is));
  }
  if (!(is >> args) || args > 4096)
    throw bad("arguments");
  for (size_t i = 0; i < args; ++i) {
    Argument a;
    int type, isTensor, access;
    size_t rank;
    if (!(is >> word) || word != "arg")
      throw bad("argument");
    is >> std::ws;
    a.name = readString(is);
    if (!(is >> type >> isTensor >> access >> rank) || type < 0 ||
        type > int(DType::Index) || access < 0 || access > int(Access::InOut) ||
        rank > size_t(Arg::kMaxRank))
      throw bad("argument");
    a.type = DType(type);
    a.isTensor = isTensor != 0;
    a.access = Access(access);
    for (size_t d = 0; d < rank; ++d) {
      int kind;
      DimSpec ds;
      if (!(is >> kind >> ds.extent >> ds.symbol) || kind < 0 ||
          kind > int(DimSpec::Named) ||
          (kind == DimSpec::Named && (ds.symbol < 0 || size_t(ds.symbol) >= dims)))
        throw bad("dimension");
      ds.kind = DimSpec::Kind(kind);
      a.shape.push_back(ds);
    }
    s.args.push_back(std::move(a));
  }
  return s;
}
