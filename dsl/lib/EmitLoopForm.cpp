//===- EmitLoopForm.cpp - DSL program to loop-form MLIR -------------------===//
//
// One walk over the recorded statements. Tensors become memref arguments,
// scalar parameters scalar arguments; loops become scf.for (reverse loops
// iterate k = lo..hi-1 and use i = lo + hi - 1 - k); conditionals scf.if.
// A state (loop-carried scalar) is kept in SSA form: it is an iter_arg of
// every loop, and a result of every scf.if, whose body assigns it.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/dsl/EmitLoopForm.h"
#include "seqfuse/dsl/Program.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <set>

using namespace mlir;
using namespace seqfuse;
namespace ast = seqfuse::ast;
using ast::Access;
using ast::Argument;
using ast::DimSpec;
using ast::Node;
using ast::NodeP;
using ast::ProgramData;
using ast::Stmt;
using ast::StmtKind;
using AOp = ast::Op;

void seqfuse::registerLoopFormDialects(DialectRegistry &registry) {
  registry.insert<func::FuncDialect, scf::SCFDialect, memref::MemRefDialect,
                  arith::ArithDialect, math::MathDialect>();
}

namespace {

class Emitter {
public:
  Emitter(const ProgramData &p, MLIRContext &ctx) : p(p), ctx(ctx), b(&ctx) {}

  OwningOpRef<ModuleOp> run() {
    Location loc = locOf(p.loc);
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    b.setInsertionPointToEnd(module->getBody());

    SmallVector<Type> argTypes;
    for (const Argument &a : p.args)
      argTypes.push_back(a.isTensor ? memrefType(a) : elemType(a.type));
    auto fn = func::FuncOp::create(b, loc, p.name, b.getFunctionType(argTypes, {}));
    fn->setAttr(attrs::kKernel, b.getUnitAttr());
    for (size_t i = 0; i < p.args.size(); ++i) {
      const Argument &a = p.args[i];
      fn.setArgAttr(i, attrs::kArgName, b.getStringAttr(a.name));
      if (!a.isTensor)
        continue;
      fn.setArgAttr(i, attrs::kArgAccess,
                    b.getStringAttr(a.access == Access::In    ? "in"
                                    : a.access == Access::Out ? "out"
                                                              : "inout"));
      SmallVector<Attribute> dims;
      for (const DimSpec &d : a.shape)
        dims.push_back(
            b.getStringAttr(d.kind == DimSpec::Fixed ? std::to_string(d.extent)
                            // "name#symbol": unique per named size even if names repeat,
                            // and never equal to a fixed extent's digits.
                            : d.kind == DimSpec::Named
                                ? p.dimNames[d.symbol] + "#" + std::to_string(d.symbol)
                                : std::string("?")));
      fn.setArgAttr(i, attrs::kArgDims, b.getArrayAttr(dims));
    }
    mlir::Block *entry = fn.addEntryBlock();
    args.assign(entry->args_begin(), entry->args_end());
    loopVars.assign(p.numLoopVars, Value());
    states.assign(p.states.size(), Value());

    b.setInsertionPointToEnd(entry);
    emitBlock(*p.body);
    func::ReturnOp::create(b, loc);

    if (failed(verify(*module)))
      throw DSLError("seqfuse: internal error: the emitted loop form of '" + p.name +
                     "' does not verify");
    return module;
  }

private:
  const ProgramData &p;
  MLIRContext &ctx;
  OpBuilder b;
  SmallVector<Value> args;
  std::vector<Value> loopVars;
  std::vector<Value> states;
  Location curLoc = UnknownLoc::get(&ctx);

  Location locOf(const Loc &l) {
    if (!l.valid())
      return UnknownLoc::get(&ctx);
    return FileLineColLoc::get(&ctx, l.file, l.line, l.column);
  }

  Type elemType(DType t) {
    switch (t) {
    case DType::F32:
      return b.getF32Type();
    case DType::F64:
      return b.getF64Type();
    case DType::I32:
      return b.getI32Type();
    case DType::I64:
      return b.getI64Type();
    case DType::Bool:
      return b.getI1Type();
    case DType::Index:
      return b.getIndexType();
    }
    return {};
  }

