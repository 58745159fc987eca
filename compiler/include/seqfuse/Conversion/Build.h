//===- Build.h - Small IR builders shared by the lowerings -----*- C++ -*-===//
//
// One-line builders for the arith and scf ops the GPU and rank lowerings
// emit by the hundred (constants, index arithmetic, conditions, bit casts),
// so that each lowering reads as its algorithm. Header-only: each is a
// single op's create.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_CONVERSION_BUILD_H
#define SEQFUSE_CONVERSION_BUILD_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace seqfuse::build {

inline mlir::Value cIndex(mlir::OpBuilder &b, mlir::Location loc, int64_t v) {
  return mlir::arith::ConstantIndexOp::create(b, loc, v);
}
inline mlir::Value cI64(mlir::OpBuilder &b, mlir::Location loc, int64_t v) {
  return mlir::arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
inline mlir::Value cBool(mlir::OpBuilder &b, mlir::Location loc, bool v) {
  return mlir::arith::ConstantOp::create(b, loc, b.getBoolAttr(v));
}
inline mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v) {
  if (v.getType().isIndex())
    return v;
  return mlir::arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}
inline mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y) {
  return mlir::arith::AddIOp::create(b, loc, x, y);
}
inline mlir::Value sub(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y) {
  return mlir::arith::SubIOp::create(b, loc, x, y);
}
inline mlir::Value mul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y) {
  return mlir::arith::MulIOp::create(b, loc, x, y);
}
inline mlir::Value minS(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y) {
  return mlir::arith::MinSIOp::create(b, loc, x, y);
}
inline mlir::Value maxS(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y) {
  return mlir::arith::MaxSIOp::create(b, loc, x, y);
}
inline mlir::Value cmp(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::arith::CmpIPredicate p, mlir::Value x, mlir::Value y) {
  return mlir::arith::CmpIOp::create(b, loc, p, x, y);
}
inline mlir::Value andOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                         mlir::Value y) {
  return mlir::arith::AndIOp::create(b, loc, x, y);
}
inline mlir::Value orOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value y) {
  return mlir::arith::OrIOp::create(b, loc, x, y);
}
inline mlir::Value notOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v) {
  return mlir::arith::XOrIOp::create(b, loc, v, cBool(b, loc, true));
}
inline mlir::Value select(mlir::OpBuilder &b, mlir::Location loc, mlir::Value c,
                          mlir::Value x, mlir::Value y) {
  return mlir::arith::SelectOp::create(b, loc, c, x, y);
}

/// if (cond) { then() } with no results.
inline void ifThen(mlir::OpBuilder &b, mlir::Location loc, mlir::Value cond,
                   llvm::function_ref<void(mlir::OpBuilder &)> then) {
  mlir::scf::IfOp::create(b, loc, cond, [&](mlir::OpBuilder &tb, mlir::Location) {
    then(tb);
    mlir::scf::YieldOp::create(tb, loc);
  });
}

/// `v` (an integer, index or float) as the integer `bits` holding its bits,
/// zero-extended.
inline mlir::Value toBitsAs(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                            mlir::IntegerType bits) {
  mlir::Type t = v.getType();
  if (t.isIndex())
    return mlir::arith::IndexCastOp::create(b, loc, bits, v);
  if (auto f = llvm::dyn_cast<mlir::FloatType>(t))
    v = mlir::arith::BitcastOp::create(b, loc, b.getIntegerType(f.getWidth()), v);
  if (v.getType().getIntOrFloatBitWidth() < bits.getWidth())
    return mlir::arith::ExtUIOp::create(b, loc, bits, v);
  return v;
}

/// The value of type `t` whose bits `bits` (an integer at least as wide)
/// holds in its low bits: toBitsAs's inverse.
inline mlir::Value fromBits(mlir::OpBuilder &b, mlir::Location loc, mlir::Value bits,
                            mlir::Type t) {
  if (t.isIndex())
    return mlir::arith::IndexCastOp::create(b, loc, t, bits);
  unsigned w = t.getIntOrFloatBitWidth();
  mlir::Value i = bits;
  if (w < llvm::cast<mlir::IntegerType>(bits.getType()).getWidth())
    i = mlir::arith::TruncIOp::create(b, loc, b.getIntegerType(w), bits);
  if (llvm::isa<mlir::FloatType>(t))
    return mlir::arith::BitcastOp::create(b, loc, t, i);
  return i;
}

/// Whether any float in `vals` is NaN (`nanOnly`) or not finite (NaN, inf:
/// v - v is NaN exactly then).
inline mlir::Value notFinite(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::ValueRange vals, bool nanOnly) {
  mlir::Value any = cBool(b, loc, false);
  for (mlir::Value v : vals) {
    if (!llvm::isa<mlir::FloatType>(v.getType()))
      continue;
    mlir::Value d = nanOnly ? v : (mlir::Value)mlir::arith::SubFOp::create(b, loc, v, v);
    any =
        orOf(b, loc, any,
             mlir::arith::CmpFOp::create(b, loc, mlir::arith::CmpFPredicate::UNO, d, d));
  }
  return any;
}

} // namespace seqfuse::build

#endif // SEQFUSE_CONVERSION_BUILD_H
