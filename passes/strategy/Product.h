//===- Product.h - A linalg.contract read as x * W --------------*- C++ -*-===//
//
// The form of contraction the CPU's register-tile templates and the GPU's
// warp per element compute, read from a linalg.contract's indexing maps:
// what --llama4-select-lowering-config checks before choosing a template,
// and what --llama4-tile-contractions takes its operands from.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_STRATEGY_PRODUCT_H
#define LLAMA4C_PASSES_STRATEGY_PRODUCT_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace llama4c {

/// How W is laid out: nn.Linear's [out, in] (rows of W run along k), or
/// the MoE experts' [in, out] (rows run along n).
enum class WeightLayout { OutIn, InOut };

/// `out[lead..., m, n] += x[lead..., m, k] * W(n, k)` in f32, on tensors
/// or on buffers whose every operand's last dimension is contiguous.
struct Product {
  mlir::Value x, weight, out;
  WeightLayout layout;
  /// The extent of k, static for the [out, in] layout (dynamic otherwise).
  int64_t depth;
  /// Bytes of W when its shape is static, or nullopt.
  std::optional<int64_t> weightBytes;
};

/// `op` as such a product, or failure.
mlir::FailureOr<Product> matchProduct(mlir::linalg::ContractOp op);

} // namespace llama4c

#endif // LLAMA4C_PASSES_STRATEGY_PRODUCT_H
