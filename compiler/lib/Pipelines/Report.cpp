//===- Report.cpp - what the pattern analysis found, as text --------------===//
#include "seqfuse/Pipelines/Report.h"
#include "seqfuse/Analysis/Bounds.h"
#include "seqfuse/Dialect/Seqfuse/LoopFormAttrs.h"
#include "seqfuse/Dialect/Seqfuse/SeqfuseOps.h"
#include "seqfuse/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace seqfuse;

namespace {

std::string attrText(Attribute a) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto str = dyn_cast<StringAttr>(a))
    return str.getValue().str();
  if (auto arr = dyn_cast<ArrayAttr>(a)) {
    for (auto [i, e] : llvm::enumerate(arr))
      s += (i ? ", " : "") + attrText(e);
    return s;
  }
  if (auto f = dyn_cast<FloatAttr>(a)) {
    llvm::SmallString<16> str;
    f.getValue().toString(str);
    return std::string(str);
  }
  if (auto i = dyn_cast<IntegerAttr>(a))
    return std::to_string(i.getValue().getSExtValue());
  os << a;
  return s;
}

/// The float policy of a fold whose combiner rounds (see FloatPolicyPass).
std::string floats(Operation *op) {
  auto fp = op->getAttrOfType<FloatPolicyAttr>("fp");
  if (!fp)
    return "";
  if (fp.getValue() == FloatPolicy::Strict)
    return "; floats: in the loop's order (strict_fp)";
  return "; floats: may be reassociated in a fixed order (identical run to run and for "
         "any thread count; Options::strictFP keeps the loop's order)";
}

/// Which way a fold runs: a `reverse` fold, or one raised from the user's
/// loopReverse (attrs::kReversed), goes from the last iteration down.
std::string direction(Operation *op) {
  return op->hasAttr("reverse") || op->hasAttr(attrs::kReversed)
             ? "in reverse (from the last iteration down), "
             : "";
}

std::string location(Operation *op) {
  auto at = op->getAttrOfType<StringAttr>("at");
  return at ? at.getValue().str() : fileLine(op->getLoc());
}

/// "add", or "min,add" for a fold of several accumulator groups.
std::string families(Attribute kind) {
  if (auto one = dyn_cast_or_null<FoldKindAttr>(kind))
    return stringifyFoldKind(one.getValue()).str();
  std::string s;
  if (auto list = dyn_cast_or_null<ArrayAttr>(kind))
    for (Attribute k : list)
      s += (s.empty() ? "" : ",") + families(k);
  return s.empty() ? "?" : s;
}

/// The lowering an op gets unless its lowering records another:
/// seqfuse-lower-patterns' exact loop.
constexpr const char *kAlgorithm = "; algorithm: sequential loop";

} // namespace

std::vector<ReportLine> seqfuse::patternReport(ModuleOp m) {
  std::vector<ReportLine> out;
  m->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "seqfuse" ||
        isa<YieldOp>(op))
      return;
    ReportLine r;
    r.location = location(op);
    r.pattern = op->getName().stripDialect().str();
    if (auto seq = dyn_cast<SequentialOp>(op)) {
      // The walk goes on into the kept loop: what was raised inside it (an
      // inner loop that is a map or a scan) is reported after it.
      r.detail = seq.getReason().str();
    } else if (isa<MapOp>(op)) {
      r.detail = std::string("iterations are independent") + kAlgorithm;
    } else if (isa<ScatterOp>(op)) {
      r.detail =
          "last writer wins into '" + tensorName(op->getOperand(2)) + "'" + kAlgorithm;
    } else if (isa<ScatterCombineOp>(op)) {
      r.detail = "histogram into '" + tensorName(op->getOperand(2)) + "', operator " +
                 families(op->getAttr("kind")) + floats(op) + kAlgorithm;
    } else {
      auto ids = op->getAttrOfType<ArrayAttr>("identity");
      auto states = op->getAttr(attrs::kStateNames);
      std::string inclusive;
      if (auto scan = dyn_cast<ScanOp>(op))
        inclusive = scan.getInclusive() ? "inclusive, " : "exclusive, ";
      r.detail = inclusive + direction(op) + "operator " + families(op->getAttr("kind")) +
                 (ids ? ", identity " + attrText(ids) : "") +
                 (states ? ", state " + attrText(states) : "") + floats(op) + kAlgorithm;
    }
    out.push_back(std::move(r));
  });
  return out;
}

