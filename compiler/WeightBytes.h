//===- WeightBytes.h - A compiled model's weights, by how steps read them -===//
//
// The weights a compiled module declares (its `llama4.weights`), in bytes,
// grouped by how a decode step reads them: the predictions of
// `--emit report` (Report.cpp, MemoryReport.cpp) start from here, and the
// manifest states each weight's group as its "role", from which a GPU
// runtime short of device memory chooses what stays in host memory.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_COMPILER_WEIGHTBYTES_H
#define LLAMA4C_COMPILER_WEIGHTBYTES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <string>

namespace llama4c {

struct Llama4Config;

/// How decode steps read a weight.
enum class WeightRole {
  EveryStep,     ///< whole, every step
  RoutedExperts, ///< the chosen experts' slices of an [E, in, out] tensor
  Embedding,     ///< a row a token (a table not tied to the LM head)
  Vision,        ///< for images only: the vision tower and projector
};

/// The roles of the weights of a model of one config, by name and type.
class WeightRoles {
public:
  explicit WeightRoles(const Llama4Config &config);
  WeightRole of(llvm::StringRef name, mlir::RankedTensorType type) const;

private:
  std::string embedding, vision, projector;
  bool tied;
  int64_t numExperts;
};

/// The manifest's name of `role` (llama4c/ManifestKeys.h).
const char *weightRoleName(WeightRole role);

struct WeightBytes {
  /// Text weights every step reads whole: attention, dense and shared
  /// MLPs, norms, routers, the LM head.
  double everyStep = 0;
  /// Routed experts ([E, in, out]), all of them; a token reads
  /// `chosen` of `experts`.
  double experts = 0;
  /// An embedding table not tied to the LM head: a row a token.
  double embedding = 0;
  double embeddingRow = 0;
  /// The vision tower and projector, read for images only.
  double vision = 0;
  /// Multiply-add parameters of `everyStep` and of `experts`.
  double everyStepParams = 0, expertParams = 0;
  int64_t numExperts = 0, chosen = 0;

  double total() const { return everyStep + experts + embedding + vision; }
  /// The expert bytes one token reads.
  double expertsPerToken() const {
    return numExperts ? experts * double(chosen) / double(numExperts) : 0;
  }
  /// The share of the routed experts `tokens` tokens choose, with routing
  /// taken as uniform: 1 - (1 - k/E)^tokens.
  double touchedExperts(int64_t tokens) const;
  /// The bytes a decode step of `batch` rows must read: every-step
  /// weights, an embedding row a token, and the experts the tokens choose.
  double decodeBytes(int64_t batch) const;
  /// The multiply-add parameters one token uses.
  double paramsPerToken() const;
};

WeightBytes weightBytes(mlir::ModuleOp module, const Llama4Config &config);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_WEIGHTBYTES_H
