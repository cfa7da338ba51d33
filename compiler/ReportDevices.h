//===- ReportDevices.h - The GPUs --emit report predicts for ----*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_REPORTDEVICES_H
#define LLAMA4C_COMPILER_REPORTDEVICES_H

#include "compiler/CompileOptions.h"
#include "passes/analysis/LaunchTrace.h"
#include "passes/gpu/Warp.h"

#include <cstdint>
#include <vector>

namespace llama4c::report {

/// A GPU's limits as its vendor's datasheet states them (dense, no
/// sparsity).
struct Device {
  const char *name;
  int64_t sms;
  /// Memory in bytes (the datasheet's GB, 10^9 bytes).
  double memoryBytes;
  double hbmBytesPerSecond;
  /// L1 bandwidth of all SMs: kL1BytesPerClock each, at the boost clock.
  double l1BytesPerSecond;
  double tensorBf16FlopsPerSecond;
  double fmaF32FlopsPerSecond;
};

/// The GPUs a target runs on: sm_90 code on H200 and H100 SXM (132 SMs,
/// 1.98 GHz), sm_80 on A100 SXM 80 GB (108 SMs, 1.41 GHz). The first is
/// the one the summary names.
inline std::vector<Device> devicesOf(Target target) {
  if (target == Target::Sm80)
    return {{"A100-SXM-80GB", kSm80Sms, 80e9, 2.039e12,
             kSm80Sms * kL1BytesPerClock * 1.41e9, 312e12, 19.5e12}};
  return {{"H200", kSm90Sms, 141e9, 4.8e12,
           kSm90Sms * kL1BytesPerClock * 1.98e9, 989e12, 67e12},
          {"H100-SXM", kSm90Sms, 80e9, 3.35e12,
           kSm90Sms * kL1BytesPerClock * 1.98e9, 989e12, 67e12}};
}

} // namespace llama4c::report

#endif // LLAMA4C_COMPILER_REPORTDEVICES_H
