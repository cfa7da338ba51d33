//===- Llama4Dialect.cpp - Registration of the llama4 dialect -------------===//

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::llama4;

#include "dialects/llama4/IR/Llama4Dialect.cpp.inc"
#include "dialects/llama4/IR/Llama4Enums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/llama4/IR/Llama4Attrs.cpp.inc"

void Llama4Dialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/llama4/IR/Llama4Attrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/llama4/IR/Llama4Ops.cpp.inc"
      >();
}
