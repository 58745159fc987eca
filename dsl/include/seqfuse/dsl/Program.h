//===- Program.h - programs, tensors, statements ----------------*- C++ -*-===//
//
// A Program declares its arguments (tensors and scalar parameters, in call
// order) and records statements as they are written:
//
// ```cpp
// Program p("accumulate");
// auto t = p.inout<float>("t");
// auto u = p.input<float>("u", {t.size(0)}); // u has t's length, checked per call
// loop(0, t.size(0), [&](Var i) { t[i] += u[i]; });
// std::vector<float> ts{1, 2, 3}, us{10, 20, 30};
// compile(p)(ts, us); // ts = [11, 22, 33]
// ```
//
// Every statement records the C++ file:line where it was written.
//
// input() tensors are read-only. output() and inout() tensors are the
// caller's buffers, written in place: seqfuse does not zero an output, so an
// element the loop does not write keeps what the caller's buffer held, and a
// loop may read an output element it wrote before (output() only says that
// the program does not mean to read the caller's values).
//
// Expressions are recipes, evaluated where a statement uses them, reading
// states and memory as they are at that point of the loop (see the README,
// "Expressions are evaluated where they are used").
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DSL_PROGRAM_H
#define SEQFUSE_DSL_PROGRAM_H

#include "seqfuse/dsl/Expr.h"

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace seqfuse {

/// Misuse of the DSL found while a program is built (C++ run time).
class DSLError : public std::logic_error {
public:
  using std::logic_error::logic_error;
};

namespace detail {
/// Which program a handle belongs to. The serial tells a live program from
/// a destroyed one whose memory was reused; `ptr` is only dereferenced while
/// the program is open on this thread.
struct ProgramRef {
  ast::ProgramData *ptr = nullptr;
  uint64_t serial = 0;
  static ProgramRef of(ast::ProgramData *p) { return {p, p ? p->serial : 0}; }
};
/// The program being built on this thread (the innermost live Program).
ast::ProgramData *currentProgram();
/// Append a statement to the innermost open block of `owner`.
void record(ProgramRef owner, ast::Stmt stmt);
/// Open a block (loop or branch body), run `body`, close it.
void withBlock(ProgramRef owner, const std::shared_ptr<ast::Block> &block, Loc loc,
               const std::function<void()> &body);
/// Like withBlock for the else-branch of the if_() that must be the last
/// statement recorded in the innermost open block.
void withElseBlock(ProgramRef owner, const std::shared_ptr<ast::Block> &block, Loc loc,
                   const std::function<void()> &body);
/// The source location of the innermost open loop or branch, else the
/// program's.
Loc scopeLoc(ProgramRef owner);
ast::ProgramData *requireProgram(const char *what);
} // namespace detail

/// An index expression: a loop variable, a size, an integer tensor element, an
/// integer literal or arithmetic of those. Converting records where the index
/// was written (the statement's file:line).
struct IndexArg {
  ast::NodeP node;
  Loc loc;
  template <class I>
  IndexArg(const Expr<I> &e, std::source_location l = std::source_location::current())
      : loc(Loc::from(l)) {
    static_assert(isInteger<I>,
                  "seqfuse: a tensor index must be an integer expression "
                  "(a loop variable, an int32_t/int64_t value or a literal)");
    node = e.node();
    if constexpr (!std::is_same_v<I, Index>)
      node = cast<Index>(e).node();
  }
  template <class L,
            std::enable_if_t<std::is_integral_v<L> && !std::is_same_v<L, bool>, int> = 0>
  IndexArg(L v, std::source_location l = std::source_location::current())
      : node(detail::literal<Index>(static_cast<int64_t>(v)).node()), loc(Loc::from(l)) {}
};

/// A loop variable: an Index expression bound by loop().
class Var : public Expr<Index> {
public:
  using Expr<Index>::Expr;
};

/// An assignable place: a tensor element `t[i]` or a state `acc`. Reading it
/// in an expression reads its current value; assigning records a statement.
template <class T> class Ref : public Expr<T> {
public:
  Ref(ast::NodeP read, detail::ProgramRef owner, bool isState, int32_t id,
      std::vector<ast::NodeP> index, Loc loc)
      : Expr<T>(std::move(read)), owner_(owner), isState_(isState), id_(id),
        index_(std::move(index)), loc_(loc) {}
  Ref(const Ref &) = default;

  void operator=(const Ref &v) { assign(Expr<T>(v.node())); }
  template <class B> void operator=(const Expr<B> &v) {
    detail::checkSameType<T, B>();
    assign(Expr<T>(v.node()));
  }
  template <class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>
  void operator=(L v) {
    assign(detail::literal<T>(v));
  }

  template <class B> void operator+=(const B &v) { assign(*this + v); }
  template <class B> void operator-=(const B &v) { assign(*this - v); }
  template <class B> void operator*=(const B &v) { assign(*this * v); }
  template <class B> void operator/=(const B &v) { assign(*this / v); }
  template <class B> void operator%=(const B &v) { assign(*this % v); }
  template <class B> void operator&=(const B &v) { assign(*this & v); }
  template <class B> void operator|=(const B &v) { assign(*this | v); }
  template <class B> void operator^=(const B &v) { assign(*this ^ v); }
  /// `x = min(x, v)` and `x = max(x, v)`.
  template <class B> void minWith(const B &v) { assign(min(Expr<T>(*this), v)); }
  template <class B> void maxWith(const B &v) { assign(max(Expr<T>(*this), v)); }

private:
  void assign(const Expr<T> &v) {
    ast::Stmt s;
    s.kind = isState_ ? ast::StmtKind::StateAssign : ast::StmtKind::Store;
    s.id = id_;
    s.index = index_;
    s.value = v.node();
    s.loc = loc_.valid() ? loc_ : v.node()->loc;
    if (!s.loc.valid())
      s.loc = detail::scopeLoc(owner_);
    detail::record(owner_, std::move(s));
  }

  detail::ProgramRef owner_;
  bool isState_;
  int32_t id_;
  std::vector<ast::NodeP> index_;
  Loc loc_;
};

/// A loop-carried scalar: declared (with its initial value) where it is
/// created, assigned with =, +=, ... and read as an expression.
template <class T> using State = Ref<T>;

/// A size: named (shared by tensors, checked equal at call time) or one
/// tensor's extent along a dimension. Usable as an Index expression.
class Size : public Expr<Index> {
public:
  using Expr<Index>::Expr;
};

/// How a tensor's dimension is declared: a fixed extent or a named Size.
struct DimArg {
  ast::DimSpec spec;
  DimArg(int64_t extent) { spec.kind = ast::DimSpec::Fixed, spec.extent = extent; }
  DimArg(int extent) : DimArg(static_cast<int64_t>(extent)) {}
  DimArg(const Size &s);
};

template <class T, int Rank> class Tensor {
  static_assert(isElement<T>, "seqfuse: tensor element type must be float, "
                              "double, int32_t, int64_t or bool");
  static_assert(Rank >= 1 && Rank <= 8, "seqfuse: tensor rank must be 1..8");

public:
  Tensor(ast::ProgramData *owner, int32_t id)
      : owner_(detail::ProgramRef::of(owner)), id_(id) {}

  Ref<T> operator[](IndexArg i) const {
    static_assert(Rank == 1, "seqfuse: operator[] takes one index but this "
                             "tensor has rank > 1; write t(i, j, ...)");
    return ref({i.node}, i.loc);
  }
  template <class... I> Ref<T> operator()(IndexArg first, I &&...rest) const {
    static_assert(1 + sizeof...(I) == Rank,
                  "seqfuse: the number of indices must equal the tensor's rank");
    std::vector<ast::NodeP> idx{first.node};
    (idx.push_back(IndexArg(std::forward<I>(rest)).node), ...);
    return ref(std::move(idx), first.loc);
  }
  /// The extent along dimension d (an Index expression).
  Size size(int d = 0) const {
    if (d < 0 || d >= Rank)
      throw DSLError("seqfuse: size(" + std::to_string(d) + ") of a rank-" +
                     std::to_string(Rank) + " tensor");
    return Size(
        detail::makeNode(ast::Op::Dim, DType::Index, {}, id_, d, 0.0, owner_.serial));
  }
  int32_t id() const { return id_; }

private:
  Ref<T> ref(std::vector<ast::NodeP> idx, Loc loc) const {
    auto read =
        detail::makeNode(ast::Op::Load, dtypeOf<T>, idx, id_, 0, 0.0, owner_.serial);
    std::const_pointer_cast<ast::Node>(read)->loc = loc;
    return Ref<T>(read, owner_, false, id_, std::move(idx), loc);
  }
  detail::ProgramRef owner_;
  int32_t id_;
};

class Program;

/// Handle returned by if_(); `.else_(body)` adds the else branch.
class IfBuilder {
public:
  IfBuilder(detail::ProgramRef owner, std::shared_ptr<ast::Block> elseBlock, Loc loc)
      : owner_(owner), elseBlock_(std::move(elseBlock)), loc_(loc) {}
  /// Must directly follow its if_(), once.
  template <class F> void else_(F &&body) {
    detail::withElseBlock(owner_, elseBlock_, loc_, std::function<void()>(body));
  }

private:
  detail::ProgramRef owner_;
  std::shared_ptr<ast::Block> elseBlock_;
  Loc loc_;
};

namespace detail {
void recordLoop(const IndexArg &lo, const IndexArg &hi, bool reverse,
                const std::function<void(Var)> &body, Loc loc);
IfBuilder recordIf(const Expr<bool> &cond, const std::function<void()> &then, Loc loc);
} // namespace detail

/// for i in range(lo, hi): body(i)
template <class F>
void loop(IndexArg lo, IndexArg hi, F &&body,
          std::source_location l = std::source_location::current()) {
  detail::recordLoop(lo, hi, false, std::function<void(Var)>(body), Loc::from(l));
}
/// for i in reversed(range(lo, hi)): body(i)   (i = hi-1 down to lo)
template <class F>
void loopReverse(IndexArg lo, IndexArg hi, F &&body,
                 std::source_location l = std::source_location::current()) {
  detail::recordLoop(lo, hi, true, std::function<void(Var)>(body), Loc::from(l));
}
/// if cond: then()   [.else_(otherwise)]
template <class F>
IfBuilder if_(const Expr<bool> &cond, F &&then,
              std::source_location l = std::source_location::current()) {
  return detail::recordIf(cond, std::function<void()>(then), Loc::from(l));
}

/// A sequential update program. Statements written while it is alive (on the
/// same thread) belong to it. Arguments are passed to the kernel in the order
/// they are declared.
class Program {
public:
  explicit Program(std::string name,
                   std::source_location l = std::source_location::current());
  ~Program();
  Program(Program &&) noexcept;
  Program &operator=(Program &&) = delete;
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  template <class T, int Rank = 1>
  Tensor<T, Rank> input(std::string name, std::initializer_list<DimArg> shape = {}) {
    return Tensor<T, Rank>(data_.get(), addTensor(std::move(name), dtypeOf<T>, Rank,
                                                  shape, ast::Access::In));
  }
  template <class T, int Rank = 1>
  Tensor<T, Rank> output(std::string name, std::initializer_list<DimArg> shape = {}) {
    return Tensor<T, Rank>(data_.get(), addTensor(std::move(name), dtypeOf<T>, Rank,
                                                  shape, ast::Access::Out));
  }
  template <class T, int Rank = 1>
  Tensor<T, Rank> inout(std::string name, std::initializer_list<DimArg> shape = {}) {
    return Tensor<T, Rank>(data_.get(), addTensor(std::move(name), dtypeOf<T>, Rank,
                                                  shape, ast::Access::InOut));
  }
  /// A scalar parameter passed at call time.
  template <class T> Expr<T> param(std::string name) {
    static_assert(isElement<T>, "seqfuse: parameter type must be float, double, "
                                "int32_t, int64_t or bool");
    int32_t id = addScalar(std::move(name), dtypeOf<T>);
    return detail::wrap<T>(
        detail::makeNode(ast::Op::Param, dtypeOf<T>, {}, id, 0, 0.0, data_->serial));
  }
  /// A named size; tensors declared with it must agree at call time.
  Size dim(std::string name);
  /// A loop-carried scalar, initialised here (in the current block).
  template <class T, class I>
  State<T> state(std::string name, const I &init,
                 std::source_location l = std::source_location::current()) {
    static_assert(isElement<T> || std::is_same_v<T, Index>,
                  "seqfuse: state type must be float, double, int32_t, int64_t, "
                  "bool or Index");
    Expr<T> initExpr = [&] {
      if constexpr (std::is_arithmetic_v<I>)
        return detail::literal<T>(init);
      else {
        detail::checkSameType<T, typename I::element_type>();
        return Expr<T>(init.node());
      }
    }();
    int32_t id = addState(std::move(name), dtypeOf<T>, initExpr.node(), Loc::from(l));
    auto read =
        detail::makeNode(ast::Op::StateRead, dtypeOf<T>, {}, id, 0, 0.0, data_->serial);
    return State<T>(read, detail::ProgramRef::of(data_.get()), true, id, {}, Loc{});
  }

  const std::string &name() const { return data_->name; }
  const ast::ProgramData &data() const { return *data_; }
  std::shared_ptr<const ast::ProgramData> shared() const { return data_; }
  /// A readable listing of the recorded program.
  std::string str() const { return data_->str(); }

private:
  int32_t addTensor(std::string name, DType type, int rank,
                    std::initializer_list<DimArg> shape, ast::Access access);
  int32_t addScalar(std::string name, DType type);
  int32_t addState(std::string name, DType type, ast::NodeP init, Loc loc);

  std::shared_ptr<ast::ProgramData> data_;
};

} // namespace seqfuse

#endif // SEQFUSE_DSL_PROGRAM_H
