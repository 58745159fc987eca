//===- Interpreter.cpp - the reference interpreter ------------------------===//
//
// Runs a loop-form func.func with the loop's exact sequential semantics: the
// oracle the compiled kernels are tested against, so every result must be
// bit-identical to what the LLVM-compiled code computes for the same IR.
//
// Two phases:
//  * compile: one walk numbers every SSA value of the function into a slot of
//    a register file and flattens the ops into a linear instruction list.
//    Structured control flow becomes jumps (scf.for: init / test / body /
//    step; scf.if: branch / then / jump / else); block arguments and results
//    of regions become copies between slots. Unknown ops and types throw
//    CompileError here, before anything runs.
//  * run: a switch loop over the instructions, with one uint64_t register per
//    slot. Memrefs are the function's tensor arguments, addressed row-major.
//
// Value representation: every scalar lives in a uint64_t.
//  * integers (iN, N <= 64; index is i64) hold their N-bit pattern,
//    zero-extended: i1 is 0 or 1, i32 -1 is 0xffffffff. Signed views are
//    taken with sext(); every result is masked back to N bits, so arithmetic
//    wraps without ever relying on C++ signed overflow.
//  * f32 holds its bit pattern in the low 32 bits (upper bits zero), f64 its
//    64-bit pattern. Float ops run in the op's own precision (float for f32)
//    and call the libm function of that precision, as the compiled code does
//    (math-to-libm / LLVM intrinsics). With this layout arith.bitcast between
//    same-width integers and floats is a plain copy.
//
// Checks mirror seqfuse-insert-runtime-checks exactly: each index of a
// memref.load/store in dimension order (unsigned `index >= extent`, so
// negative indices fail too), then for integer divisions the divisor against
// zero and, for signed ones, MIN / -1. The failure is reported through
// formatCheckFailure() with the same site, value and bound as the compiled
// check, and thrown before the access.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/runtime/Interpreter.h"
#include "seqfuse/dsl/EmitLoopForm.h"
#include "seqfuse/runtime/Checks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <math.h>
#include <optional>
#include <string>
#include <vector>

using namespace mlir;
using namespace seqfuse;

