//===- Program.cpp - recording DSL statements -----------------------------===//
//
// The thread-local build state behind Program, loop() and if_(), and the
// canonical text (fingerprint) and readable listing of a recorded program.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/dsl/Program.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <sstream>

using namespace seqfuse;
using namespace seqfuse::ast;

std::string Loc::str() const {
  if (!file)
    return "<unknown>";
  return std::string(file) + ":" + std::to_string(line);
}

uint64_t ast::nextProgramSerial() {
  static std::atomic<uint64_t> next{1};
  return next++;
}

namespace {
/// Per-thread stack of programs being built, each with its open blocks. The
/// weak reference notices a Program destroyed elsewhere; the serial tells it
/// from a newer program allocated at the same address.
struct OpenProgram {
  std::weak_ptr<ProgramData> alive;
  ProgramData *prog;
  uint64_t serial;
  std::vector<Block *> blocks;
  std::vector<Loc> scopeLocs;
};
thread_local std::vector<OpenProgram> tlsOpen;

void pruneDead() {
  std::erase_if(tlsOpen, [](const OpenProgram &o) { return o.alive.expired(); });
}

OpenProgram *find(detail::ProgramRef p) {
  pruneDead();
  for (auto it = tlsOpen.rbegin(); it != tlsOpen.rend(); ++it)
    if (it->prog == p.ptr && it->serial == p.serial)
      return &*it;
  return nullptr;
}

OpenProgram &requireOpen(detail::ProgramRef owner, const Loc &loc) {
  OpenProgram *open = find(owner);
  if (!open)
    throw DSLError("seqfuse: statement at " + loc.str() +
                   " uses a tensor, state or branch of a program that is no "
                   "longer being built on this thread");
  if (open != &tlsOpen.back())
    throw DSLError("seqfuse: statement at " + loc.str() + " belongs to program '" +
                   open->prog->name + "' while program '" + tlsOpen.back().prog->name +
                   "' is being built");
  return *open;
}
} // namespace

ProgramData *detail::currentProgram() {
  pruneDead();
  return tlsOpen.empty() ? nullptr : tlsOpen.back().prog;
}

ProgramData *detail::requireProgram(const char *what) {
  ProgramData *p = currentProgram();
  if (!p)
    throw DSLError(std::string("seqfuse: ") + what +
                   " written outside a Program (construct a seqfuse::Program "
                   "first, on this thread)");
  return p;
}

void detail::record(ProgramRef owner, Stmt stmt) {
  OpenProgram &open = requireOpen(owner, stmt.loc);
  if (stmt.kind == StmtKind::Store) {
    const Argument &a = open.prog->args.at(stmt.id);
    if (a.access == Access::In)
      throw DSLError("seqfuse: statement at " + stmt.loc.str() + " writes tensor '" +
                     a.name +
                     "', which is declared input(); declare it output() or "
                     "inout() to write it");
  }
  open.blocks.back()->stmts.push_back(std::move(stmt));
}

namespace {
/// Pushes a block on `owner`'s open-block stack for the lifetime of the guard
/// (looked up again on exit: `tlsOpen` may reallocate meanwhile).
struct BlockScope {
  detail::ProgramRef owner;
  BlockScope(detail::ProgramRef o, Block *block, Loc loc) : owner(o) {
    OpenProgram &open = requireOpen(owner, loc);
    open.blocks.push_back(block);
    open.scopeLocs.push_back(loc);
  }
  ~BlockScope() {
    if (OpenProgram *open = find(owner)) {
      open->blocks.pop_back();
      open->scopeLocs.pop_back();
    }
  }
};
} // namespace

void detail::withBlock(ProgramRef owner, const std::shared_ptr<Block> &block, Loc loc,
                       const std::function<void()> &body) {
  BlockScope scope(owner, block.get(), loc);
  body();
}

