//===- AST.h - the program a DSL expression builds --------------*- C++ -*-===//
//
// DSL operators only *build* this tree; they never evaluate anything. The tree
// is immutable once built, shared by value handles (Expr<T> holds a
// shared_ptr), and turned into loop-form MLIR by emitLoopForm(). It carries
// every statement's C++ file:line. No MLIR dependency.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DSL_AST_H
#define SEQFUSE_DSL_AST_H

#include "seqfuse/dsl/Types.h"

#include <cstdint>
#include <memory>
#include <source_location>
#include <string>
#include <vector>

namespace seqfuse {

/// A C++ source position (file:line) recorded when a statement is written.
struct Loc {
  const char *file = nullptr;
  uint32_t line = 0;
  uint32_t column = 0;
  static Loc from(const std::source_location &l) {
    return {l.file_name(), static_cast<uint32_t>(l.line()),
            static_cast<uint32_t>(l.column())};
  }
  bool valid() const { return file != nullptr; }
  std::string str() const;
};

namespace ast {

enum class Op : uint8_t {
  // Leaves.
  Const,     // ival / fval
  Param,     // scalar parameter #id
  Load,      // tensor #id at operands (indices)
  Dim,       // size of tensor #id along dimension ival
  LoopVar,   // loop variable #id
  StateRead, // current value of state #id
  // Unary.
  Neg,
  Not,
  Abs,
  Exp,
  Log,
  Sqrt,
  Tanh,
  Cast,
  // Binary.
  Add,
  Sub,
  Mul,
  Div,
  Rem,
  Min,
  Max,
  Pow,
  And,
  Or,
  Xor,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  // Ternary.
  Select,
};

const char *opName(Op op);

struct Node;
using NodeP = std::shared_ptr<const Node>;

struct Node {
  Op op;
  DType type;
  uint64_t program = 0; // serial of the program an id refers to (0: no id)
  int32_t id = -1;      // tensor, parameter, loop variable or state id
  int64_t ival = 0;     // integer constant, or dimension for Dim
  double fval = 0.0;    // floating constant
  std::vector<NodeP> operands;
  Loc loc; // where the expression was written, when known
};

enum class StmtKind : uint8_t { Store, StateInit, StateAssign, For, If };

struct Block;

struct Stmt {
  StmtKind kind;
  Loc loc;
  int32_t id = -1;                 // tensor (Store), state (State*), loop var (For)
  std::vector<NodeP> index;        // Store: indices
  NodeP value;                     // Store/State*: value; If: condition
  NodeP lo, hi;                    // For: bounds [lo, hi)
  bool reverse = false;            // For: iterate hi-1 down to lo
  std::shared_ptr<Block> body;     // For body, If then-branch
  std::shared_ptr<Block> elseBody; // If else-branch (may be empty)
};

struct Block {
  std::vector<Stmt> stmts;
};

enum class Access : uint8_t { In, Out, InOut };

/// One dimension of a declared tensor: a fixed extent, a named size shared
/// with other tensors (checked equal at call time), or free.
struct DimSpec {
  enum Kind : uint8_t { Free, Fixed, Named } kind = Free;
  int64_t extent = 0;  // Fixed
  int32_t symbol = -1; // Named: index into ProgramData::dimNames
};

struct Argument {
  std::string name;
  DType type;
  bool isTensor;
  Access access = Access::In; // scalars are always In
  std::vector<DimSpec> shape; // tensors only; rank = shape.size()
};

struct StateDecl {
  std::string name;
  DType type;
};

/// A process-wide unique number for each ProgramData, so that handles of a
/// destroyed program are never mistaken for a newer one at the same address.
uint64_t nextProgramSerial();

/// Everything a Program is: its arguments (in call order), named sizes,
/// states, loop variables and the top-level statement block.
struct ProgramData {
  uint64_t serial = nextProgramSerial();
  std::string name;
  Loc loc;
  std::vector<Argument> args;
  std::vector<std::string> dimNames;
  std::vector<StateDecl> states;
  int32_t numLoopVars = 0;
  std::shared_ptr<Block> body = std::make_shared<Block>();

  /// A canonical text of the whole program (structure, types and source
  /// locations). Equal texts mean equal programs: the kernel cache key.
  std::string fingerprint() const;
  /// A readable listing, for error messages and `Stage::DSL`.
  std::string str() const;
};

} // namespace ast
} // namespace seqfuse

#endif // SEQFUSE_DSL_AST_H