namespace {

//===----------------------------------------------------------------------===//
// Value helpers
//===----------------------------------------------------------------------===//

/// The low `w` bits (1 <= w <= 64).
inline uint64_t maskOf(unsigned w) { return ~uint64_t(0) >> (64 - w); }

/// The signed value of a zero-extended `w`-bit pattern (C++20: >> on a
/// negative value is an arithmetic shift).
inline int64_t sext(uint64_t v, unsigned w) {
  return static_cast<int64_t>(v << (64 - w)) >> (64 - w);
}

/// Floats from and to their register bit pattern.
template <class T> inline T fget(uint64_t v) {
  if constexpr (std::is_same_v<T, float>)
    return std::bit_cast<float>(static_cast<uint32_t>(v));
  else
    return std::bit_cast<double>(v);
}
inline uint64_t fbits(float f) { return std::bit_cast<uint32_t>(f); }
inline uint64_t fbits(double d) { return std::bit_cast<uint64_t>(d); }

/// The C library functions of each precision (the ones the compiled code
/// calls): expf for f32, exp for f64, and so on.
template <class T> struct Libm;
template <> struct Libm<float> {
  static float exp(float x) { return ::expf(x); }
  static float exp2(float x) { return ::exp2f(x); }
  static float log(float x) { return ::logf(x); }
  static float log2(float x) { return ::log2f(x); }
  static float log10(float x) { return ::log10f(x); }
  static float sqrt(float x) { return ::sqrtf(x); }
  static float tanh(float x) { return ::tanhf(x); }
  static float pow(float x, float y) { return ::powf(x, y); }
  static float sin(float x) { return ::sinf(x); }
  static float cos(float x) { return ::cosf(x); }
  static float floor(float x) { return ::floorf(x); }
  static float ceil(float x) { return ::ceilf(x); }
  static float trunc(float x) { return ::truncf(x); }
  static float fmod(float x, float y) { return ::fmodf(x, y); }
  static float fma(float x, float y, float z) { return ::fmaf(x, y, z); }
};
template <> struct Libm<double> {
  static double exp(double x) { return ::exp(x); }
  static double exp2(double x) { return ::exp2(x); }
  static double log(double x) { return ::log(x); }
  static double log2(double x) { return ::log2(x); }
  static double log10(double x) { return ::log10(x); }
  static double sqrt(double x) { return ::sqrt(x); }
  static double tanh(double x) { return ::tanh(x); }
  static double pow(double x, double y) { return ::pow(x, y); }
  static double sin(double x) { return ::sin(x); }
  static double cos(double x) { return ::cos(x); }
  static double floor(double x) { return ::floor(x); }
  static double ceil(double x) { return ::ceil(x); }
  static double trunc(double x) { return ::trunc(x); }
  static double fmod(double x, double y) { return ::fmod(x, y); }
  static double fma(double x, double y, double z) { return ::fma(x, y, z); }
};

template <class T> inline bool isNaN(T x) { return x != x; }

/// llvm.minimum / llvm.maximum exactly as LLVM lowers them on x86 (checked
/// bit for bit against llc, including which NaN comes out): a NaN operand
/// propagates unchanged; -0 < +0; with two NaNs, minimum returns `y` when `x`
/// has its sign bit set and `x` otherwise, maximum the other way round.
template <class T> inline T minimumF(T x, T y) {
  bool xNeg = std::signbit(x);
  T nx = xNeg ? y : x, ny = xNeg ? x : y; // minss(nx, ny) yields ny on ties
  if (isNaN(nx))
    return nx;
  return isNaN(ny) ? ny : (nx < ny ? nx : ny);
}
template <class T> inline T maximumF(T x, T y) {
  bool xNeg = std::signbit(x);
  T nx = xNeg ? x : y, ny = xNeg ? y : x; // maxss(nx, ny) yields ny on ties
  if (isNaN(nx))
    return nx;
  return isNaN(ny) ? ny : (nx > ny ? nx : ny);
}
/// llvm.minnum / llvm.maxnum (fmin / fmax semantics) as lowered on x86: a
/// NaN operand is ignored; on ties (±0) the first operand is returned.
template <class T> inline T minNumF(T x, T y) {
  if (isNaN(x))
    return y;
  return y < x ? y : x;
}
template <class T> inline T maxNumF(T x, T y) {
  if (isNaN(x))
    return y;
  return y > x ? y : x;
}

/// fptosi / fptoui, saturating (NaN -> 0) instead of C++'s undefined
/// behaviour; in range they truncate toward zero like the instruction.
template <class T> inline uint64_t fpToSI(T x, unsigned w) {
  if (isNaN(x))
    return 0;
  T t = Libm<T>::trunc(x);
  T lim = static_cast<T>(std::ldexp(1.0, static_cast<int>(w) - 1)); // 2^(w-1), exact
  if (t >= lim)
    return maskOf(w) >> 1; // signed max
  if (t < -lim)
    return uint64_t(1) << (w - 1); // signed min, as a w-bit pattern
  return static_cast<uint64_t>(static_cast<int64_t>(t)) & maskOf(w);
}
template <class T> inline uint64_t fpToUI(T x, unsigned w) {
  if (isNaN(x))
    return 0;
  T t = Libm<T>::trunc(x);
  if (!(t > 0))
    return 0;
  T lim = static_cast<T>(std::ldexp(1.0, static_cast<int>(w))); // 2^w, exact
  if (t >= lim)
    return maskOf(w);
  return static_cast<uint64_t>(t);
}

/// arith.cmpf, ordered and unordered predicates as in LLVM's fcmp.
template <class T> inline bool cmpF(arith::CmpFPredicate p, T x, T y) {
  using P = arith::CmpFPredicate;
  bool uno = isNaN(x) || isNaN(y);
  switch (p) {
  case P::AlwaysFalse:
    return false;
  case P::OEQ:
    return !uno && x == y;
  case P::OGT:
    return !uno && x > y;
  case P::OGE:
    return !uno && x >= y;
  case P::OLT:
    return !uno && x < y;
  case P::OLE:
    return !uno && x <= y;
  case P::ONE:
    return !uno && x != y;
  case P::ORD:
    return !uno;
  case P::UEQ:
    return uno || x == y;
  case P::UGT:
    return uno || x > y;
  case P::UGE:
    return uno || x >= y;
  case P::ULT:
    return uno || x < y;
  case P::ULE:
    return uno || x <= y;
  case P::UNE:
    return uno || x != y;
  case P::UNO:
    return uno;
  case P::AlwaysTrue:
    return true;
  }
  return false;
}

/// arith.cmpi on two zero-extended w-bit patterns.
inline bool cmpI(arith::CmpIPredicate p, uint64_t x, uint64_t y, unsigned w) {
  using P = arith::CmpIPredicate;
  switch (p) {
  case P::eq:
    return x == y;
  case P::ne:
    return x != y;
  case P::slt:
    return sext(x, w) < sext(y, w);
  case P::sle:
    return sext(x, w) <= sext(y, w);
  case P::sgt:
    return sext(x, w) > sext(y, w);
  case P::sge:
    return sext(x, w) >= sext(y, w);
  case P::ult:
    return x < y;
  case P::ule:
    return x <= y;
  case P::ugt:
    return x > y;
  case P::uge:
    return x >= y;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

enum class Opc : uint8_t {
  // Control. Jump targets are instruction numbers, in `imm`.
  Return,     // stop
  Const,      // res = imm
  Copy,       // res = a
  Jump,       // pc = imm
  JumpIfZero, // if (a == 0) pc = imm
  ForInit,    // check step b > 0; res (iv) = a (lb)
  ForTest,    // if !(a (iv) < b (ub)) pc = imm; signed, unsigned if pred
  ForNext,    // res (iv) += a (step), wrapping at w; pc = imm
  // Integer ops on w-bit operands (res, a, b).
  AddI,
  SubI,
  MulI,
  DivSI,
  DivUI,
  RemSI,
  RemUI,
  CeilDivSI,
  FloorDivSI,
  CeilDivUI,
  MinSI,
  MaxSI,
  MinUI,
  MaxUI,
  AndI,
  OrI,
  XorI,
  ShlI,
  ShrSI,
  ShrUI,
  AbsI,
  CmpI,   // pred = CmpIPredicate
  Select, // res = a ? b : c
  // Integer casts from w to w2 bits.
  ExtSI,
  TruncI,
  // Float ops; w = 32 or 64 is the operands' precision.
  AddF,
  SubF,
  MulF,
  DivF,
  RemF,
  NegF,
  AbsF,
  MinimumF,
  MaximumF,
  MinNumF,
  MaxNumF,
  CmpF, // pred = CmpFPredicate
  Exp,
  Exp2,
  Log,
  Log2,
  Log10,
  Sqrt,
  Tanh,
  PowF,
  Sin,
  Cos,
  Floor,
  Ceil,
  Fma,
  // Conversions; w is the operand width, w2 the result width.
  ExtF,
  TruncF,
  SIToFP,
  UIToFP,
  FPToSI,
  FPToUI,
  // Memory. a = memref number, c = offset of the index slots in the pool,
  // b = stored value (Store) or dimension slot (Dim), pred = ElemKind.
  Load,
  Store,
  Dim,
};

/// How a memref element sits in memory.
enum ElemKind : uint8_t { ElemBool, Elem1, Elem2, Elem4, Elem8 };

struct Instr {
  Opc op;
  uint8_t w = 64;  // operand bit width
  uint8_t w2 = 64; // result bit width (casts)
  uint8_t pred = 0;
  uint32_t res = 0, a = 0, b = 0, c = 0;
  uint64_t imm = 0;
  Operation *origin = nullptr; // for check-failure messages
};

/// A tensor argument: static facts from the IR, extents from the call.
struct MemRefBinding {
  unsigned argNo = 0;
  std::string name;
  ElemKind kind = Elem4;
  unsigned elemBytes = 4;
  int rank = 0;
  char *data = nullptr;
  int64_t dims[Arg::kMaxRank] = {};
  int64_t strides[Arg::kMaxRank] = {};
};

/// A scalar argument and the slot it is loaded into.
struct ScalarBinding {
  unsigned argNo;
  uint32_t slot;
  bool isFloat;
  unsigned width;
};

/// A compiled function.
struct CompiledFn {
  std::vector<Instr> code;
  std::vector<uint32_t> pool; // index operand slots of loads and stores
  std::vector<MemRefBinding> memrefs;
  std::vector<ScalarBinding> scalars;
  uint32_t numSlots = 1; // slot 0: unused operand
};

//===----------------------------------------------------------------------===//
// Locations and messages
//===----------------------------------------------------------------------===//

/// The first file:line in `loc`, as InsertRuntimeChecks finds it.
void fileLine(Location loc, std::string &file, int64_t &line) {
  file = "<unknown>";
  line = 0;
  loc->walk([&](Location l) {
    if (auto fl = dyn_cast<FileLineColLoc>(l)) {
      file = fl.getFilename().str();
      line = fl.getLine();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
}

std::string where(Operation *op) {
  std::string file;
  int64_t line;
  fileLine(op->getLoc(), file, line);
  if (line == 0 && file == "<unknown>")
    return file;
  return file + ":" + std::to_string(line);
}

[[noreturn]] void unsupported(Operation *op) {
  throw CompileError("seqfuse: the interpreter does not support '" +
                     op->getName().getStringRef().str() + "' at " + where(op));
}

[[noreturn]] void unsupportedType(Operation *op, Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  throw CompileError("seqfuse: the interpreter does not support type '" + s + "' in '" +
                     op->getName().getStringRef().str() + "' at " + where(op));
}

//===----------------------------------------------------------------------===//
// Compiler: func.func -> CompiledFn
//===----------------------------------------------------------------------===//

/// A scalar type the interpreter knows.
struct ValueKind {
  bool isFloat;
  unsigned width; // bits: 1..64 for integers (index: 64), 32/64 for floats
};

std::optional<ValueKind> classify(Type t) {
  if (t.isIndex())
    return ValueKind{false, 64};
  if (auto it = dyn_cast<IntegerType>(t))
    if (it.getWidth() >= 1 && it.getWidth() <= 64)
      return ValueKind{false, it.getWidth()};
  if (t.isF32())
    return ValueKind{true, 32};
  if (t.isF64())
    return ValueKind{true, 64};
  return std::nullopt;
}

class Compiler {
public:
  explicit Compiler(func::FuncOp fn) : fn(fn) {}

  CompiledFn compile() {
    if (fn.isExternal() || !fn.getBody().hasOneBlock())
      throw CompileError(
          "seqfuse: the interpreter needs a function with one body block ('" +
          fn.getSymName().str() + "')");
    Block &entry = fn.getBody().front();
    for (BlockArgument arg : entry.getArguments())
      bindArgument(arg);
    for (Operation &op : entry) {
      if (isa<func::ReturnOp>(op)) {
        emit({Opc::Return});
        return std::move(prog);
      }
      compileOp(op);
    }
    throw CompileError("seqfuse: the interpreter found no func.return in '" +
                       fn.getSymName().str() + "'");
  }

private:
  func::FuncOp fn;
  CompiledFn prog;
  llvm::DenseMap<Value, uint32_t> slots;
  llvm::DenseMap<Value, uint32_t> memrefNo;

  uint32_t define(Value v) {
    uint32_t s = prog.numSlots++;
    slots[v] = s;
    return s;
  }

  /// The slot of an operand of `user`.
  uint32_t use(Value v, Operation *user) {
    auto it = slots.find(v);
    if (it == slots.end())
      unsupportedType(user, v.getType());
    return it->second;
  }

  ValueKind scalar(Value v, Operation *user) {
    auto s = classify(v.getType());
    if (!s)
      unsupportedType(user, v.getType());
    return *s;
  }

  size_t emit(Instr in) {
    prog.code.push_back(in);
    return prog.code.size() - 1;
  }
  size_t here() const { return prog.code.size(); }

  void bindArgument(BlockArgument arg) {
    unsigned i = arg.getArgNumber();
    if (auto mt = dyn_cast<MemRefType>(arg.getType())) {
      MemRefBinding m;
      m.argNo = i;
      auto name = fn.getArgAttrOfType<StringAttr>(i, attrs::kArgName);
      m.name = name ? name.getValue().str() : "<memref>";
      m.rank = static_cast<int>(mt.getRank());
      auto s = classify(mt.getElementType());
      // Elements: i1 (a C++ bool byte), i8/i16/i32/i64/index, f32/f64.
      bool known = s && (s->width == 1 || s->width == 8 || s->width == 16 ||
                         s->width == 32 || s->width == 64);
      if (!known || m.rank > Arg::kMaxRank || !mt.getLayout().isIdentity())
        unsupportedType(fn, mt);
      m.elemBytes = s->width == 1 ? 1 : s->width / 8;
      m.kind = s->width == 1      ? ElemBool
               : m.elemBytes == 1 ? Elem1
               : m.elemBytes == 2 ? Elem2
               : m.elemBytes == 4 ? Elem4
                                  : Elem8;
      memrefNo[arg] = static_cast<uint32_t>(prog.memrefs.size());
      prog.memrefs.push_back(std::move(m));
      return;
    }
    auto s = classify(arg.getType());
    if (!s)
      unsupportedType(fn, arg.getType());
    prog.scalars.push_back({i, define(arg), s->isFloat, s->width});
  }

  uint32_t memref(Value v, Operation *user) {
    auto it = memrefNo.find(v);
    if (it == memrefNo.end())
      unsupported(user); // a memref that is not a tensor argument
    return it->second;
  }

  /// The opcode of an op that maps one to one onto an instruction whose
  /// operands are the op's operands (a, b, c) and whose widths come from the
  /// first operand (w) and the result (w2).
  static std::optional<Opc> simpleOpcode(Operation &op) {
    // clang-format off
    if (isa<arith::AddIOp>(op)) return Opc::AddI;
    if (isa<arith::SubIOp>(op)) return Opc::SubI;
    if (isa<arith::MulIOp>(op)) return Opc::MulI;
    if (isa<arith::DivSIOp>(op)) return Opc::DivSI;
    if (isa<arith::DivUIOp>(op)) return Opc::DivUI;
    if (isa<arith::RemSIOp>(op)) return Opc::RemSI;
    if (isa<arith::RemUIOp>(op)) return Opc::RemUI;
    if (isa<arith::CeilDivSIOp>(op)) return Opc::CeilDivSI;
    if (isa<arith::FloorDivSIOp>(op)) return Opc::FloorDivSI;
    if (isa<arith::CeilDivUIOp>(op)) return Opc::CeilDivUI;
    if (isa<arith::MinSIOp>(op)) return Opc::MinSI;
    if (isa<arith::MaxSIOp>(op)) return Opc::MaxSI;
    if (isa<arith::MinUIOp>(op)) return Opc::MinUI;
    if (isa<arith::MaxUIOp>(op)) return Opc::MaxUI;
    if (isa<arith::AndIOp>(op)) return Opc::AndI;
    if (isa<arith::OrIOp>(op)) return Opc::OrI;
    if (isa<arith::XOrIOp>(op)) return Opc::XorI;
    if (isa<arith::ShLIOp>(op)) return Opc::ShlI;
    if (isa<arith::ShRSIOp>(op)) return Opc::ShrSI;
    if (isa<arith::ShRUIOp>(op)) return Opc::ShrUI;
    if (isa<math::AbsIOp>(op)) return Opc::AbsI;
    if (isa<arith::SelectOp>(op)) return Opc::Select;
    if (isa<arith::AddFOp>(op)) return Opc::AddF;
    if (isa<arith::SubFOp>(op)) return Opc::SubF;
    if (isa<arith::MulFOp>(op)) return Opc::MulF;
    if (isa<arith::DivFOp>(op)) return Opc::DivF;
    if (isa<arith::RemFOp>(op)) return Opc::RemF;
    if (isa<arith::NegFOp>(op)) return Opc::NegF;
    if (isa<math::AbsFOp>(op)) return Opc::AbsF;
    if (isa<arith::MinimumFOp>(op)) return Opc::MinimumF;
    if (isa<arith::MaximumFOp>(op)) return Opc::MaximumF;
    if (isa<arith::MinNumFOp>(op)) return Opc::MinNumF;
    if (isa<arith::MaxNumFOp>(op)) return Opc::MaxNumF;
    if (isa<math::ExpOp>(op)) return Opc::Exp;
    if (isa<math::Exp2Op>(op)) return Opc::Exp2;
    if (isa<math::LogOp>(op)) return Opc::Log;
    if (isa<math::Log2Op>(op)) return Opc::Log2;
    if (isa<math::Log10Op>(op)) return Opc::Log10;
    if (isa<math::SqrtOp>(op)) return Opc::Sqrt;
    if (isa<math::TanhOp>(op)) return Opc::Tanh;
    if (isa<math::PowFOp>(op)) return Opc::PowF;
    if (isa<math::SinOp>(op)) return Opc::Sin;
    if (isa<math::CosOp>(op)) return Opc::Cos;
    if (isa<math::FloorOp>(op)) return Opc::Floor;
    if (isa<math::CeilOp>(op)) return Opc::Ceil;
    if (isa<math::FmaOp>(op)) return Opc::Fma;
    if (isa<arith::ExtFOp>(op)) return Opc::ExtF;
    if (isa<arith::SIToFPOp>(op)) return Opc::SIToFP;
    if (isa<arith::UIToFPOp>(op)) return Opc::UIToFP;
    if (isa<arith::FPToSIOp>(op)) return Opc::FPToSI;
    if (isa<arith::FPToUIOp>(op)) return Opc::FPToUI;
    // clang-format on
    return std::nullopt;
  }

  /// Operands a, b, c and widths of a single-result op.
  Instr simple(Opc opc, Operation &op) {
    Instr in{opc};
    in.origin = &op;
    uint32_t *operands[3] = {&in.a, &in.b, &in.c};
    for (auto [k, v] : llvm::enumerate(op.getOperands())) {
      ValueKind s = scalar(v, &op);
      if (k == 0 || (opc == Opc::Select && k == 1))
        in.w = static_cast<uint8_t>(s.width);
      *operands[k] = use(v, &op);
    }
    in.w2 = static_cast<uint8_t>(scalar(op.getResult(0), &op).width);
    in.res = define(op.getResult(0));
    return in;
  }

  void compileOp(Operation &op) {
    if (op.getNumOperands() <= 3 && op.getNumResults() == 1 && op.getNumRegions() == 0)
      if (auto opc = simpleOpcode(op)) {
        emit(simple(*opc, op));
        return;
      }
    if (auto c = dyn_cast<arith::ConstantOp>(op))
      return compileConstant(c);
    if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
      Instr in = simple(Opc::CmpI, op);
      in.pred = static_cast<uint8_t>(cmp.getPredicate());
      emit(in);
      return;
    }
    if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
      Instr in = simple(Opc::CmpF, op);
      in.pred = static_cast<uint8_t>(cmp.getPredicate());
      emit(in);
      return;
    }
    if (auto t = dyn_cast<arith::TruncFOp>(op)) {
      // Only the default rounding (to nearest even), which C++ uses.
      if (t.getRoundingmode() &&
          *t.getRoundingmode() != arith::RoundingMode::to_nearest_even)
        unsupported(&op);
      emit(simple(Opc::TruncF, op));
      return;
    }
    if (isa<arith::ExtSIOp>(op))
      return emitIntCast(op, /*signExtend=*/true);
    if (isa<arith::ExtUIOp, arith::TruncIOp, arith::IndexCastUIOp>(op))
      return emitIntCast(op, /*signExtend=*/false);
    if (isa<arith::IndexCastOp>(op))
      return emitIntCast(op, /*signExtend=*/true);
    if (isa<arith::BitcastOp>(op)) {
      Instr in = simple(Opc::Copy, op);
      if (in.w != in.w2)
        unsupported(&op);
      emit(in);
      return;
    }
    if (auto load = dyn_cast<memref::LoadOp>(op))
      return compileAccess(Opc::Load, op, load.getMemref(), load.getIndices(), Value());
    if (auto store = dyn_cast<memref::StoreOp>(op))
      return compileAccess(Opc::Store, op, store.getMemref(), store.getIndices(),
                           store.getValueToStore());
    if (auto dim = dyn_cast<memref::DimOp>(op)) {
      Instr in{Opc::Dim};
      in.origin = &op;
      in.a = memref(dim.getSource(), &op);
      in.b = use(dim.getIndex(), &op);
      in.res = define(dim.getResult());
      emit(in);
      return;
    }
    if (auto f = dyn_cast<scf::ForOp>(op))
      return compileFor(f);
    if (auto i = dyn_cast<scf::IfOp>(op))
      return compileIf(i);
    unsupported(&op);
  }

  void compileConstant(arith::ConstantOp c) {
    Operation *op = c.getOperation();
    ValueKind s = scalar(c.getResult(), op);
    Instr in{Opc::Const};
    in.origin = op;
    if (auto f = dyn_cast<FloatAttr>(c.getValue()))
      in.imm = f.getValue().bitcastToAPInt().getZExtValue();
    else if (auto i = dyn_cast<IntegerAttr>(c.getValue()))
      in.imm = i.getValue().getZExtValue() & maskOf(s.width);
    else
      unsupported(op);
    in.res = define(c.getResult());
    emit(in);
  }

  /// extsi / extui / trunci / index_cast / index_castui: a sign or zero
  /// extension, a truncation, or a copy, by the two widths.
  void emitIntCast(Operation &op, bool signExtend) {
    Instr in = simple(Opc::Copy, op);
    if (in.w2 < in.w)
      in.op = Opc::TruncI;
    else if (in.w2 > in.w && signExtend)
      in.op = Opc::ExtSI;
    emit(in); // zero extension of a zero-extended pattern: a copy
  }

  void compileAccess(Opc opc, Operation &op, Value m, ValueRange indices, Value stored) {
    Instr in{opc};
    in.origin = &op;
    in.a = memref(m, &op);
    const MemRefBinding &mr = prog.memrefs[in.a];
    in.pred = mr.kind;
    in.c = static_cast<uint32_t>(prog.pool.size());
    for (Value idx : indices)
      prog.pool.push_back(use(idx, &op));
    if (stored) {
      scalar(stored, &op);
      in.b = use(stored, &op);
    } else {
      scalar(op.getResult(0), &op);
      in.res = define(op.getResult(0));
    }
    emit(in);
  }

  /// Compiles the ops of a region's block, then its scf.yield as copies into
  /// `results` (the parent op's result slots).
  void compileRegionBlock(Block &block, llvm::ArrayRef<uint32_t> results) {
    for (Operation &op : block) {
      if (auto y = dyn_cast<scf::YieldOp>(op)) {
        for (auto [slot, v] : llvm::zip_equal(results, y.getOperands()))
          emit({Opc::Copy, 64, 64, 0, slot, use(v, &op)});
        return;
      }
      compileOp(op);
    }
    unsupported(block.getParentOp()); // no scf.yield
  }

  /// scf.for as
  ///          R_k = init_k
  ///          ForInit  iv = lb (step checked)
  ///   head:  ForTest  iv < ub, else goto end
  ///          A_k = R_k                  (iter args)
  ///          body; R_k = yielded_k
  ///          ForNext  iv += step, goto head
  ///   end:                              (R_k: the loop's results)
  /// Results and iter args have separate slots, so a yield that permutes the
  /// iter args copies correctly, and a zero-trip loop returns the inits.
  void compileFor(scf::ForOp f) {
    Operation *op = f.getOperation();
    ValueKind ivType = scalar(f.getInductionVar(), op);
    uint32_t lb = use(f.getLowerBound(), op), ub = use(f.getUpperBound(), op),
             step = use(f.getStep(), op);
    uint8_t w = static_cast<uint8_t>(ivType.width);
    uint8_t isUnsigned = f.getUnsignedCmp() ? 1 : 0;

    llvm::SmallVector<uint32_t> results, iterArgs;
    for (auto [init, result] : llvm::zip_equal(f.getInitArgs(), f.getResults())) {
      scalar(result, op);
      uint32_t initSlot = use(init, op);
      results.push_back(define(result));
      emit({Opc::Copy, 64, 64, 0, results.back(), initSlot});
    }
    for (BlockArgument a : f.getRegionIterArgs()) {
      scalar(a, op);
      iterArgs.push_back(define(a));
    }
    uint32_t iv = define(f.getInductionVar());

    Instr init{Opc::ForInit, w, w, isUnsigned, iv, lb, step};
    init.origin = op;
    emit(init);
    size_t head = emit({Opc::ForTest, w, w, isUnsigned, 0, iv, ub});
    for (auto [arg, res] : llvm::zip_equal(iterArgs, results))
      emit({Opc::Copy, 64, 64, 0, arg, res});
    compileRegionBlock(*f.getBody(), results);
    Instr next{Opc::ForNext, w, w, 0, iv, step};
    next.imm = head;
    emit(next);
    prog.code[head].imm = here();
  }

  /// scf.if as
  ///          JumpIfZero cond, else
  ///          then; R_k = yielded_k; Jump end
  ///   else:  else; R_k = yielded_k
  ///   end:
  void compileIf(scf::IfOp i) {
    Operation *op = i.getOperation();
    uint32_t cond = use(i.getCondition(), op);
    llvm::SmallVector<uint32_t> results;
    for (Value r : i.getResults()) {
      scalar(r, op);
      results.push_back(define(r));
    }
    size_t branch = emit({Opc::JumpIfZero, 1, 1, 0, 0, cond});
    compileRegionBlock(i.getThenRegion().front(), results);
    if (i.getElseRegion().empty()) {
      prog.code[branch].imm = here();
      return;
    }
    size_t skip = emit({Opc::Jump});
    prog.code[branch].imm = here();
    compileRegionBlock(i.getElseRegion().front(), results);
    prog.code[skip].imm = here();
  }
};

//===----------------------------------------------------------------------===//
// Machine: runs a CompiledFn
//===----------------------------------------------------------------------===//

class Machine {
public:
  Machine(const CompiledFn &prog, std::vector<uint64_t> &regs)
      : prog(prog), pool(prog.pool.data()), R(regs.data()) {}

  void run();

private:
  const CompiledFn &prog;
  const uint32_t *pool;
  uint64_t *R;

  /// The element offset of a load/store, every index checked first.
  uint64_t offset(const Instr &in, const MemRefBinding &m) const {
    const uint32_t *idx = pool + in.c;
    uint64_t off = 0;
    for (int d = 0; d < m.rank; ++d) {
      uint64_t i = R[idx[d]];
      if (i >= static_cast<uint64_t>(m.dims[d])) [[unlikely]]
        failIndex(in, m, d, i);
      off += i * static_cast<uint64_t>(m.strides[d]);
    }
    return off;
  }

  [[noreturn]] static void failIndex(const Instr &in, const MemRefBinding &m, int d,
                                     uint64_t index) {
    CheckSite site;
    site.kind = "index";
    site.tensor = m.name;
    site.dim = d;
    fileLine(in.origin->getLoc(), site.file, site.line);
    throw IndexError(formatCheckFailure(site, static_cast<int64_t>(index), m.dims[d]));
  }

  /// The divisor checks of an integer division on sign-extended operands:
  /// zero, then (signed ops) MIN / -1. The site reports the operands
  /// sign-extended to i64, like the compiled check.
  static void checkDivision(const Instr &in, int64_t x, int64_t y, bool isSigned) {
    const char *kind = nullptr;
    if (y == 0)
      kind = "divide-by-zero";
    else if (isSigned && y == -1 && x == sext(uint64_t(1) << (in.w - 1), in.w))
      kind = "divide-overflow";
    if (!kind) [[likely]]
      return;
    CheckSite site;
    site.kind = kind;
    fileLine(in.origin->getLoc(), site.file, site.line);
    throw IndexError(formatCheckFailure(site, x, y));
  }

  /// Float op `f(x, y, z)` on the instruction's operands, in its precision.
  template <class F> void floatOp(const Instr &in, F f) {
    if (in.w == 32)
      R[in.res] =
          fbits(f(fget<float>(R[in.a]), fget<float>(R[in.b]), fget<float>(R[in.c])));
    else
      R[in.res] =
          fbits(f(fget<double>(R[in.a]), fget<double>(R[in.b]), fget<double>(R[in.c])));
  }
};

void Machine::run() {
  const Instr *code = prog.code.data();
  size_t pc = 0;
  for (;;) {
    const Instr &in = code[pc++];
    const uint64_t mask = maskOf(in.w);
    switch (in.op) {
    //===--- Control ------------------------------------------------------===//
    case Opc::Return:
      return;
    case Opc::Const:
      R[in.res] = in.imm;
      break;
    case Opc::Copy:
      R[in.res] = R[in.a];
      break;
    case Opc::Jump:
      pc = in.imm;
      break;
    case Opc::JumpIfZero:
      if (R[in.a] == 0)
        pc = in.imm;
      break;
    case Opc::ForInit: {
      uint64_t step = R[in.b];
      if (in.pred ? step == 0 : sext(step, in.w) <= 0)
        throw Error("seqfuse: scf.for with non-positive step " +
                    std::to_string(sext(step, in.w)) + " at " + where(in.origin));
      R[in.res] = R[in.a];
      break;
    }
    case Opc::ForTest: {
      uint64_t iv = R[in.a], ub = R[in.b];
      bool more = in.pred ? iv < ub : sext(iv, in.w) < sext(ub, in.w);
      if (!more)
        pc = in.imm;
      break;
    }
    case Opc::ForNext:
      R[in.res] = (R[in.res] + R[in.a]) & mask;
      pc = in.imm;
      break;

    //===--- Integers -----------------------------------------------------===//
    case Opc::AddI:
      R[in.res] = (R[in.a] + R[in.b]) & mask;
      break;
    case Opc::SubI:
      R[in.res] = (R[in.a] - R[in.b]) & mask;
      break;
    case Opc::MulI:
      R[in.res] = (R[in.a] * R[in.b]) & mask;
      break;
    case Opc::DivSI:
    case Opc::RemSI:
    case Opc::CeilDivSI:
    case Opc::FloorDivSI: {
      int64_t x = sext(R[in.a], in.w), y = sext(R[in.b], in.w);
      checkDivision(in, x, y, /*isSigned=*/true);
      // No overflow below: MIN / -1 was rejected (and for w < 64 cannot
      // overflow in 64 bits anyway).
      int64_t q = x / y, r = x % y, out;
      if (in.op == Opc::DivSI)
        out = q;
      else if (in.op == Opc::RemSI)
        out = r;
      else if (in.op == Opc::CeilDivSI)
        out = (r != 0 && (r < 0) == (y < 0)) ? q + 1 : q;
      else
        out = (r != 0 && (r < 0) != (y < 0)) ? q - 1 : q;
      R[in.res] = static_cast<uint64_t>(out) & mask;
      break;
    }
    case Opc::DivUI:
    case Opc::RemUI:
    case Opc::CeilDivUI: {
      uint64_t x = R[in.a], y = R[in.b];
      checkDivision(in, sext(x, in.w), sext(y, in.w), /*isSigned=*/false);
      uint64_t out = in.op == Opc::DivUI   ? x / y
                     : in.op == Opc::RemUI ? x % y
                                           : x / y + (x % y != 0 ? 1 : 0);
      R[in.res] = out & mask;
      break;
    }
    case Opc::MinSI:
      R[in.res] = sext(R[in.a], in.w) <= sext(R[in.b], in.w) ? R[in.a] : R[in.b];
      break;
    case Opc::MaxSI:
      R[in.res] = sext(R[in.a], in.w) >= sext(R[in.b], in.w) ? R[in.a] : R[in.b];
      break;
    case Opc::MinUI:
      R[in.res] = R[in.a] <= R[in.b] ? R[in.a] : R[in.b];
      break;
    case Opc::MaxUI:
      R[in.res] = R[in.a] >= R[in.b] ? R[in.a] : R[in.b];
      break;
    case Opc::AndI:
      R[in.res] = R[in.a] & R[in.b];
      break;
    case Opc::OrI:
      R[in.res] = R[in.a] | R[in.b];
      break;
    case Opc::XorI:
      R[in.res] = R[in.a] ^ R[in.b];
      break;
    // Shifts by >= the bit width are poison in LLVM; here they shift
    // everything out (0, or the sign for shrsi).
    case Opc::ShlI:
      R[in.res] = R[in.b] >= in.w ? 0 : (R[in.a] << R[in.b]) & mask;
      break;
    case Opc::ShrUI:
      R[in.res] = R[in.b] >= in.w ? 0 : R[in.a] >> R[in.b];
      break;
    case Opc::ShrSI: {
      int64_t x = sext(R[in.a], in.w);
      int64_t r = x >> (R[in.b] >= in.w ? in.w - 1 : R[in.b]);
      R[in.res] = static_cast<uint64_t>(r) & mask;
      break;
    }
    case Opc::AbsI: {
      int64_t x = sext(R[in.a], in.w);
      R[in.res] = (x < 0 ? uint64_t(0) - static_cast<uint64_t>(x) : R[in.a]) & mask;
      break;
    }
    case Opc::CmpI:
      R[in.res] =
          cmpI(static_cast<arith::CmpIPredicate>(in.pred), R[in.a], R[in.b], in.w);
      break;
    case Opc::Select:
      R[in.res] = R[in.a] ? R[in.b] : R[in.c];
      break;
    case Opc::ExtSI:
      R[in.res] = static_cast<uint64_t>(sext(R[in.a], in.w)) & maskOf(in.w2);
      break;
    case Opc::TruncI:
      R[in.res] = R[in.a] & maskOf(in.w2);
      break;

    //===--- Floats -------------------------------------------------------===//
    case Opc::AddF:
      floatOp(in, [](auto x, auto y, auto) { return x + y; });
      break;
    case Opc::SubF:
      floatOp(in, [](auto x, auto y, auto) { return x - y; });
      break;
    case Opc::MulF:
      floatOp(in, [](auto x, auto y, auto) { return x * y; });
      break;
    case Opc::DivF:
      floatOp(in, [](auto x, auto y, auto) { return x / y; });
      break;
    case Opc::RemF:
      floatOp(in, [](auto x, auto y, auto) { return Libm<decltype(x)>::fmod(x, y); });
      break;
    // fneg / fabs only touch the sign bit (NaN payloads included).
    case Opc::NegF:
      R[in.res] = R[in.a] ^ (uint64_t(1) << (in.w - 1));
      break;
    case Opc::AbsF:
      R[in.res] = R[in.a] & (mask >> 1);
      break;
    case Opc::MinimumF:
      floatOp(in, [](auto x, auto y, auto) { return minimumF(x, y); });
      break;
    case Opc::MaximumF:
      floatOp(in, [](auto x, auto y, auto) { return maximumF(x, y); });
      break;
    case Opc::MinNumF:
      floatOp(in, [](auto x, auto y, auto) { return minNumF(x, y); });
      break;
    case Opc::MaxNumF:
      floatOp(in, [](auto x, auto y, auto) { return maxNumF(x, y); });
      break;
    case Opc::CmpF: {
      auto p = static_cast<arith::CmpFPredicate>(in.pred);
      R[in.res] = in.w == 32 ? cmpF(p, fget<float>(R[in.a]), fget<float>(R[in.b]))
                             : cmpF(p, fget<double>(R[in.a]), fget<double>(R[in.b]));
      break;
    }
    case Opc::Exp:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::exp(x); });
      break;
    case Opc::Exp2:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::exp2(x); });
      break;
    case Opc::Log:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::log(x); });
      break;
    case Opc::Log2:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::log2(x); });
      break;
    case Opc::Log10:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::log10(x); });
      break;
    case Opc::Sqrt:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::sqrt(x); });
      break;
    case Opc::Tanh:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::tanh(x); });
      break;
    case Opc::PowF:
      floatOp(in, [](auto x, auto y, auto) { return Libm<decltype(x)>::pow(x, y); });
      break;
    case Opc::Sin:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::sin(x); });
      break;
    case Opc::Cos:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::cos(x); });
      break;
    case Opc::Floor:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::floor(x); });
      break;
    case Opc::Ceil:
      floatOp(in, [](auto x, auto, auto) { return Libm<decltype(x)>::ceil(x); });
      break;
    case Opc::Fma:
      floatOp(in, [](auto x, auto y, auto z) { return Libm<decltype(x)>::fma(x, y, z); });
      break;

    //===--- Conversions --------------------------------------------------===//
    case Opc::ExtF:
      R[in.res] = fbits(static_cast<double>(fget<float>(R[in.a])));
      break;
    case Opc::TruncF:
      R[in.res] = fbits(static_cast<float>(fget<double>(R[in.a])));
      break;
    case Opc::SIToFP: {
      int64_t x = sext(R[in.a], in.w); // one rounding, from the exact value
      R[in.res] =
          in.w2 == 32 ? fbits(static_cast<float>(x)) : fbits(static_cast<double>(x));
      break;
    }
    case Opc::UIToFP: {
      uint64_t x = R[in.a];
      R[in.res] =
          in.w2 == 32 ? fbits(static_cast<float>(x)) : fbits(static_cast<double>(x));
      break;
    }
    case Opc::FPToSI:
      R[in.res] = in.w == 32 ? fpToSI(fget<float>(R[in.a]), in.w2)
                             : fpToSI(fget<double>(R[in.a]), in.w2);
      break;
    case Opc::FPToUI:
      R[in.res] = in.w == 32 ? fpToUI(fget<float>(R[in.a]), in.w2)
                             : fpToUI(fget<double>(R[in.a]), in.w2);
      break;

    //===--- Memory -------------------------------------------------------===//
    case Opc::Load: {
      const MemRefBinding &m = prog.memrefs[in.a];
      const char *p = m.data + offset(in, m) * m.elemBytes;
      switch (in.pred) {
      case ElemBool:
        R[in.res] = static_cast<uint8_t>(*p) & 1;
        break;
      case Elem1:
        R[in.res] = static_cast<uint8_t>(*p);
        break;
      case Elem2: {
        uint16_t v;
        std::memcpy(&v, p, 2);
        R[in.res] = v;
        break;
      }
      case Elem4: {
        uint32_t v;
        std::memcpy(&v, p, 4);
        R[in.res] = v;
        break;
      }
      default: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        R[in.res] = v;
        break;
      }
      }
      break;
    }
    case Opc::Store: {
      const MemRefBinding &m = prog.memrefs[in.a];
      char *p = m.data + offset(in, m) * m.elemBytes;
      uint64_t v = R[in.b];
      switch (in.pred) {
      case ElemBool:
        *p = static_cast<char>(v & 1);
        break;
      case Elem1:
        *p = static_cast<char>(v);
        break;
      case Elem2: {
        uint16_t x = static_cast<uint16_t>(v);
        std::memcpy(p, &x, 2);
        break;
      }
      case Elem4: {
        uint32_t x = static_cast<uint32_t>(v);
        std::memcpy(p, &x, 4);
        break;
      }
      default:
        std::memcpy(p, &v, 8);
        break;
      }
      break;
    }
    case Opc::Dim: {
      const MemRefBinding &m = prog.memrefs[in.a];
      uint64_t d = R[in.b];
      if (d >= static_cast<uint64_t>(m.rank))
        throw Error("seqfuse: memref.dim of dimension " + std::to_string(sext(d, 64)) +
                    " of a rank-" + std::to_string(m.rank) + " memref at " +
                    where(in.origin));
      R[in.res] = static_cast<uint64_t>(m.dims[d]);
      break;
    }
    }
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

