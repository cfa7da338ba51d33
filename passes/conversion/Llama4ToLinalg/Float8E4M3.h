//===- Float8E4M3.h - KV caches stored as float8 e4m3 -----------*- C++ -*-===//
//
// `llama4c compile --kv-dtype fp8` stores each cached vector (one head's
// key or value at one position) as f8E4M3FN codes with an f32 scale, a
// power of two (llama4.kv_cache_update states the math). LLVM has no fp8
// type on the host and MLIR's arith does not expand e4m3 conversions, so
// they are integer arithmetic on the codes' bits here, the same on every
// target.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_FLOAT8E4M3_H
#define LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_FLOAT8E4M3_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <utility>

namespace llama4c {

/// The vectors `rows` [..., d] (of any float type) as f8E4M3FN codes
/// [..., d] and their f32 scales [..., 1].
std::pair<mlir::Value, mlir::Value>
quantizeE4M3Rows(mlir::OpBuilder &b, mlir::Location loc, mlir::Value rows);

/// The vectors of f8E4M3FN `codes` [..., d] times their `scales`
/// [..., 1], in `elementType`: exact, for bf16 as for f32.
mlir::Value dequantizeE4M3Rows(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::Value codes, mlir::Value scales,
                               mlir::Type elementType);

} // namespace llama4c

#endif // LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_FLOAT8E4M3_H
