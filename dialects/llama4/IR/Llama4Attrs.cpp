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