void seqfuse::interpret(func::FuncOp fn, std::span<const Arg> args) {
  CompiledFn prog = Compiler(fn).compile();
  if (args.size() != fn.getNumArguments())
    throw ArgumentError("seqfuse: '" + fn.getSymName().str() + "' takes " +
                        std::to_string(fn.getNumArguments()) + " arguments, got " +
                        std::to_string(args.size()));

  // Bind tensors: data pointer, extents from the call, row-major strides.
  for (MemRefBinding &m : prog.memrefs) {
    const Arg &a = args[m.argNo];
    if (!a.isTensor() || a.rank() != m.rank)
      throw ArgumentError("seqfuse: argument '" + m.name + "' must be a rank-" +
                          std::to_string(m.rank) + " tensor, got " + a.describe());
    m.data = static_cast<char *>(a.data());
    int64_t stride = 1;
    for (int d = m.rank - 1; d >= 0; --d) {
      m.dims[d] = a.dim(d);
      m.strides[d] = stride;
      stride *= a.dim(d);
    }
  }

  // Bind scalars into their registers, in the representation above.
  std::vector<uint64_t> regs(prog.numSlots, 0);
  for (const ScalarBinding &s : prog.scalars) {
    const Arg &a = args[s.argNo];
    if (a.isTensor())
      throw ArgumentError("seqfuse: argument " + std::to_string(s.argNo) +
                          " must be a scalar, got " + a.describe());
    const void *p = a.scalarPtr();
    uint64_t v = 0;
    if (s.isFloat && s.width == 32)
      v = fbits(*static_cast<const float *>(p));
    else if (s.isFloat)
      v = fbits(*static_cast<const double *>(p));
    else if (s.width == 1)
      v = *static_cast<const bool *>(p) ? 1 : 0;
    else if (s.width <= 32)
      v = static_cast<uint64_t>(*static_cast<const int32_t *>(p)) & maskOf(s.width);
    else
      v = static_cast<uint64_t>(*static_cast<const int64_t *>(p)) & maskOf(s.width);
    regs[s.slot] = v;
  }

  Machine(prog, regs).run();
}
