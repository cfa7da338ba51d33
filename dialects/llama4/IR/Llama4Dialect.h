//===- Llama4Dialect.h - The llama4 dialect, its attributes and ops -*- C++ -*-===//
//
// The one header that brings in the generated declarations; other code
// includes this file rather than the .inc files.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_DIALECTS_LLAMA4_IR_LLAMA4DIALECT_H
#define LLAMA4C_DIALECTS_LLAMA4_IR_LLAMA4DIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/TilingInterface.h"

#include "dialects/llama4/IR/Llama4Dialect.h.inc"
#include "dialects/llama4/IR/Llama4Enums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llama4/IR/Llama4Attrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/llama4/IR/Llama4Ops.h.inc"

namespace mlir::llama4 {
/// The unit attribute naming a product that no linalg.contract can
/// express: the linalg.generic of a routed expert's `x * W` in the
/// per-token dispatch, where each token indexes W by its own expert.
inline constexpr llvm::StringLiteral kGatheredProductAttrName =
    "llama4.gathered_product";
/// The argument attribute of an entry point's KV cache: {layer, kind =
/// "key" | "value", and either window = W (a chunked layer's [B, Hkv, W,
/// d] buffer) or page_size = P (a global layer's pool of pages [pages,
/// Hkv, P, d], which the entry point's block_table allots to its rows)}.
inline constexpr llvm::StringLiteral kKvCacheAttrName = "llama4.kv_cache";
inline constexpr llvm::StringLiteral kKvCacheWindow = "window";
inline constexpr llvm::StringLiteral kKvCachePageSize = "page_size";
/// The module attribute --llama4-emit-entry-points records for the
/// manifest: each KV cache argument's attribute with its buffer `type`,
/// in the order llama4c_call.kv_cache passes them.
inline constexpr llvm::StringLiteral kKvCacheListAttrName = "llama4.kv_caches";
} // namespace mlir::llama4

#endif // LLAMA4C_DIALECTS_LLAMA4_IR_LLAMA4DIALECT_H