void detail::withElseBlock(ProgramRef owner, const std::shared_ptr<Block> &block, Loc loc,
                           const std::function<void()> &body) {
  OpenProgram &open = requireOpen(owner, loc);
  const auto &stmts = open.blocks.back()->stmts;
  if (stmts.empty() || stmts.back().kind != StmtKind::If ||
      stmts.back().elseBody != block || !block->stmts.empty())
    throw DSLError("seqfuse: else_() for the if_() at " + loc.str() +
                   " must directly follow it, once");
  withBlock(owner, block, loc, body);
}

Loc detail::scopeLoc(ProgramRef owner) {
  OpenProgram *open = find(owner);
  if (open && !open->scopeLocs.empty())
    return open->scopeLocs.back();
  return open ? open->prog->loc : Loc{};
}

void detail::recordLoop(const IndexArg &lo, const IndexArg &hi, bool reverse,
                        const std::function<void(Var)> &body, Loc loc) {
  ProgramData *p = requireProgram("loop()");
  ProgramRef ref = ProgramRef::of(p);
  Stmt s;
  s.kind = StmtKind::For;
  s.loc = loc;
  s.id = p->numLoopVars++;
  s.lo = lo.node;
  s.hi = hi.node;
  s.reverse = reverse;
  s.body = std::make_shared<Block>();
  auto bodyBlock = s.body;
  int32_t var = s.id;
  record(ref, std::move(s));
  Var v(detail::makeNode(Op::LoopVar, DType::Index, {}, var, 0, 0.0, p->serial));
  withBlock(ref, bodyBlock, loc, [&] { body(v); });
}

IfBuilder detail::recordIf(const Expr<bool> &cond, const std::function<void()> &then,
                           Loc loc) {
  ProgramData *p = requireProgram("if_()");
  ProgramRef ref = ProgramRef::of(p);
  Stmt s;
  s.kind = StmtKind::If;
  s.loc = loc;
  s.value = cond.node();
  s.body = std::make_shared<Block>();
  s.elseBody = std::make_shared<Block>();
  auto thenBlock = s.body;
  auto elseBlock = s.elseBody;
  record(ref, std::move(s));
  withBlock(ref, thenBlock, loc, then);
  return IfBuilder(ref, elseBlock, loc);
}

DimArg::DimArg(const Size &s) {
  const Node &n = *s.node();
  if (n.op != Op::Dim)
    throw DSLError("seqfuse: a tensor dimension must be a literal extent, a "
                   "Program::dim() or another tensor's size(d)");
  ProgramData *cur = detail::requireProgram("a tensor shape");
  if (n.program != cur->serial)
    throw DSLError("seqfuse: a tensor of program '" + cur->name +
                   "' is declared with a size of another program");
  if (n.id < 0) { // named
    spec.kind = DimSpec::Named;
    spec.symbol = static_cast<int32_t>(n.ival);
    return;
  }
  ProgramData *p = cur;
  Argument &other = p->args.at(n.id);
  DimSpec &os = other.shape.at(n.ival);
  if (os.kind == DimSpec::Free) { // give the other tensor's extent a name
    os.kind = DimSpec::Named;
    os.symbol = static_cast<int32_t>(p->dimNames.size());
    p->dimNames.push_back(other.name + ".size(" + std::to_string(n.ival) + ")");
  }
  spec = os;
}

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