std::vector<ReportLine> seqfuse::fusionReport(ModuleOp m) {
  std::vector<ReportLine> out;
  m->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (auto why = op->getAttrOfType<StringAttr>(kNotFusedAttr)) {
      auto after = op->getAttrOfType<StringAttr>(kNotFusedAfterAttr);
      ReportLine r;
      r.location = location(op);
      r.pattern = "not fused";
      r.detail = op->getName().stripDialect().str() + " runs as its own loop after the " +
                 (after ? after.getValue().str() : "op before it") + ": " +
                 why.getValue().str();
      out.push_back(std::move(r));
    }
    auto list = op->getAttrOfType<ArrayAttr>("fused");
    if (!list)
      return;
    ReportLine r;
    r.location = location(op);
    r.pattern = "fused";
    for (auto [k, a] : llvm::enumerate(list))
      r.detail += (k ? " + " : "") + cast<StringAttr>(a).getValue().str();
    r.detail += " run as one " + op->getName().stripDialect().str() + " loop";
    auto before = op->getAttrOfType<IntegerAttr>(kBytesBeforeAttr);
    auto after = op->getAttrOfType<IntegerAttr>(kBytesAfterAttr);
    if (before && after)
      r.detail +=
          " (bytes read and written per iteration: " + std::to_string(before.getInt()) +
          " as separate loops, " + std::to_string(after.getInt()) + " fused)";
    out.push_back(std::move(r));
  });
  return out;
}

void seqfuse::applyAlgorithms(std::vector<ReportLine> &lines, ModuleOp lowered) {
  auto records = lowered->getAttrOfType<ArrayAttr>(kAlgorithmsAttr);
  if (!records)
    return;
  llvm::SmallDenseSet<size_t> set; // lines a record of this module set
  for (Attribute a : records) {
    auto d = dyn_cast<DictionaryAttr>(a);
    auto at = d ? d.getAs<StringAttr>("at") : nullptr;
    auto algorithm = d ? d.getAs<StringAttr>("algorithm") : nullptr;
    auto pattern = d ? d.getAs<StringAttr>("pattern") : nullptr;
    if (!at || !algorithm)
      continue;
    StringRef what = pattern ? pattern.getValue() : "map";
    // The op the record is about: the line of that pattern at that place;
    // for an op fusion made, each of the ops it was made from (its "fused"
    // line lists them as "<pattern> at <file:line> + ...").
    std::vector<std::pair<std::string, std::string>> ops{{what.str(), at.str()}};
    for (const ReportLine &l : lines) {
      if (l.pattern != "fused" || l.location != at.getValue())
        continue;
      ops.clear();
      StringRef rest = StringRef(l.detail).split(" run as one ").first;
      while (!rest.empty()) {
        auto [one, tail] = rest.split(" + ");
        auto [p, where] = one.split(" at ");
        ops.emplace_back(p.str(), where.str());
        rest = tail;
      }
      break;
    }
    for (const auto &[p, where] : ops)
      for (size_t k = 0; k < lines.size(); ++k) {
        ReportLine &l = lines[k];
        if (l.pattern != p || l.location != where)
          continue;
        // A later record about the same op (e.g. how each rank runs what
        // the op became across ranks) adds to the first.
        if (set.contains(k)) {
          l.detail += "; " + algorithm.getValue().str();
          break;
        }
        size_t cut = l.detail.rfind(kAlgorithm);
        // A loop kept sequential has no algorithm of its own to replace.
        if (cut == std::string::npos && p == "sequential")
          cut = l.detail.size();
        if (cut == std::string::npos)
          continue;
        l.detail = l.detail.substr(0, cut) + "; algorithm: " + algorithm.getValue().str();
        set.insert(k);
        break; // one line per op
      }
  }
}
