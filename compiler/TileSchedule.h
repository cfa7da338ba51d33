//===- TileSchedule.h - Tile sizes a user may override ----------*- C++ -*-===//
//
// The tiling parameters of the lowering that are choices rather than
// facts of the model, with the defaults the CPU target uses. `llama4c
// compile --pipeline FILE.yaml` overrides them, e.g.
//
//   attention_key_block: 64
//   cpu_weight_block_bytes: 65536
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_TILESCHEDULE_H
#define LLAMA4C_COMPILER_TILESCHEDULE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llama4c {

struct TileSchedule {
  /// Keys per block of attention's online softmax: the scores held at once
  /// are [query heads of a KV head, tokens, this].
  int64_t attentionKeyBlock = 128;
  /// Bytes of weight rows that every row of activations passes over before
  /// the next block (CPU matmuls).
  int64_t cpuWeightBlockBytes = 128 * 1024;
  /// Weights at least this large are split between threads (CPU).
  int64_t cpuParallelWeightBytes = 64 * 1024;
};

/// The schedule in the YAML file at `path`: a mapping of the keys above,
/// each optional. Errors name the file, line and column, on one line.
llvm::Expected<TileSchedule> readTileSchedule(llvm::StringRef path);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_TILESCHEDULE_H