Program::Program(std::string name, std::source_location l)
    : data_(std::make_shared<ProgramData>()) {
  if (name.empty() ||
      !std::all_of(name.begin(), name.end(),
                   [](char c) { return std::isalnum((unsigned char)c) || c == '_'; }) ||
      std::isdigit((unsigned char)name[0]))
    throw DSLError("seqfuse: program name '" + name +
                   "' must be a C identifier (letters, digits, _)");
  static const char *reserved[] = {
      "memcpy", "memmove", "memset", "malloc", "free", "abort", "exp",   "expf",
      "exp2",   "exp2f",   "log",    "logf",   "log2", "log2f", "log10", "log10f",
      "pow",    "powf",    "tanh",   "tanhf",  "sqrt", "sqrtf", "fmod",  "fmodf",
      "sin",    "sinf",    "cos",    "cosf",   "main"};
  for (const char *r : reserved)
    if (name == r)
      throw DSLError("seqfuse: program name '" + name +
                     "' is reserved (a C library function the generated code may call)");
  if (name.rfind("seqfuse_rt_", 0) == 0 || name.rfind("_mlir", 0) == 0)
    throw DSLError("seqfuse: program name '" + name +
                   "' is reserved (prefixes seqfuse_rt_ and _mlir)");
  data_->name = std::move(name);
  data_->loc = Loc::from(l);
  tlsOpen.push_back({data_, data_.get(), data_->serial, {data_->body.get()}, {}});
}

/// A Program must be destroyed on the thread that built it; elsewhere its
/// entry expires and is pruned from the building thread's list.
Program::~Program() {
  if (!data_)
    return;
  for (auto it = tlsOpen.rbegin(); it != tlsOpen.rend(); ++it)
    if (it->prog == data_.get() && it->serial == data_->serial) {
      tlsOpen.erase(std::next(it).base());
      break;
    }
}

Program::Program(Program &&o) noexcept : data_(std::move(o.data_)) {}

static void checkArgName(const ProgramData &d, const std::string &name) {
  if (name.empty())
    throw DSLError("seqfuse: an argument of program '" + d.name + "' has an empty name");
  for (const auto &a : d.args)
    if (a.name == name)
      throw DSLError("seqfuse: program '" + d.name + "' declares argument '" + name +
                     "' twice");
}

int32_t Program::addTensor(std::string name, DType type, int rank,
                           std::initializer_list<DimArg> shape, Access access) {
  checkArgName(*data_, name);
  if (shape.size() != 0 && static_cast<int>(shape.size()) != rank)
    throw DSLError("seqfuse: tensor '" + name + "' has rank " + std::to_string(rank) +
                   " but its shape lists " + std::to_string(shape.size()) +
                   " dimensions");
  Argument a;
  a.name = std::move(name);
  a.type = type;
  a.isTensor = true;
  a.access = access;
  a.shape.resize(rank);
  int d = 0;
  for (const DimArg &s : shape) {
    if (s.spec.kind == DimSpec::Fixed && s.spec.extent < 0)
      throw DSLError("seqfuse: tensor '" + a.name + "' has a negative extent");
    a.shape[d++] = s.spec;
  }
  data_->args.push_back(std::move(a));
  return static_cast<int32_t>(data_->args.size() - 1);
}

int32_t Program::addScalar(std::string name, DType type) {
  checkArgName(*data_, name);
  Argument a;
  a.name = std::move(name);
  a.type = type;
  a.isTensor = false;
  data_->args.push_back(std::move(a));
  return static_cast<int32_t>(data_->args.size() - 1);
}

Size Program::dim(std::string name) {
  for (size_t i = 0; i < data_->dimNames.size(); ++i)
    if (data_->dimNames[i] == name)
      return Size(detail::makeNode(Op::Dim, DType::Index, {}, -1, static_cast<int64_t>(i),
                                   0.0, data_->serial));
  data_->dimNames.push_back(std::move(name));
  return Size(detail::makeNode(Op::Dim, DType::Index, {}, -1,
                               static_cast<int64_t>(data_->dimNames.size() - 1), 0.0,
                               data_->serial));
}

