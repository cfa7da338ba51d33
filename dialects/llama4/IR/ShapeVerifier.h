//===- ShapeVerifier.h - Shape checks shared by the op verifiers -*- C++ -*-===//
//
// Every llama4 op verifier is a list of shape relations between its
// operands ("the weight's in-dimension equals the input's last dimension").
// ShapeVerifier states them in one line each and words the diagnostics the
// same way for every op, always quoting the offending shapes. The first
// failing check emits the error; later checks are skipped, so a check may
// index dimensions that an earlier rank check guarantees.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_DIALECTS_LLAMA4_IR_SHAPEVERIFIER_H
#define LLAMA4C_DIALECTS_LLAMA4_IR_SHAPEVERIFIER_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <string>

namespace mlir::llama4 {

/// Formats a shaped type's shape as "[?, ?, 5120]".
std::string formatShape(Type type);

class ShapeVerifier {
public:
  explicit ShapeVerifier(Operation *op) : op(op) {}

  /// `what` has exactly `rank` dimensions.
  ShapeVerifier &rank(StringRef what, Value value, int64_t rank);
  /// `what` has at least `rank` dimensions.
  ShapeVerifier &minRank(StringRef what, Value value, int64_t rank);
  /// Dimension `i` of `a` equals dimension `j` of `b`; negative indices count
  /// from the back. A dynamic dimension agrees with anything.
  ShapeVerifier &sameDim(StringRef whatA, Value a, int64_t i, StringRef whatB,
                         Value b, int64_t j);
  /// Dimension `i` of `value`, when static, equals `expected`; `meaning`
  /// says where the expected size comes from.
  ShapeVerifier &dimIs(StringRef what, Value value, int64_t i, int64_t expected,
                       StringRef meaning);
  /// All values share one element type.
  ShapeVerifier &sameElementType(ArrayRef<std::pair<StringRef, Value>> values);
  /// The op's single result has a shape compatible with `expected`
  /// (ShapedType::kDynamic for sizes the operands leave open).
  ShapeVerifier &resultShape(ArrayRef<int64_t> expected);
  /// A relation not covered above; `message` is emitted when it fails.
  ShapeVerifier &check(bool holds, const Twine &message);

  /// True once a check has failed (and emitted its error).
  bool hasFailed() const { return failed; }
  /// success() when every check held.
  LogicalResult verified() const { return failure(failed); }

private:
  bool fail(const Twine &message);

  Operation *op;
  bool failed = false;
};

} // namespace mlir::llama4

#endif // LLAMA4C_DIALECTS_LLAMA4_IR_SHAPEVERIFIER_H
