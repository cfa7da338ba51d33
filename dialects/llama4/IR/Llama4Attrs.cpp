//===- Llama4Attrs.cpp - Verifiers of the llama4 attributes ---------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"

#include <cmath>

using namespace mlir;
using namespace mlir::llama4;

LogicalResult
Llama3RopeScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              APFloat factorValue, APFloat lowValue,
                              APFloat highValue,
                              int64_t originalMaxPositionEmbeddings) {
  double factor = factorValue.convertToDouble();
  double lowFreqFactor = lowValue.convertToDouble();
  double highFreqFactor = highValue.convertToDouble();
  if (!(factor > 0.0) || !std::isfinite(factor))
    return emitError()
           << "llama3 rope scaling factor must be finite and positive, got "
           << factor;
  if (!(lowFreqFactor > 0.0) || !std::isfinite(lowFreqFactor))
    return emitError()
           << "llama3 low_freq_factor must be finite and positive, got "
           << lowFreqFactor;
  if (!std::isfinite(highFreqFactor))
    return emitError() << "llama3 high_freq_factor must be finite, got "
                       << highFreqFactor;
  // low == high is Scout Instruct's setting: the blended band is then empty.
  if (highFreqFactor < lowFreqFactor)
    return emitError() << "llama3 high_freq_factor (" << highFreqFactor
                       << ") must not be below low_freq_factor ("
                       << lowFreqFactor << ")";
  if (originalMaxPositionEmbeddings <= 0)
    return emitError()
           << "llama3 original_max_position_embeddings must be positive, got "
           << originalMaxPositionEmbeddings;
  return success();
}

LogicalResult
TemperatureTuningAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              int64_t floorScale, APFloat attnScale) {
  if (floorScale <= 0)
    return emitError() << "temperature tuning floor_scale must be positive, got "
                       << floorScale;
  if (!std::isfinite(attnScale.convertToDouble()))
    return emitError() << "temperature tuning attn_scale must be finite";
  return success();
}

LogicalResult LoweringConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, LoweringPipeline pipeline,
    ArrayRef<int64_t> workgroup, ArrayRef<int64_t> registerTile,
    ArrayRef<int64_t> workgroupSize, bool distribute, int64_t splitK) {
  if (splitK < 1)
    return emitError() << "split_k must be at least 1, got " << splitK;
  if (splitK > 1 && pipeline != LoweringPipeline::gpu_thread_per_element &&
      pipeline != LoweringPipeline::gpu_warp_per_element)
    return emitError() << "only a GPU template splits its reduction";
  auto allPositive = [](ArrayRef<int64_t> sizes) {
    return llvm::all_of(sizes, [](int64_t size) { return size > 0; });
  };
  switch (pipeline) {
  case LoweringPipeline::cpu_loops:
    if (!workgroup.empty() || !registerTile.empty() || !workgroupSize.empty())
      return emitError() << "cpu_loops takes no tile sizes";
    return success();
  case LoweringPipeline::cpu_dot_tiles:
  case LoweringPipeline::cpu_bf16_dot_tiles:
  case LoweringPipeline::cpu_outer_product_tiles:
  case LoweringPipeline::cpu_bf16_outer_product_tiles:
    // (m, n, k): the CPU templates tile n into blocks, and hold a whole
    // (m, n, k) tile in registers.
    if (workgroup.size() != 3 || workgroup[0] != 0 || workgroup[1] <= 0 ||
        workgroup[2] != 0)
      return emitError() << "a CPU contraction's workgroup tile must be "
                            "[0, n, 0] with n positive";
    if (registerTile.size() != 3 || !allPositive(registerTile))
      return emitError() << "a CPU contraction's register tile must be "
                            "[m, n, lanes], each positive";
    if (!workgroupSize.empty())
      return emitError() << "a CPU config has no workgroup_size";
    return success();
  case LoweringPipeline::gpu_thread_per_element:
  case LoweringPipeline::gpu_warp_per_element:
    if (workgroupSize.size() != 1 || workgroupSize[0] < 32 ||
        workgroupSize[0] > 1024 || workgroupSize[0] % 32)
      return emitError() << stringifyLoweringPipeline(pipeline)
                         << " needs workgroup_size = [threads], a multiple "
                            "of 32 from 32 to 1024";
    // A thread may take several rows of x (tokens) at once: [rows]; a
    // decode query's lane some of its head dims: [columns]; a warp of
    // nn.Linear's product rows of x and of W: [rows, columns].
    if (pipeline == LoweringPipeline::gpu_thread_per_element &&
        (registerTile.size() > 1 || !allPositive(registerTile)))
      return emitError() << "gpu_thread_per_element's register tile must be "
                            "[n], n positive";
    if (registerTile.size() > 2 || !allPositive(registerTile))
      return emitError() << "gpu_warp_per_element's register tile must be "
                            "[n] or [m, n], each positive";
    // The loops a thread or warp takes: sizes, 0 for a whole loop.
    if (llvm::any_of(workgroup, [](int64_t size) { return size < 0; }))
      return emitError() << stringifyLoweringPipeline(pipeline)
                         << "'s workgroup tile must not be negative";
    if (distribute)
      return emitError() << stringifyLoweringPipeline(pipeline)
                         << " does not distribute";
    return success();
  }
  return emitError() << "unknown lowering pipeline";
}
