//===- SeqfuseAttrs.td - fold families and the float policy -*- tablegen -*-===//
#ifndef SEQFUSE_DIALECT_SEQFUSE_ATTRS
#define SEQFUSE_DIALECT_SEQFUSE_ATTRS

include "seqfuse/Dialect/Seqfuse/SeqfuseDialect.td"
include "mlir/IR/EnumAttr.td"

def Seqfuse_FoldKind : I32EnumAttr<"FoldKind",
    "the recognised family of a fold's update function", [
  I32EnumAttrCase<"Add", 0, "add">,
  I32EnumAttrCase<"Mul", 1, "mul">,
  I32EnumAttrCase<"Min", 2, "min">,
  I32EnumAttrCase<"Max", 3, "max">,
  I32EnumAttrCase<"MinU", 4, "minu">,
  I32EnumAttrCase<"MaxU", 5, "maxu">,
  I32EnumAttrCase<"And", 6, "and">,
  I32EnumAttrCase<"Or", 7, "or">,
  I32EnumAttrCase<"Xor", 8, "xor">,
  I32EnumAttrCase<"ArgMin", 9, "argmin">,
  I32EnumAttrCase<"ArgMax", 10, "argmax">,
  I32EnumAttrCase<"ArgMinLast", 11, "argmin_last">,
  I32EnumAttrCase<"ArgMaxLast", 12, "argmax_last">,
  I32EnumAttrCase<"Affine", 13, "affine">,
  I32EnumAttrCase<"Linear", 14, "linear">,
  I32EnumAttrCase<"Clamp", 15, "clamp">,
  I32EnumAttrCase<"Reset", 16, "reset">,
  I32EnumAttrCase<"SegmentedAdd", 17, "segmented_add">,
  I32EnumAttrCase<"SegmentedMul", 18, "segmented_mul">,
  I32EnumAttrCase<"SegmentedMin", 19, "segmented_min">,
  I32EnumAttrCase<"SegmentedMax", 20, "segmented_max">,
  I32EnumAttrCase<"SegmentedMinU", 21, "segmented_minu">,
  I32EnumAttrCase<"SegmentedMaxU", 22, "segmented_maxu">,
  I32EnumAttrCase<"SegmentedAnd", 23, "segmented_and">,
  I32EnumAttrCase<"SegmentedOr", 24, "segmented_or">,
  I32EnumAttrCase<"SegmentedXor", 25, "segmented_xor">,
]> {
  let cppNamespace = "::seqfuse";
  let genSpecializedAttr = 0;
}

def Seqfuse_FoldKindAttr : EnumAttr<Seqfuse_Dialect, Seqfuse_FoldKind, "fold"> {
  let summary = "a fold family: monoid operators (add ... xor), argmin/argmax, "
                "affine, linear, clamp, reset and segmented monoids";
  let assemblyFormat = "`<` $value `>`";
}

def Seqfuse_FoldKindArrayAttr
    : TypedArrayAttrBase<Seqfuse_FoldKindAttr,
                         "the fold family of each group of accumulators">;

def Seqfuse_FloatPolicy : I32EnumAttr<"FloatPolicy",
    "whether a lowering may reassociate a fold's float rounding", [
  I32EnumAttrCase<"Reassociate", 0, "reassociate">,
  I32EnumAttrCase<"Strict", 1, "strict">,
]> {
  let cppNamespace = "::seqfuse";
  let genSpecializedAttr = 0;
}

def Seqfuse_FloatPolicyAttr : EnumAttr<Seqfuse_Dialect, Seqfuse_FloatPolicy, "fp"> {
  let summary = "reassociate: float + and * may be regrouped (in a fixed "
                "order); strict: every fold keeps the loop's order";
  let assemblyFormat = "`<` $value `>`";
}

#endif // SEQFUSE_DIALECT_SEQFUSE_ATTRS
