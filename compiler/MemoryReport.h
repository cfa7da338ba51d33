//===- MemoryReport.h - Predicted device memory of a compiled model -*- C++
//-*-===//
//
// The "memory" part of `--emit report`: the weights by how a decode step
// reads them (WeightBytes.h), the KV caches of the decode entry point at
// contexts from 1K tokens to max_position_embeddings, as the runtime
// allocates them next to transformers' DynamicCache for the same config,
// and, on each GPU, whether weights and cache fit, and where they do not,
// what the runtime's placement reads from host memory per decode step and
// per prefill call, and the decode rate that predicts over PCIe and
// NVLink-C2C. A model of a layout, not a measurement.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_MEMORYREPORT_H
#define LLAMA4C_COMPILER_MEMORYREPORT_H

#include "compiler/ReportDevices.h"
#include "compiler/WeightBytes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <vector>

namespace llama4c::report {

/// The KV caches an entry point takes (its llama4.kv_cache arguments),
/// for one batch row.
class KvCaches {
public:
  static KvCaches of(mlir::func::FuncOp entry);

  /// Bytes the runtime allocates for `context` positions: a chunked
  /// layer's window whatever the context, a global layer's pages holding
  /// every position.
  double allocated(int64_t context) const;
  /// Bytes a decode step at `context` reads: a window's keys of the chunk
  /// so far, ((context - 1) mod W) + 1, a global layer's all.
  double live(int64_t context) const;
  /// The chunked layers' windows, whatever the context.
  double windows() const;
  /// What a decode step at `context` reads of the global layers.
  double globalLive(int64_t context) const;
  /// Bytes transformers' DynamicCache holds between calls: a chunked
  /// layer's last W - 1 positions (DynamicSlidingWindowLayer with the
  /// attention chunk as its window), a global layer's all.
  double transformers(int64_t context) const;

private:
  struct Cache {
    int64_t window;   ///< 0: a global layer's, one slot a position
    int64_t pageSize; ///< a global layer's slots a page
    double slotBytes;
  };
  /// The caches' bytes at `context`: a global layer's every position, a
  /// window of W slots `windowSlots(W)` of them.
  double bytes(int64_t context,
               llvm::function_ref<int64_t(int64_t)> windowSlots) const;

  std::vector<Cache> caches;
};

/// The memory report of a model whose decode entry point is `decode`, for
/// `devices`, with the summary's line for `context` tokens. Prefill calls
/// of `prefillTokens` stream the experts they touch.
llvm::json::Object memoryReport(mlir::func::FuncOp decode,
                                const WeightBytes &weights, int64_t maxContext,
                                int64_t context, int64_t prefillTokens,
                                llvm::ArrayRef<Device> devices,
                                llvm::raw_ostream &summary);

} // namespace llama4c::report

#endif // LLAMA4C_COMPILER_MEMORYREPORT_H
