//===- TileSchedule.h - Tile sizes a user may override ----------*- C++ -*-===//
//
// The tiling parameters of the lowering that are choices rather than
// facts of the model, with the defaults the CPU target uses. `llama4c
// compile --pipeline FILE.yaml` overrides them, and so do the options of
// llama4-opt's registered pipelines, under the same names
// (`--llama4-cpu-pipeline="attention_key_block=3"`), e.g.
//
//   attention_key_block: 64
//   cpu_attention_query_block: 64
//   cpu_weight_block_bytes: 65536
//   gpu_block_threads: 128
//   gpu_warp_rows: 2
//   gpu_warp_columns: 4
//   gpu_expert_rows: 4
//   gpu_lane_accumulators: 64
//   gpu_split_k_depth: 512
//   gpu_attention_split_keys: 512
//   gpu_chained_entry: ""
//   moe_dispatch: per-token
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_TILESCHEDULE_H
#define LLAMA4C_COMPILER_TILESCHEDULE_H

#include "passes/conversion/Passes.h"
#include "passes/cpu/Passes.h"
#include "passes/gpu/Passes.h"
#include "passes/strategy/Passes.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace llama4c {

/// The name of each setting, in YAML files and pipeline options alike.
namespace schedule_keys {
inline constexpr llvm::StringLiteral attentionKeyBlock = "attention_key_block";
inline constexpr llvm::StringLiteral cpuAttentionQueryBlock =
    "cpu_attention_query_block";
inline constexpr llvm::StringLiteral cpuWeightBlockBytes =
    "cpu_weight_block_bytes";
inline constexpr llvm::StringLiteral cpuTeamMultiplyAdds =
    "cpu_team_multiply_adds";
inline constexpr llvm::StringLiteral gpuBlockThreads = "gpu_block_threads";
inline constexpr llvm::StringLiteral gpuWarpRows = "gpu_warp_rows";
inline constexpr llvm::StringLiteral gpuWarpColumns = "gpu_warp_columns";
inline constexpr llvm::StringLiteral gpuExpertRows = "gpu_expert_rows";
inline constexpr llvm::StringLiteral gpuLaneAccumulators =
    "gpu_lane_accumulators";
inline constexpr llvm::StringLiteral gpuSplitKDepth = "gpu_split_k_depth";
inline constexpr llvm::StringLiteral gpuAttentionSplitKeys =
    "gpu_attention_split_keys";
inline constexpr llvm::StringLiteral gpuChainedEntry = "gpu_chained_entry";
inline constexpr llvm::StringLiteral moeDispatch = "moe_dispatch";
} // namespace schedule_keys

/// Each default is the option default of the pass that takes the setting
/// (its Passes.td), so that it is written once.
struct TileSchedule {
  /// Keys per block of attention's online softmax: the scores held at once
  /// are [query heads of a KV head, tokens, this].
  int64_t attentionKeyBlock =
      Llama4ConvertToLinalgPassOptions().attentionKeyBlock;
  /// Most queries of a KV head that attend at once on the CPU, a block of
  /// consecutive positions that visits only the keys it may see.
  int64_t cpuAttentionQueryBlock =
      Llama4DecomposeOnlineAttentionPassOptions().queryBlock;
  /// Bytes of weight rows that every row of activations passes over before
  /// the next block (CPU matmuls).
  int64_t cpuWeightBlockBytes =
      Llama4SelectLoweringConfigPassOptions().cpuWeightBlockBytes;
  /// Fewest multiply-adds of a parallel region (a product's split loop, a
  /// call's attention heads) that the CPU threads share.
  int64_t cpuTeamMultiplyAdds =
      Llama4TileContractionsPassOptions().teamMultiplyAdds;
  /// Threads per block of every GPU kernel but a decode step's attention,
  /// one warp a block (a multiple of the 32-thread warp, at most 1024).
  int64_t gpuBlockThreads =
      Llama4SelectLoweringConfigPassOptions().gpuBlockThreads;
  /// Rows of x (tokens) a GPU warp takes at once in nn.Linear's product,
  /// sharing each load of W.
  int64_t gpuWarpRows = Llama4SelectLoweringConfigPassOptions().gpuWarpRows;
  /// Rows of W (output columns) a GPU warp takes at once in nn.Linear's
  /// product, sharing each load of x.
  int64_t gpuWarpColumns =
      Llama4SelectLoweringConfigPassOptions().gpuWarpColumns;
  /// Rows of x (tokens) grouped in a routed expert's product on a GPU,
  /// rows of a group choosing one expert sharing each load of its W.
  int64_t gpuExpertRows = Llama4SelectLoweringConfigPassOptions().gpuExpertRows;
  /// Floats of a decode step's query group's accumulators a lane of its
  /// GPU warp holds at most: lanes split each key's head dims until they
  /// fit.
  int64_t gpuLaneAccumulators =
      Llama4SelectLoweringConfigPassOptions().gpuLaneAccumulators;
  /// Fewest reduction steps a GPU thread keeps when a product with too few
  /// outputs splits its reduction between threads (0: no split).
  int64_t gpuSplitKDepth =
      Llama4SelectLoweringConfigPassOptions().gpuSplitKDepth;
  /// Fewest keys a split of a decode step's attention takes on a GPU.
  int64_t gpuAttentionSplitKeys =
      Llama4GpuSplitReductionPassOptions().attentionSplitKeys;
  /// The host entry point whose GPU launches (its own and its callees')
  /// chain into one launch where they can; empty for none.
  std::string gpuChainedEntry = Llama4GpuChainLaunchesPassOptions().entry;
  /// How MoE tokens reach their experts: "grouped" or "per-token"
  /// (MoeToLinalg.cpp); empty for the target's own (CPU grouped, GPU
  /// per-token, the only one a GPU can run).
  std::string moeDispatch;
};

/// A schedule is a few lines of keys; anything past this is not one, and
/// is refused before it is read.
constexpr uint64_t kMaxTileScheduleBytes = uint64_t(64) << 10;
/// Levels of YAML nesting refused before LLVM's reader, which recurses per
/// level, sees them.
constexpr int kMaxTileScheduleNesting = 16;
/// Commas refused before LLVM's reader sees them: it recurses once per
/// flow-entry separator that follows another.
constexpr int kMaxTileScheduleCommas = 256;

/// The schedule in the YAML file at `path`: a mapping of the keys above,
/// each optional. Errors name the file, line and column, on one line; an
/// unreadable file is refused as runtime/support/InputFile.h says.
llvm::Expected<TileSchedule> readTileSchedule(llvm::StringRef path);
/// readTileSchedule of `text`, read from `path`.
llvm::Expected<TileSchedule> parseTileSchedule(llvm::StringRef text,
                                               llvm::StringRef path);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_TILESCHEDULE_H
