//===- Expr.h - typed expression handles ------------------------*- C++ -*-===//
//
// Expr<T> is an expression template typed by its element type T. It holds its
// operands by value (a shared, immutable node), so `auto e = a[i] * x[i-1];`
// is always safe to keep. Type rules are checked at C++ compile time:
//   * both operands of a binary operator have the same element type;
//   * a C++ literal adopts the other operand's type (a floating-point literal
//     cannot meet an integer expression);
//   * arithmetic needs numbers, logic needs bool or integers, exp/log/... need
//     floating point; cast<T>(e) converts explicitly.
// An expression is a recipe: it is evaluated where a statement uses it.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DSL_EXPR_H
#define SEQFUSE_DSL_EXPR_H

#include "seqfuse/dsl/AST.h"

#include <type_traits>
#include <utility>

namespace seqfuse {

template <class T> class Expr {
public:
  using element_type = T;
  explicit Expr(ast::NodeP node) : node_(std::move(node)) {}
  const ast::NodeP &node() const { return node_; }

protected:
  ast::NodeP node_;
};

namespace detail {

inline ast::NodeP makeNode(ast::Op op, DType type, std::vector<ast::NodeP> operands,
                           int32_t id = -1, int64_t ival = 0, double fval = 0.0,
                           uint64_t program = 0) {
  auto n = std::make_shared<ast::Node>();
  n->op = op;
  n->type = type;
  n->program = program;
  n->id = id;
  n->ival = ival;
  n->fval = fval;
  // An expression inherits the first known source location of its operands.
  for (const auto &o : operands)
    if (o->loc.valid()) {
      n->loc = o->loc;
      break;
    }
  n->operands = std::move(operands);
  return n;
}

template <class T> Expr<T> wrap(ast::NodeP n) { return Expr<T>(std::move(n)); }

template <class T> using StripExpr = typename std::decay_t<T>::element_type;

template <class A, class B> constexpr void checkSameType() {
  static_assert(std::is_same_v<A, B>,
                "seqfuse: the two operands have different element types "
                "(e.g. f32 and i32); convert one explicitly with cast<T>(e)");
}

template <class T> constexpr void checkNumeric() {
  static_assert(!std::is_same_v<T, bool>,
                "seqfuse: arithmetic on a bool expression; use cast<T>(e) or "
                "select(c, a, b)");
}

template <class T> constexpr void checkFloat() {
  static_assert(isFloat<T>, "seqfuse: this math function needs a floating-point "
                            "(float or double) expression; use cast<float>(e)");
}

template <class T> constexpr void checkBoolOnly() {
  static_assert(std::is_same_v<T, bool>,
                "seqfuse: &&, || and ! need bool expressions (use &, |, ~ on integers)");
}

template <class T> constexpr void checkLogical() {
  static_assert(std::is_same_v<T, bool> || isInteger<T>,
                "seqfuse: &, |, ^ and ! need bool or integer expressions");
}

/// A C++ literal as an expression of element type T.
template <class T, class L> Expr<T> literal(L v) {
  static_assert(std::is_arithmetic_v<L>, "seqfuse: not a number");
  static_assert(!(std::is_floating_point_v<L> && !isFloat<T>),
                "seqfuse: a floating-point literal cannot be combined with an "
                "integer or bool expression; use an integer literal or cast<T>(e)");
  static_assert(!(std::is_same_v<T, bool> && !std::is_same_v<L, bool>),
                "seqfuse: a number cannot be combined with a bool expression");
  if constexpr (isFloat<T>)
    return wrap<T>(makeNode(ast::Op::Const, dtypeOf<T>, {}, -1, 0,
                            static_cast<double>(static_cast<T>(v))));
  else if constexpr (std::is_same_v<T, bool>)
    return wrap<T>(makeNode(ast::Op::Const, DType::Bool, {}, -1, v ? 1 : 0));
  else if constexpr (std::is_same_v<T, int32_t>)
    return wrap<T>(makeNode(ast::Op::Const, DType::I32, {}, -1,
                            static_cast<int64_t>(static_cast<int32_t>(v))));
  else
    return wrap<T>(makeNode(ast::Op::Const, dtypeOf<T>, {}, -1, static_cast<int64_t>(v)));
}

template <class R, class T>
Expr<R> binary(ast::Op op, const Expr<T> &a, const Expr<T> &b) {
  return wrap<R>(makeNode(op, dtypeOf<R>, {a.node(), b.node()}));
}

template <class T> Expr<T> unary(ast::Op op, const Expr<T> &a) {
  return wrap<T>(makeNode(op, dtypeOf<T>, {a.node()}));
}

} // namespace detail

/// An expression of element type T built from a C++ value.
template <class T, class L> Expr<T> constant(L v) { return detail::literal<T>(v); }

// Binary operators: Expr op Expr, Expr op literal, literal op Expr.
// Note: like every DSL operator, && and || build an expression whose operands
// are both evaluated (no short circuit): guard an access with if_(), not &&.
#define SEQFUSE_BINARY_OP(OPSYM, OPKIND, RESULT, CHECK)                                  \
  template <class A, class B>                                                            \
  Expr<RESULT> operator OPSYM(const Expr<A> &a, const Expr<B> &b) {                      \
    detail::checkSameType<A, B>();                                                       \
    CHECK<A>();                                                                          \
    return detail::binary<RESULT>(ast::Op::OPKIND, a, Expr<A>(b.node()));                \
  }                                                                                      \
  template <class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>        \
  Expr<RESULT> operator OPSYM(const Expr<A> &a, L b) {                                   \
    CHECK<A>();                                                                          \
    return detail::binary<RESULT>(ast::Op::OPKIND, a, detail::literal<A>(b));            \
  }                                                                                      \
  template <class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>        \
  Expr<RESULT> operator OPSYM(L a, const Expr<A> &b) {                                   \
    CHECK<A>();                                                                          \
    return detail::binary<RESULT>(ast::Op::OPKIND, detail::literal<A>(a), b);            \
  }

namespace detail {
template <class T> constexpr void noCheck() {}
} // namespace detail

SEQFUSE_BINARY_OP(+, Add, A, detail::checkNumeric)
SEQFUSE_BINARY_OP(-, Sub, A, detail::checkNumeric)
SEQFUSE_BINARY_OP(*, Mul, A, detail::checkNumeric)
SEQFUSE_BINARY_OP(/, Div, A, detail::checkNumeric)
SEQFUSE_BINARY_OP(%, Rem, A, detail::checkNumeric)
SEQFUSE_BINARY_OP(&, And, A, detail::checkLogical)
SEQFUSE_BINARY_OP(|, Or, A, detail::checkLogical)
SEQFUSE_BINARY_OP(^, Xor, A, detail::checkLogical)
SEQFUSE_BINARY_OP(&&, And, bool, detail::checkBoolOnly)
SEQFUSE_BINARY_OP(||, Or, bool, detail::checkBoolOnly)
SEQFUSE_BINARY_OP(==, Eq, bool, detail::noCheck)
SEQFUSE_BINARY_OP(!=, Ne, bool, detail::noCheck)
SEQFUSE_BINARY_OP(<, Lt, bool, detail::noCheck)
SEQFUSE_BINARY_OP(<=, Le, bool, detail::noCheck)
SEQFUSE_BINARY_OP(>, Gt, bool, detail::noCheck)
SEQFUSE_BINARY_OP(>=, Ge, bool, detail::noCheck)
#undef SEQFUSE_BINARY_OP

#define SEQFUSE_BINARY_FN(NAME, OPKIND, CHECK)                                           \
  template <class A, class B> Expr<A> NAME(const Expr<A> &a, const Expr<B> &b) {         \
    detail::checkSameType<A, B>();                                                       \
    CHECK<A>();                                                                          \
    return detail::binary<A>(ast::Op::OPKIND, a, Expr<A>(b.node()));                     \
  }                                                                                      \
  template <class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>        \
  Expr<A> NAME(const Expr<A> &a, L b) {                                                  \
    CHECK<A>();                                                                          \
    return detail::binary<A>(ast::Op::OPKIND, a, detail::literal<A>(b));                 \
  }                                                                                      \
  template <class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>        \
  Expr<A> NAME(L a, const Expr<A> &b) {                                                  \
    CHECK<A>();                                                                          \
    return detail::binary<A>(ast::Op::OPKIND, detail::literal<A>(a), b);                 \
  }

/// min/max of floats propagate NaN and order -0 below +0 (IEEE-754 2019
/// minimum/maximum); of integers compare signed values.
SEQFUSE_BINARY_FN(min, Min, detail::checkNumeric)
SEQFUSE_BINARY_FN(max, Max, detail::checkNumeric)
/// pow(x, y) for floating point, as C's pow.
SEQFUSE_BINARY_FN(pow, Pow, detail::checkFloat)
#undef SEQFUSE_BINARY_FN

template <class A> Expr<A> operator-(const Expr<A> &a) {
  detail::checkNumeric<A>();
  return detail::unary(ast::Op::Neg, a);
}
/// Logical not of a bool expression.
template <class A> Expr<A> operator!(const Expr<A> &a) {
  detail::checkBoolOnly<A>();
  return detail::unary(ast::Op::Not, a);
}
/// Bitwise not of an integer expression.
template <class A> Expr<A> operator~(const Expr<A> &a) {
  static_assert(isInteger<A>, "seqfuse: ~ needs an integer expression; use ! for bool");
  return detail::unary(ast::Op::Not, a);
}
template <class A> Expr<A> abs(const Expr<A> &a) {
  detail::checkNumeric<A>();
  return detail::unary(ast::Op::Abs, a);
}
#define SEQFUSE_MATH_FN(NAME, OPKIND)                                                    \
  template <class A> Expr<A> NAME(const Expr<A> &a) {                                    \
    detail::checkFloat<A>();                                                             \
    return detail::unary(ast::Op::OPKIND, a);                                            \
  }
SEQFUSE_MATH_FN(exp, Exp)
SEQFUSE_MATH_FN(log, Log)
SEQFUSE_MATH_FN(sqrt, Sqrt)
SEQFUSE_MATH_FN(tanh, Tanh)
#undef SEQFUSE_MATH_FN

/// select(c, a, b): a where c holds, else b (both are evaluated).
template <class C, class A, class B>
Expr<A> select(const Expr<C> &c, const Expr<A> &a, const Expr<B> &b) {
  static_assert(std::is_same_v<C, bool>, "seqfuse: select's condition must be bool");
  detail::checkSameType<A, B>();
  return detail::wrap<A>(
      detail::makeNode(ast::Op::Select, dtypeOf<A>, {c.node(), a.node(), b.node()}));
}
template <class C, class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>
Expr<A> select(const Expr<C> &c, const Expr<A> &a, L b) {
  return select(c, a, detail::literal<A>(b));
}
template <class C, class A, class L, std::enable_if_t<std::is_arithmetic_v<L>, int> = 0>
Expr<A> select(const Expr<C> &c, L a, const Expr<A> &b) {
  return select(c, detail::literal<A>(a), b);
}

/// Explicit conversion. Float to integer truncates toward zero and saturates
/// at the integer type's range (NaN gives 0), so it is defined for every
/// input, unlike C++'s static_cast; integer narrowing wraps; to bool is
/// `!= 0`; integer to float rounds to nearest.
template <class To, class From> Expr<To> cast(const Expr<From> &e) {
  static_assert(isElement<To> || std::is_same_v<To, Index>,
                "seqfuse: cast<T> needs T = float, double, int32_t, int64_t, "
                "bool or Index");
  if constexpr (std::is_same_v<To, From>)
    return e;
  else
    return detail::wrap<To>(detail::makeNode(ast::Op::Cast, dtypeOf<To>, {e.node()}));
}

} // namespace seqfuse

#endif // SEQFUSE_DSL_EXPR_H
