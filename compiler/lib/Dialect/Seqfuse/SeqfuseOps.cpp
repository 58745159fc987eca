//===- SeqfuseOps.cpp - seqfuse pattern dialect ---------------------------===//
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"

#include "mlir/IR/IRMapping.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace seqfuse;

#include "seqfuse/Dialect/Seqfuse/SeqfuseDialect.cpp.inc"

void SeqfuseDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Region checks shared by the verifiers
//===----------------------------------------------------------------------===//

namespace {

std::string typeList(TypeRange types) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "(";
  llvm::interleaveComma(types, os);
  os << ")";
  return s;
}

/// `region` has one block taking `args` and ends in a seqfuse.yield of
/// `yields`.
LogicalResult verifyRegion(Operation *op, Region &region, StringRef name, TypeRange args,
                           TypeRange yields) {
  Block &block = region.front();
  if (block.getArgumentTypes() != args)
    return op->emitOpError() << "'" << name << "' region must take " << typeList(args)
                             << ", but takes " << typeList(block.getArgumentTypes());
  auto yield = block.empty() ? YieldOp() : dyn_cast<YieldOp>(&block.back());
  if (!yield)
    return op->emitOpError() << "'" << name << "' region must end in seqfuse.yield";
  if (TypeRange(yield.getValues().getTypes()) != yields)
    return op->emitOpError() << "'" << name << "' region must yield " << typeList(yields)
                             << ", but yields " << typeList(yield.getValues().getTypes());
  return success();
}

SmallVector<Type> concat(TypeRange a, TypeRange b) {
  SmallVector<Type> out(a.begin(), a.end());
  out.append(b.begin(), b.end());
  return out;
}

/// Shared by reduce and scan: combiner, results and identity.
LogicalResult verifyFold(Operation *op, Region &element, Region &combiner, Region &step,
                         TypeRange init, TypeRange results,
                         std::optional<ArrayAttr> identity) {
  if (init.empty())
    return op->emitOpError("needs at least one accumulator (init)");
  if (results != init)
    return op->emitOpError() << "results " << typeList(results)
                             << " must match the accumulator " << typeList(init);
  Type index = IndexType::get(op->getContext());
  if (failed(verifyRegion(op, element, "element", {index}, init)) ||
      failed(verifyRegion(op, combiner, "combiner", concat(init, init), init)) ||
      (!step.empty() && failed(verifyRegion(op, step, "step", concat(init, init), init))))
    return failure();
  if (identity) {
    if (identity->size() != init.size())
      return op->emitOpError() << "identity has " << identity->size() << " values for "
                               << init.size() << " accumulators";
    for (auto [attr, type] : llvm::zip(*identity, init)) {
      auto typed = dyn_cast<TypedAttr>(attr);
      if (!typed || typed.getType() != type)
        return op->emitOpError() << "identity " << attr << " is not of type " << type;
    }
  }
  return success();
}

LogicalResult verifyScatterElement(Operation *op, Region &element, Value target) {
  auto type = cast<MemRefType>(target.getType());
  SmallVector<Type> yields(type.getRank(), IndexType::get(op->getContext()));
  yields.push_back(type.getElementType());
  return verifyRegion(op, element, "element", {IndexType::get(op->getContext())}, yields);
}

} // namespace

//===----------------------------------------------------------------------===//
// Verifiers
//===----------------------------------------------------------------------===//

LogicalResult MapOp::verify() {
  return verifyRegion(*this, getBody(), "body", {IndexType::get(getContext())}, {});
}

LogicalResult ReduceOp::verify() {
  return verifyFold(*this, getElement(), getCombiner(), getStep(), getInit().getTypes(),
                    getResults().getTypes(), getIdentity());
}

LogicalResult ScanOp::verify() {
  if (failed(verifyFold(*this, getElement(), getCombiner(), getStep(),
                        getInit().getTypes(), getResults().getTypes(), getIdentity())))
    return failure();
  return verifyRegion(*this, getBody(), "body",
                      concat({IndexType::get(getContext())}, getInit().getTypes()), {});
}

LogicalResult ScatterOp::verify() {
  return verifyScatterElement(*this, getElement(), getTarget());
}

LogicalResult ScatterCombineOp::verify() {
  if (failed(verifyScatterElement(*this, getElement(), getTarget())))
    return failure();
  Type elem = cast<MemRefType>(getTarget().getType()).getElementType();
  return verifyRegion(*this, getCombiner(), "combiner", {elem, elem}, {elem});
}

LogicalResult SequentialOp::verify() {
  return verifyRegion(*this, getBody(), "body", {}, getResults().getTypes());
}

SmallVector<Value> seqfuse::inlineRegion(OpBuilder &b, Region &region, ValueRange args) {
  Block &block = region.front();
  IRMapping map;
  for (auto [arg, v] : llvm::zip_equal(block.getArguments(), args))
    map.map(arg, v);
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  SmallVector<Value> out;
  for (Value v : cast<YieldOp>(block.getTerminator()).getValues())
    out.push_back(map.lookupOrDefault(v));
  return out;
}
