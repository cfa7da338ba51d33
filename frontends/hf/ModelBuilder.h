//===- ModelBuilder.h - Shared state of the module builders -----*- C++ -*-===//
//
// Private to frontends/hf: the text decoder (BuildLlama4Module.cpp) and the
// vision tower (BuildVisionTower.cpp) build into one module through this
// class, which declares each checkpoint tensor once and names every op's
// location after the Hugging Face module that computes it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_FRONTENDS_HF_MODELBUILDER_H
#define LLAMA4C_FRONTENDS_HF_MODELBUILDER_H

#include "frontends/hf/Llama4Config.h"
#include "frontends/hf/WeightNames.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace llama4c {

class ModelBuilder {
public:
  ModelBuilder(mlir::ModuleOp module, const Llama4Config &config,
               mlir::Type elementType, llvm::StringRef configPath);

  /// Reads checkpoint tensor `name` of `shape`, declaring it on first use.
  mlir::Value weight(llvm::StringRef name, llvm::ArrayRef<int64_t> shape);

  /// A location named after the Hugging Face module path, e.g.
  /// "language_model.model.layers.3.self_attn".
  mlir::Location loc(const llvm::Twine &modulePath);

  /// A tensor of `shape` in the compute element type.
  mlir::RankedTensorType tensor(llvm::ArrayRef<int64_t> shape) const;

  /// [..., heads * headDim] -> [..., heads, headDim].
  mlir::Value splitHeads(mlir::Value x, int64_t heads, int64_t headDim,
                         mlir::Location loc);
  /// [..., heads, headDim] -> [..., heads * headDim].
  mlir::Value mergeHeads(mlir::Value x, mlir::Location loc);

  /// The vision tower, adapter and projector: pixel_values [N, C, I, I] ->
  /// image feature rows [N * tokensPerTile, D].
  mlir::Value visionFeatures(mlir::Value pixelValues);

  mlir::OpBuilder b;
  const Llama4Config &config;
  const WeightNames names;

private:
  mlir::ModuleOp module;
  mlir::Type elementType;
  mlir::Location fileLoc;
  /// Declared weights by name, and where the next declaration goes.
  llvm::StringMap<mlir::Operation *> declared;
  mlir::Operation *lastDeclaration = nullptr;
};

} // namespace llama4c

#endif // LLAMA4C_FRONTENDS_HF_MODELBUILDER_H