  MemRefType memrefType(const Argument &a) {
    SmallVector<int64_t> shape;
    for (const DimSpec &d : a.shape)
      shape.push_back(d.kind == DimSpec::Fixed ? d.extent : ShapedType::kDynamic);
    return MemRefType::get(shape, elemType(a.type));
  }

  [[noreturn]] void fail(const std::string &msg) {
    std::string where;
    if (auto fl = dyn_cast<FileLineColLoc>(curLoc))
      where = fl.getFilename().str() + ":" + std::to_string(fl.getLine()) + ": ";
    throw DSLError("seqfuse: " + where + msg);
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  /// States assigned anywhere inside `blk` (recursively).
  void assignedStates(const ast::Block &blk, std::set<int32_t> &out) {
    for (const Stmt &s : blk.stmts) {
      if (s.kind == StmtKind::StateAssign)
        out.insert(s.id);
      if (s.body)
        assignedStates(*s.body, out);
      if (s.elseBody)
        assignedStates(*s.elseBody, out);
    }
  }

  /// Of the states assigned in the given blocks, those live here (declared
  /// outside): they flow through the region as iter_args / results.
  SmallVector<int32_t> carriedStates(std::initializer_list<const ast::Block *> blocks) {
    std::set<int32_t> assigned;
    for (const ast::Block *blk : blocks)
      if (blk)
        assignedStates(*blk, assigned);
    SmallVector<int32_t> out;
    for (int32_t id : assigned)
      if (states[id])
        out.push_back(id);
    return out;
  }

  /// Emits a nested block, then forgets the states it declared.
  void emitScoped(const ast::Block &blk) {
    std::vector<Value> saved = states;
    emitBlock(blk);
    for (size_t i = 0; i < states.size(); ++i)
      if (!saved[i])
        states[i] = Value();
  }

  void emitBlock(const ast::Block &blk) {
    for (const Stmt &s : blk.stmts)
      emitStmt(s);
  }

  void emitStmt(const Stmt &s) {
    curLoc = locOf(s.loc);
    switch (s.kind) {
    case StmtKind::Store: {
      Value v = emitExpr(*s.value);
      SmallVector<Value> idx;
      for (const NodeP &i : s.index)
        idx.push_back(emitExpr(*i));
      memref::StoreOp::create(b, curLoc, v, args[s.id], idx);
      return;
    }
    case StmtKind::StateInit:
      states[s.id] = emitExpr(*s.value);
      return;
    case StmtKind::StateAssign:
      if (!states[s.id])
        fail("state '" + p.states[s.id].name +
             "' is assigned outside the block that declares it");
      states[s.id] = emitExpr(*s.value);
      return;
    case StmtKind::For:
      emitFor(s);
      return;
    case StmtKind::If:
      emitIf(s);
      return;
    }
  }

  void emitFor(const Stmt &s) {
    Location loc = curLoc;
    Value lo = emitExpr(*s.lo), hi = emitExpr(*s.hi);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    SmallVector<int32_t> carried = carriedStates({s.body.get()});
    SmallVector<Value> init;
    for (int32_t id : carried)
      init.push_back(states[id]);
    // For a reverse loop, i = (lo + hi - 1) - k.
    Value revBase;
    if (s.reverse)
      revBase = arith::SubIOp::create(b, loc, arith::AddIOp::create(b, loc, lo, hi), one);
    auto forOp = scf::ForOp::create(b, loc, lo, hi, one, init);
    if (s.reverse)
      forOp->setAttr(attrs::kReversed, b.getUnitAttr());
    if (!carried.empty()) { // names of the carried states, for remarks
      SmallVector<Attribute> names;
      for (int32_t id : carried)
        names.push_back(b.getStringAttr(p.states[id].name));
      forOp->setAttr(attrs::kStateNames, b.getArrayAttr(names));
    }

    OpBuilder::InsertionGuard guard(b);
    mlir::Block *body = forOp.getBody();
    if (!body->empty())
      body->getTerminator()->erase();
    b.setInsertionPointToEnd(body);
    Value iv = forOp.getInductionVar();
    if (s.reverse)
      iv = arith::SubIOp::create(b, loc, revBase, iv);
    loopVars[s.id] = iv;
    for (size_t k = 0; k < carried.size(); ++k)
      states[carried[k]] = forOp.getRegionIterArgs()[k];
    emitScoped(*s.body);
    SmallVector<Value> yielded;
    for (int32_t id : carried)
      yielded.push_back(states[id]);
    scf::YieldOp::create(b, loc, yielded);
    loopVars[s.id] = Value();
    b.setInsertionPointAfter(forOp);
    for (size_t k = 0; k < carried.size(); ++k)
      states[carried[k]] = forOp.getResult(k);
    curLoc = loc;
  }

  void emitIf(const Stmt &s) {
    Location loc = curLoc;
    Value cond = emitExpr(*s.value);
    SmallVector<int32_t> carried = carriedStates({s.body.get(), s.elseBody.get()});
    bool hasElse = !s.elseBody->stmts.empty() || !carried.empty();
    SmallVector<Type> types;
    for (int32_t id : carried)
      types.push_back(states[id].getType());
    auto ifOp = scf::IfOp::create(b, loc, types, cond, hasElse);
    std::vector<Value> before = states;

    auto emitBranch = [&](mlir::Block *blk, const ast::Block &stmts) {
      OpBuilder::InsertionGuard guard(b);
      if (!blk->empty() && blk->mightHaveTerminator())
        blk->getTerminator()->erase();
      b.setInsertionPointToEnd(blk);
      states = before;
      emitScoped(stmts);
      SmallVector<Value> yielded;
      for (int32_t id : carried)
        yielded.push_back(states[id]);
      scf::YieldOp::create(b, loc, yielded);
      curLoc = loc;
    };
    emitBranch(ifOp.thenBlock(), *s.body);
    if (hasElse)
      emitBranch(ifOp.elseBlock(), *s.elseBody);
    states = before;
    for (size_t k = 0; k < carried.size(); ++k)
      states[carried[k]] = ifOp.getResult(k);
  }

  //===--------------------------------------------------------------------===//
  // Expressions
  //===--------------------------------------------------------------------===//

  Value constInt(Type t, int64_t v) {
    if (t.isIndex())
      return arith::ConstantIndexOp::create(b, curLoc, v);
    return arith::ConstantOp::create(b, curLoc, b.getIntegerAttr(t, v));
  }
  Value constFloat(Type t, double v) {
    return arith::ConstantOp::create(b, curLoc, b.getFloatAttr(t, v));
  }

  /// Ids are only meaningful in the program that made them.
  void checkOwner(const Node &n) {
    if (n.program == 0)
      return;
    bool ok = n.program == p.serial;
    switch (n.op) {
    case AOp::Load:
      ok = ok && n.id >= 0 && n.id < (int32_t)p.args.size() && p.args[n.id].isTensor;
      break;
    case AOp::Param:
      ok = ok && n.id >= 0 && n.id < (int32_t)p.args.size() && !p.args[n.id].isTensor;
      break;
    case AOp::StateRead:
      ok = ok && n.id >= 0 && n.id < (int32_t)p.states.size();
      break;
    case AOp::LoopVar:
      ok = ok && n.id >= 0 && n.id < p.numLoopVars;
      break;
    case AOp::Dim:
      ok = ok && (n.id < 0 ? n.ival >= 0 && n.ival < (int64_t)p.dimNames.size()
                           : n.id < (int32_t)p.args.size());
      break;
    default:
      break;
    }
    if (!ok)
      fail("an expression uses a tensor, parameter, state, size or loop variable of "
           "another program");
  }

  Value emitExpr(const Node &n) {
    checkOwner(n);
    Location loc = curLoc;
    Type ty = elemType(n.type);
    bool isF = dtypeIsFloat(n.type);
    switch (n.op) {
    case AOp::Const:
      return isF ? constFloat(ty, n.fval) : constInt(ty, n.ival);
    case AOp::Param:
      return args[n.id];
    case AOp::Load: {
      SmallVector<Value> idx;
      for (const NodeP &i : n.operands)
        idx.push_back(emitExpr(*i));
      return memref::LoadOp::create(b, loc, args[n.id], idx);
    }
    case AOp::Dim:
      return emitDim(n);
    case AOp::LoopVar:
      if (!loopVars[n.id])
        fail("loop variable i" + std::to_string(n.id) + " is used outside its loop");
      return loopVars[n.id];
    case AOp::StateRead:
      if (!states[n.id])
        fail("state '" + p.states[n.id].name +
             "' is read outside the block that declares it");
      return states[n.id];
    case AOp::Cast:
      return emitCast(emitExpr(*n.operands[0]), n.operands[0]->type, n.type);
    default:
      break;
    }

    SmallVector<Value> ops;
    for (const NodeP &o : n.operands)
      ops.push_back(emitExpr(*o));
    DType opType = n.operands[0]->type;
    bool opF = dtypeIsFloat(opType);
    bool opBool = opType == DType::Bool;

    switch (n.op) {
    case AOp::Neg:
      if (isF)
        return arith::NegFOp::create(b, loc, ops[0]);
      return arith::SubIOp::create(b, loc, constInt(ty, 0), ops[0]);
    case AOp::Not:
      return arith::XOrIOp::create(b, loc, ops[0], constInt(ty, -1));
    case AOp::Abs:
      if (isF)
        return math::AbsFOp::create(b, loc, ops[0]);
      // x < 0 ? 0 - x : x, wrapping (abs(MIN) = MIN). Not math.absi: the
      // LLVM lowering has no pattern for it (found by seqfuse-fuzz).
      return arith::SelectOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, ops[0],
                                constInt(ty, 0)),
          arith::SubIOp::create(b, loc, constInt(ty, 0), ops[0]), ops[0]);
    case AOp::Exp:
      return math::ExpOp::create(b, loc, ops[0]);
    case AOp::Log:
      return math::LogOp::create(b, loc, ops[0]);
    case AOp::Sqrt:
      return math::SqrtOp::create(b, loc, ops[0]);
    case AOp::Tanh:
      return math::TanhOp::create(b, loc, ops[0]);
    case AOp::Add:
      return isF ? (Value)arith::AddFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::AddIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Sub:
      return isF ? (Value)arith::SubFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::SubIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Mul:
      return isF ? (Value)arith::MulFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::MulIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Div:
      return isF ? (Value)arith::DivFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::DivSIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Rem:
      return isF ? (Value)arith::RemFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::RemSIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Min:
      return isF ? (Value)arith::MinimumFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::MinSIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Max:
      return isF ? (Value)arith::MaximumFOp::create(b, loc, ops[0], ops[1])
                 : (Value)arith::MaxSIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Pow:
      return math::PowFOp::create(b, loc, ops[0], ops[1]);
    case AOp::And:
      return arith::AndIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Or:
      return arith::OrIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Xor:
      return arith::XOrIOp::create(b, loc, ops[0], ops[1]);
    case AOp::Eq:
    case AOp::Ne:
    case AOp::Lt:
    case AOp::Le:
    case AOp::Gt:
    case AOp::Ge:
      if (opF)
        return arith::CmpFOp::create(b, loc, floatPred(n.op), ops[0], ops[1]);
      return arith::CmpIOp::create(b, loc, intPred(n.op, /*isUnsigned=*/opBool), ops[0],
                                   ops[1]);
    case AOp::Select:
      return arith::SelectOp::create(b, loc, ops[0], ops[1], ops[2]);
    default:
      fail(std::string("internal error: unexpected expression '") + opName(n.op) + "'");
    }
  }