int32_t Program::addState(std::string name, DType type, NodeP init, Loc loc) {
  if (detail::currentProgram() != data_.get())
    throw DSLError("seqfuse: state '" + name + "' declared at " + loc.str() +
                   " while another program is being built");
  int32_t id = static_cast<int32_t>(data_->states.size());
  data_->states.push_back(
      {name.empty() ? "s" + std::to_string(id) : std::move(name), type});
  Stmt s;
  s.kind = StmtKind::StateInit;
  s.id = id;
  s.value = std::move(init);
  s.loc = loc;
  detail::record(detail::ProgramRef::of(data_.get()), std::move(s));
  return id;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

const char *ast::opName(Op op) {
  switch (op) {
  case Op::Const:
    return "const";
  case Op::Param:
    return "param";
  case Op::Load:
    return "load";
  case Op::Dim:
    return "dim";
  case Op::LoopVar:
    return "var";
  case Op::StateRead:
    return "state";
  case Op::Neg:
    return "neg";
  case Op::Not:
    return "not";
  case Op::Abs:
    return "abs";
  case Op::Exp:
    return "exp";
  case Op::Log:
    return "log";
  case Op::Sqrt:
    return "sqrt";
  case Op::Tanh:
    return "tanh";
  case Op::Cast:
    return "cast";
  case Op::Add:
    return "+";
  case Op::Sub:
    return "-";
  case Op::Mul:
    return "*";
  case Op::Div:
    return "/";
  case Op::Rem:
    return "%";
  case Op::Min:
    return "min";
  case Op::Max:
    return "max";
  case Op::Pow:
    return "pow";
  case Op::And:
    return "&";
  case Op::Or:
    return "|";
  case Op::Xor:
    return "^";
  case Op::Eq:
    return "==";
  case Op::Ne:
    return "!=";
  case Op::Lt:
    return "<";
  case Op::Le:
    return "<=";
  case Op::Gt:
    return ">";
  case Op::Ge:
    return ">=";
  case Op::Select:
    return "select";
  }
  return "?";
}

namespace {
struct Printer {
  const ProgramData &d;
  std::ostringstream os;
  bool withLocs; // fingerprint mode: exact, with source locations and ids

  // In fingerprint mode names are replaced by ids (names need not be unique)
  // and the header spells each name with its length, so the text is
  // injective.
  std::string quoted(const std::string &name) {
    return std::to_string(name.size()) + ":" + name;
  }
  std::string argName(int32_t id) {
    return withLocs ? "a" + std::to_string(id) : d.args[id].name;
  }
  std::string stateName(int32_t id) {
    return withLocs ? "s" + std::to_string(id) : d.states[id].name;
  }
  std::string dimName(int64_t sym) {
    return withLocs ? "d" + std::to_string(sym) : d.dimNames[sym];
  }

  void expr(const Node &n) {
    switch (n.op) {
    case Op::Const:
      if (dtypeIsFloat(n.type)) {
        if (withLocs) {
          // Exact bits, so that 0.1f and 0.1 differ in the cache key.
          uint64_t bits;
          static_assert(sizeof(bits) == sizeof(n.fval));
          std::memcpy(&bits, &n.fval, sizeof(bits));
          os << "f" << bits;
        } else {
          os << n.fval;
        }
      } else if (n.type == DType::Bool) {
        os << (n.ival ? "true" : "false");
      } else {
        os << n.ival;
      }
      if (withLocs)
        os << ":" << dtypeName(n.type);
      return;
    case Op::Param:
      os << argName(n.id);
      return;
    case Op::Load:
      os << argName(n.id) << "[";
      for (size_t i = 0; i < n.operands.size(); ++i) {
        if (i)
          os << ", ";
        expr(*n.operands[i]);
      }
      os << "]";
      return;
    case Op::Dim:
      if (n.id < 0)
        os << dimName(n.ival);
      else
        os << argName(n.id) << ".size(" << n.ival << ")";
      return;
    case Op::LoopVar:
      os << "i" << n.id;
      return;
    case Op::StateRead:
      os << stateName(n.id);
      return;
    case Op::Cast:
      os << "cast<" << dtypeName(n.type) << ">(";
      expr(*n.operands[0]);
      os << ")";
      return;
    case Op::Neg:
    case Op::Not:
      os << (n.op == Op::Neg ? "-" : "!") << "(";
      expr(*n.operands[0]);
      os << ")";
      return;
    default:
      break;
    }
    bool infix =
        n.operands.size() == 2 && n.op != Op::Min && n.op != Op::Max && n.op != Op::Pow;
    if (infix) {
      os << "(";
      expr(*n.operands[0]);
      os << " " << opName(n.op) << " ";
      expr(*n.operands[1]);
      os << ")";
      return;
    }
    os << opName(n.op) << "(";
    for (size_t i = 0; i < n.operands.size(); ++i) {
      if (i)
        os << ", ";
      expr(*n.operands[i]);
    }
    os << ")";
  }

  void indent(int depth) { os << std::string(2 * depth, ' '); }
  void loc(const Loc &l) {
    if (withLocs)
      os << "  @" << l.str() << ":" << l.column;
  }

  void block(const Block &b, int depth) {
    for (const Stmt &s : b.stmts) {
      indent(depth);
      switch (s.kind) {
      case StmtKind::Store:
        os << argName(s.id) << "[";
        for (size_t i = 0; i < s.index.size(); ++i) {
          if (i)
            os << ", ";
          expr(*s.index[i]);
        }
        os << "] = ";
        expr(*s.value);
        break;
      case StmtKind::StateInit:
        os << "state " << dtypeName(d.states[s.id].type) << " " << stateName(s.id)
           << " = ";
        expr(*s.value);
        break;
      case StmtKind::StateAssign:
        os << stateName(s.id) << " = ";
        expr(*s.value);
        break;
      case StmtKind::For:
        os << "for i" << s.id << " in " << (s.reverse ? "reversed(" : "") << "range(";
        expr(*s.lo);
        os << ", ";
        expr(*s.hi);
        os << (s.reverse ? "))" : ")") << ":";
        loc(s.loc);
        os << "\n";
        block(*s.body, depth + 1);
        continue;
      case StmtKind::If:
        os << "if ";
        expr(*s.value);
        os << ":";
        loc(s.loc);
        os << "\n";
        block(*s.body, depth + 1);
        if (!s.elseBody->stmts.empty()) {
          indent(depth);
          os << "else:\n";
          block(*s.elseBody, depth + 1);
        }
        continue;
      }
      loc(s.loc);
      os << "\n";
    }
  }

  void header() {
    os << "program " << (withLocs ? quoted(d.name) : d.name) << "(";
    for (size_t i = 0; i < d.args.size(); ++i) {
      const Argument &a = d.args[i];
      if (i)
        os << ", ";
      os << (withLocs ? quoted(a.name) : a.name) << ": ";
      if (a.isTensor)
        os << (a.access == Access::In    ? "in "
               : a.access == Access::Out ? "out "
                                         : "inout ");
      os << dtypeName(a.type);
      if (a.isTensor) {
        os << "[";
        for (size_t k = 0; k < a.shape.size(); ++k) {
          if (k)
            os << ", ";
          const DimSpec &s = a.shape[k];
          if (s.kind == DimSpec::Fixed)
            os << s.extent;
          else if (s.kind == DimSpec::Named)
            os << (withLocs ? dimName(s.symbol) + "=" + quoted(d.dimNames[s.symbol])
                            : d.dimNames[s.symbol]);
          else
            os << "?";
        }
        os << "]";
      }
    }
    os << "):";
    loc(d.loc);
    os << "\n";
    if (withLocs)
      for (size_t k = 0; k < d.states.size(); ++k)
        os << "  ; s" << k << " = " << quoted(d.states[k].name) << "\n";
  }
};
} // namespace

std::string ProgramData::fingerprint() const {
  Printer p{*this, {}, true};
  p.header();
  p.block(*body, 1);
  return p.os.str();
}

std::string ProgramData::str() const {
  Printer p{*this, {}, false};
  p.header();
  p.block(*body, 1);
  return p.os.str();
}
