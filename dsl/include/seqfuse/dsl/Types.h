//===- Types.h - seqfuse element types -------------------------*- C++ -*-===//
//
// The element types a seqfuse program can hold, as C++ types and as a runtime
// tag. This header has no MLIR dependency: users include it.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_DSL_TYPES_H
#define SEQFUSE_DSL_TYPES_H

#include <cstdint>
#include <string_view>
#include <type_traits>

namespace seqfuse {

/// Tag type of loop variables and sizes: a signed 64-bit index (MLIR `index`).
struct Index {};

enum class DType : uint8_t { F32, F64, I32, I64, Bool, Index };

template <class T> struct DTypeOf {
  static_assert(sizeof(T) == 0,
                "seqfuse: unsupported element type; use float, double, "
                "int32_t, int64_t or bool");
};
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<Index> { static constexpr DType value = DType::Index; };

template <class T> inline constexpr DType dtypeOf = DTypeOf<T>::value;

/// Element types a tensor or scalar parameter may hold.
template <class T>
inline constexpr bool isElement =
    std::is_same_v<T, float> || std::is_same_v<T, double> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t> ||
    std::is_same_v<T, bool>;

template <class T>
inline constexpr bool isFloat = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
inline constexpr bool isInteger = std::is_same_v<T, int32_t> ||
                                  std::is_same_v<T, int64_t> ||
                                  std::is_same_v<T, Index>;

inline constexpr std::string_view dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F64: return "f64";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Bool: return "bool";
  case DType::Index: return "index";
  }
  return "?";
}

inline constexpr int dtypeBytes(DType t) {
  switch (t) {
  case DType::F32: case DType::I32: return 4;
  case DType::F64: case DType::I64: case DType::Index: return 8;
  case DType::Bool: return 1;
  }
  return 0;
}

inline constexpr bool dtypeIsFloat(DType t) { return t == DType::F32 || t == DType::F64; }

} // namespace seqfuse

#endif // SEQFUSE_DSL_TYPES_H