  /// C++ semantics: != is true when either side is NaN, the others false.
  static arith::CmpFPredicate floatPred(AOp op) {
    switch (op) {
    case AOp::Eq:
      return arith::CmpFPredicate::OEQ;
    case AOp::Ne:
      return arith::CmpFPredicate::UNE;
    case AOp::Lt:
      return arith::CmpFPredicate::OLT;
    case AOp::Le:
      return arith::CmpFPredicate::OLE;
    case AOp::Gt:
      return arith::CmpFPredicate::OGT;
    default:
      return arith::CmpFPredicate::OGE;
    }
  }
  static arith::CmpIPredicate intPred(AOp op, bool isUnsigned) {
    switch (op) {
    case AOp::Eq:
      return arith::CmpIPredicate::eq;
    case AOp::Ne:
      return arith::CmpIPredicate::ne;
    case AOp::Lt:
      return isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
    case AOp::Le:
      return isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
    case AOp::Gt:
      return isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
    default:
      return isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
    }
  }

  Value emitDim(const Node &n) {
    int32_t tensor = n.id;
    int64_t d = n.ival;
    if (tensor < 0) { // a named size: read it off the first tensor declared with it
      for (size_t a = 0; a < p.args.size() && tensor < 0; ++a)
        for (size_t k = 0; k < p.args[a].shape.size(); ++k)
          if (p.args[a].shape[k].kind == DimSpec::Named &&
              p.args[a].shape[k].symbol == n.ival) {
            tensor = static_cast<int32_t>(a);
            d = static_cast<int64_t>(k);
            break;
          }
      if (tensor < 0)
        fail("size '" + p.dimNames[n.ival] +
             "' is used but no tensor is declared with it");
    }
    auto mt = cast<MemRefType>(args[tensor].getType());
    if (!mt.isDynamicDim(d))
      return arith::ConstantIndexOp::create(b, curLoc, mt.getDimSize(d));
    return memref::DimOp::create(b, curLoc, args[tensor], d);
  }

