//===- SeqfuseOps.cpp - seqfuse pattern dialect ---------------------------===//
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/PassAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace seqfuse;

#include "seqfuse/Dialect/Seqfuse/SeqfuseDialect.cpp.inc"
#include "seqfuse/Dialect/Seqfuse/SeqfuseEnums.cpp.inc"
#include "seqfuse/Dialect/Seqfuse/SeqfuseInterfaces.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "seqfuse/Dialect/Seqfuse/SeqfuseAttrs.cpp.inc"

void SeqfuseDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "seqfuse/Dialect/Seqfuse/SeqfuseAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// The seqfuse.* attributes of other dialects' ops
//===----------------------------------------------------------------------===//

namespace {

enum class AttrShape { Unit, String, Access, Integer, Strings, Dictionaries };

struct DeclaredAttr {
  const char *name;
  AttrShape shape;
};

constexpr DeclaredAttr kDeclared[] = {
    {attrs::kArgName, AttrShape::String},
    {attrs::kArgAccess, AttrShape::Access},
    {attrs::kArgDims, AttrShape::Strings},
    {attrs::kKernel, AttrShape::Unit},
    {attrs::kStateNames, AttrShape::Strings},
    {attrs::kReversed, AttrShape::Unit},
    {kCheckSitesAttr, AttrShape::Dictionaries},
    {kLoweredAttr, AttrShape::String},
    {kLoweredAtAttr, AttrShape::String},
    {kLoweredAlgorithmAttr, AttrShape::String},
    {kLoweredTripAttr, AttrShape::Integer},
    {kInBoundsAttr, AttrShape::Unit},
    {kAlgorithmsAttr, AttrShape::Dictionaries},
    {kCheckedAttr, AttrShape::Unit},
    {kBytesBeforeAttr, AttrShape::Integer},
    {kBytesAfterAttr, AttrShape::Integer},
    {kNotFusedAfterAttr, AttrShape::String},
    {kNotFusedAttr, AttrShape::String},
    {kLoweredFuncAttr, AttrShape::Unit},
    {kGpuHostAttr, AttrShape::Unit},
    {kMayFailAttr, AttrShape::Unit},
    {kSingleThreadAttr, AttrShape::Unit},
    {kSimKernelAttr, AttrShape::String},
};

bool allOf(Attribute a, llvm::function_ref<bool(Attribute)> pred) {
  auto arr = dyn_cast<ArrayAttr>(a);
  return arr && llvm::all_of(arr, pred);
}

LogicalResult verifyDeclared(Operation *op, NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  const DeclaredAttr *d =
      llvm::find_if(kDeclared, [&](const DeclaredAttr &x) { return name == x.name; });
  if (d == std::end(kDeclared)) {
    std::string known;
    for (const DeclaredAttr &x : kDeclared)
      known += (known.empty() ? "" : ", ") + std::string(x.name);
    return op->emitError() << "unknown seqfuse attribute '" << name
                           << "' (known: " << known << ")";
  }
  Attribute a = attr.getValue();
  bool ok = false;
  const char *expected = "";
  switch (d->shape) {
  case AttrShape::Unit:
    ok = isa<UnitAttr>(a), expected = "a unit attribute";
    break;
  case AttrShape::String:
    ok = isa<StringAttr>(a), expected = "a string";
    break;
  case AttrShape::Access: {
    auto s = dyn_cast<StringAttr>(a);
    ok = s && (s.getValue() == "in" || s.getValue() == "out" || s.getValue() == "inout");
    expected = "\"in\", \"out\" or \"inout\"";
    break;
  }
  case AttrShape::Integer:
    ok = isa<IntegerAttr>(a), expected = "an integer";
    break;
  case AttrShape::Strings:
    ok = allOf(a, [](Attribute x) { return isa<StringAttr>(x); });
    expected = "an array of strings";
    break;
  case AttrShape::Dictionaries:
    ok = allOf(a, [](Attribute x) { return isa<DictionaryAttr>(x); });
    expected = "an array of dictionaries";
    break;
  }
  if (!ok)
    return op->emitError() << "attribute '" << name << "' must be " << expected
                           << ", got " << a;
  return success();
}

} // namespace

LogicalResult SeqfuseDialect::verifyOperationAttribute(Operation *op,
                                                       NamedAttribute attr) {
  return verifyDeclared(op, attr);
}

LogicalResult SeqfuseDialect::verifyRegionArgAttribute(Operation *op, unsigned, unsigned,
                                                       NamedAttribute attr) {
  return verifyDeclared(op, attr);
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

//===----------------------------------------------------------------------===//
// PatternOp: each op's parts
//===----------------------------------------------------------------------===//

Region &MapOp::getElementRegion() { return getBody(); }
Region *MapOp::getCombinerRegion() { return nullptr; }
Region *MapOp::getStepRegion() { return nullptr; }
Region *MapOp::getConsumerRegion() { return nullptr; }
Value MapOp::getScatterTarget() { return {}; }
bool MapOp::isReverse() { return false; }

Region &ReduceOp::getElementRegion() { return getElement(); }
Region *ReduceOp::getCombinerRegion() { return &getCombiner(); }
Region *ReduceOp::getStepRegion() { return getStep().empty() ? nullptr : &getStep(); }
Region *ReduceOp::getConsumerRegion() { return nullptr; }
Value ReduceOp::getScatterTarget() { return {}; }
bool ReduceOp::isReverse() { return getReverse(); }

Region &ScanOp::getElementRegion() { return getElement(); }
Region *ScanOp::getCombinerRegion() { return &getCombiner(); }
Region *ScanOp::getStepRegion() { return getStep().empty() ? nullptr : &getStep(); }
Region *ScanOp::getConsumerRegion() { return &getBody(); }
Value ScanOp::getScatterTarget() { return {}; }
bool ScanOp::isReverse() { return getReverse(); }

Region &ScatterOp::getElementRegion() { return getElement(); }
Region *ScatterOp::getCombinerRegion() { return nullptr; }
Region *ScatterOp::getStepRegion() { return nullptr; }
Region *ScatterOp::getConsumerRegion() { return nullptr; }
Value ScatterOp::getScatterTarget() { return getTarget(); }
bool ScatterOp::isReverse() { return false; }

Region &ScatterCombineOp::getElementRegion() { return getElement(); }
Region *ScatterCombineOp::getCombinerRegion() { return &getCombiner(); }
Region *ScatterCombineOp::getStepRegion() { return nullptr; }
Region *ScatterCombineOp::getConsumerRegion() { return nullptr; }
Value ScatterCombineOp::getScatterTarget() { return getTarget(); }
bool ScatterCombineOp::isReverse() { return false; }
