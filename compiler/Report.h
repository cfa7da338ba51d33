//===- Report.h - Predicted GPU cost of a compiled model --------*- C++ -*-===//
//
// `llama4c compile CONFIG --target sm_90 --emit report -o report.json`:
// for one prefill of S tokens and one decode step at batch 1 and batch B
// (context S), each kernel's launches, global bytes read and written (the
// 32-byte sectors its warps touch, LaunchTrace.h), FLOPs, ptxas resources,
// and the time predicted at each GPU's HBM bandwidth, FMA or tensor-core
// peak and launch overhead, next to the roofline: the weight bytes a
// decode step must read over the bandwidth, the prefill's minimal FLOPs
// over the bf16 tensor-core peak. A model of the generated code, not a
// measurement; docs/design.md says what it leaves out.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_REPORT_H
#define LLAMA4C_COMPILER_REPORT_H

#include "compiler/CompileOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace llama4c {

struct Llama4Config;

/// Writes the report of `kernels` (the module after the GPU kernel
/// pipeline, before NVVM) to options.outputPath, with ptxas's resources of
/// `ptx`, and prints its summary lines to `summary`.
llvm::Error writeReport(mlir::ModuleOp kernels, llvm::StringRef ptx,
                        const Llama4Config &config,
                        const CompileOptions &options,
                        llvm::raw_ostream &summary);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_REPORT_H