  /// Conversions follow C++ static_cast, except float -> integer, which
  /// saturates and maps NaN to 0 (C++ leaves those cases undefined).
  Value emitCast(Value v, DType from, DType to) {
    Location loc = curLoc;
    Type toTy = elemType(to);
    if (from == to)
      return v;
    bool fromF = dtypeIsFloat(from), toF = dtypeIsFloat(to);
    if (fromF && toF)
      return dtypeBytes(to) > dtypeBytes(from)
                 ? (Value)arith::ExtFOp::create(b, loc, toTy, v)
                 : (Value)arith::TruncFOp::create(b, loc, toTy, v);
    if (to == DType::Bool) {
      if (fromF)
        return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                     constFloat(v.getType(), 0.0));
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                   constInt(v.getType(), 0));
    }
    if (fromF) { // float -> integer, saturating
      Type intTy = to == DType::Index ? b.getI64Type() : toTy;
      unsigned w = intTy.getIntOrFloatBitWidth();
      int64_t maxV = w == 32 ? INT32_MAX : INT64_MAX;
      int64_t minV = w == 32 ? INT32_MIN : INT64_MIN;
      Type fTy = v.getType();
      // 2^(w-1) is exact in f32 and f64; x >= 2^(w-1) saturates high.
      Value hiF = constFloat(fTy, std::ldexp(1.0, w - 1));
      Value loF = constFloat(fTy, -std::ldexp(1.0, w - 1));
      Value r = arith::FPToSIOp::create(b, loc, intTy, v);
      r = arith::SelectOp::create(
          b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, v, hiF),
          constInt(intTy, maxV), r);
      r = arith::SelectOp::create(
          b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, v, loF),
          constInt(intTy, minV), r);
      r = arith::SelectOp::create(
          b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v),
          constInt(intTy, 0), r);
      if (to == DType::Index)
        r = arith::IndexCastOp::create(b, loc, toTy, r);
      return r;
    }
    if (toF) { // integer/bool/index -> float
      if (from == DType::Bool)
        return arith::UIToFPOp::create(b, loc, toTy, v);
      if (from == DType::Index)
        v = arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
      return arith::SIToFPOp::create(b, loc, toTy, v);
    }
    // integer/bool/index -> integer/index
    if (from == DType::Bool) {
      if (to == DType::Index)
        return arith::IndexCastUIOp::create(b, loc, toTy, v);
      return arith::ExtUIOp::create(b, loc, toTy, v);
    }
    if (from == DType::Index || to == DType::Index)
      return arith::IndexCastOp::create(b, loc, toTy, v);
    unsigned fw = v.getType().getIntOrFloatBitWidth(), tw = toTy.getIntOrFloatBitWidth();
    if (tw > fw)
      return arith::ExtSIOp::create(b, loc, toTy, v);
    return arith::TruncIOp::create(b, loc, toTy, v);
  }
};

} // namespace

OwningOpRef<ModuleOp> seqfuse::emitLoopForm(const ProgramData &program,
                                            MLIRContext &context) {
  return Emitter(program, context).run();
}
