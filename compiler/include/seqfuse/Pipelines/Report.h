//===- Report.h - what the pattern analysis found, as text ------*- C++ -*-===//
//
// The compiler writes the report: one line per pattern op (and per kept
// loop, with the reason), read off the IR of the pattern and fused stages.
// The runtime turns the lines into seqfuse::Remark.
//
//===----------------------------------------------------------------------===//
#ifndef SEQFUSE_PIPELINES_REPORT_H
#define SEQFUSE_PIPELINES_REPORT_H

#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
}

namespace seqfuse {

struct ReportLine {
  std::string location; ///< the user's "file:line"
  std::string pattern;  ///< "map", "reduce", "scan", "scatter", "scatter_combine",
                        ///< "fused" or "sequential"
  std::string detail;   ///< operator, identity, states, direction, float policy,
                        ///< algorithm; or the reason
};

/// One line per seqfuse op of the pattern stage, in program order, patterns
/// raised inside a loop kept sequential included (after that loop's line).
std::vector<ReportLine> patternReport(mlir::ModuleOp module);

/// One line per op the fusion stage made: which patterns run as one loop.
std::vector<ReportLine> fusionReport(mlir::ModuleOp module);

/// After the lowerings: each line's algorithm as the lowering of its op
/// recorded it (the module's `seqfuse.algorithms`), in place of "sequential
/// loop".
void applyAlgorithms(std::vector<ReportLine> &lines, mlir::ModuleOp lowered);

} // namespace seqfuse

#endif // SEQFUSE_PIPELINES_REPORT_H
