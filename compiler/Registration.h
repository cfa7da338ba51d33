//===- Registration.h - What a llama4c compile needs registered -*- C++ -*-===//

#ifndef LLAMA4C_COMPILER_REGISTRATION_H
#define LLAMA4C_COMPILER_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace llama4c {

/// The llama4 dialect and the interface implementations (bufferization,
/// deallocation) that the pipelines of compiler/Pipeline.cpp rely on but
/// that upstream dialects only attach when asked to.
void registerLlama4cDialects(mlir::DialectRegistry &registry);

} // namespace llama4c

#endif // LLAMA4C_COMPILER_REGISTRATION_H
