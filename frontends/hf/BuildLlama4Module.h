//===- BuildLlama4Module.h - config.json -> llama4 module -------*- C++ -*-===//
//
// Builds the llama4 dialect module of a parsed config: `llama4.weight`
// declarations for every checkpoint tensor, and the entry functions
//
//   prefill(tokens [B, S], positions [B, S], logits_at [B, R],
//           [pixel_values [N, C, I, I]], [block_table [B, T]],
//           key/value cache of every layer)
//       -> (logits [B, R, V] of the tokens logits_at names,
//           their greedy tokens [B, R], caches)
//   decode (tokens [B, 1], positions [B, 1], [block_table [B, T]], caches)
//       -> (logits [B, 1, V], greedy tokens [B, 1], caches)
//
// with dynamic B, S, R, N and T. pixel_values is present for multimodal
// configs, block_table where there are global layers, whose caches are
// pools of pages (KvCacheLayout.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_BUILDLLAMA4MODULE_H
#define LLAMA4C_FRONTENDS_HF_BUILDLLAMA4MODULE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace llama4c {

struct Llama4Config;

/// The element type of weights and activations in the compiled model.
enum class ComputeType { BF16, F32 };

/// What the KV caches hold: the compute type, or float8 e4m3 codes with a
/// scale per cached vector (llama4.kv_cache_update).
enum class KvCacheType { Compute, F8E4M3 };

struct BuildOptions {
  ComputeType computeType = ComputeType::BF16;
  /// The config.json the module comes from; op locations point at it.
  llvm::StringRef configPath;
  /// Positions per page of a global layer's KV cache.
  int64_t kvPageSize = 256;
  KvCacheType kvCacheType = KvCacheType::Compute;
};

/// Builds the module; the result still has to pass mlir::verify, which the
/// caller runs so that it can report the diagnostics its own way.
mlir::OwningOpRef<mlir::ModuleOp> buildLlama4Module(mlir::MLIRContext &context,
                                                    const Llama4Config &config,
                                                    const BuildOptions &options);

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_BUILDLLAMA4MODULE_H
