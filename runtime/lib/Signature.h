//===- Signature.h - a kernel's arguments, and checking a call (internal) -*- C++ -*-===//
//
// The declared arguments of a program (names, element types, access, shapes
// with fixed extents and named sizes) and the check of a call's arguments
// against them. Shared by compiled kernels (Kernel.cpp) and ahead-of-time
// GPU modules (gpu/Module.cpp). MLIR-free.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_RUNTIME_LIB_SIGNATURE_H
#define SEQFUSE_RUNTIME_LIB_SIGNATURE_H

#include "seqfuse/dsl/AST.h"
#include "seqfuse/runtime/Kernel.h"

#include <iosfwd>
#include <span>
#include <string>
#include <vector>

namespace seqfuse::detail {

struct Signature {
  std::string name;
  std::vector<ast::Argument> args;
  std::vector<std::string> dimNames;

  /// "name(t: inout f32[n], u: in f32[n])".
  std::string text() const;
  /// "f32[n, 3]" or "f32" for a scalar.
  std::string shapeText(const ast::Argument &a) const;
  /// Throws ArgumentError naming the argument and what was expected: wrong
  /// count, element type, rank or extent, a named size bound to two
  /// extents, a null buffer, a const buffer for an output, an output
  /// overlapping another argument, device memory for a host target.
  void validate(std::span<const Arg> actual, Target target) const;

  /// A text form (length-prefixed strings) and back; read throws Error.
  void write(std::ostream &os) const;
  static Signature read(std::istream &is);
};

/// `s` as "<length>:<bytes>", and back (throws Error).
void writeString(std::ostream &os, const std::string &s);
std::string readString(std::istream &is);

} // namespace seqfuse::detail

#endif // SEQFUSE_RUNTIME_LIB_SIGNATURE_H
