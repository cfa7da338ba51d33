//===- ShapeVerifier.cpp - Shape checks shared by the op verifiers --------===//

#include "dialects/llama4/IR/ShapeVerifier.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::llama4;

static std::string formatDims(ArrayRef<int64_t> dims) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(dims, os, [&](int64_t dim) {
    if (ShapedType::isDynamic(dim))
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return text;
}

std::string mlir::llama4::formatShape(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return "unranked";
  return formatDims(shaped.getShape());
}

static ArrayRef<int64_t> shapeOf(Value value) {
  return cast<ShapedType>(value.getType()).getShape();
}

static std::string formatDim(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

bool ShapeVerifier::fail(const Twine &message) {
  if (!failed)
    op->emitOpError() << message;
  failed = true;
  return false;
}

ShapeVerifier &ShapeVerifier::rank(StringRef what, Value value, int64_t rank) {
  if (!failed && static_cast<int64_t>(shapeOf(value).size()) != rank)
    fail(what + " must have rank " + Twine(rank) + ", got " +
         formatShape(value.getType()));
  return *this;
}

ShapeVerifier &ShapeVerifier::minRank(StringRef what, Value value,
                                      int64_t rank) {
  if (!failed && static_cast<int64_t>(shapeOf(value).size()) < rank)
    fail(what + " must have rank " + Twine(rank) + " or more, got " +
         formatShape(value.getType()));
  return *this;
}

ShapeVerifier &ShapeVerifier::sameDim(StringRef whatA, Value a, int64_t i,
                                      StringRef whatB, Value b, int64_t j) {
  if (failed)
    return *this;
  ArrayRef<int64_t> shapeA = shapeOf(a), shapeB = shapeOf(b);
  int64_t ia = i < 0 ? shapeA.size() + i : i;
  int64_t jb = j < 0 ? shapeB.size() + j : j;
  int64_t dimA = shapeA[ia], dimB = shapeB[jb];
  if (ShapedType::isDynamic(dimA) || ShapedType::isDynamic(dimB) || dimA == dimB)
    return *this;
  if (a == b) {
    fail(whatA + " dim " + Twine(ia) + " (" + formatDim(dimA) +
         ") must equal dim " + Twine(jb) + " (" + formatDim(dimB) + "): " +
         whatA + " is " + formatShape(a.getType()));
    return *this;
  }
  fail(whatA + " dim " + Twine(ia) + " (" + formatDim(dimA) + ") must equal " +
       whatB + " dim " + Twine(jb) + " (" + formatDim(dimB) + "): " + whatA +
       " is " + formatShape(a.getType()) + ", " + whatB + " is " +
       formatShape(b.getType()));
  return *this;
}

ShapeVerifier &ShapeVerifier::dimIs(StringRef what, Value value, int64_t i,
                                    int64_t expected, StringRef meaning) {
  if (failed)
    return *this;
  ArrayRef<int64_t> shape = shapeOf(value);
  int64_t index = i < 0 ? shape.size() + i : i;
  if (!ShapedType::isDynamic(shape[index]) && shape[index] != expected)
    fail(what + " dim " + Twine(index) + " must be " + Twine(expected) + " (" +
         meaning + "), got " + formatShape(value.getType()));
  return *this;
}

ShapeVerifier &
ShapeVerifier::sameElementType(ArrayRef<std::pair<StringRef, Value>> values) {
  if (failed || values.empty())
    return *this;
  auto [firstName, first] = values.front();
  Type expected = getElementTypeOrSelf(first.getType());
  for (auto [name, value] : values.drop_front()) {
    Type actual = getElementTypeOrSelf(value.getType());
    if (actual == expected)
      continue;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << name << " element type " << actual << " must match " << firstName
       << " element type " << expected;
    fail(text);
    break;
  }
  return *this;
}

ShapeVerifier &ShapeVerifier::resultShape(ArrayRef<int64_t> expected) {
  if (failed)
    return *this;
  ArrayRef<int64_t> actual = shapeOf(op->getResult(0));
  if (mlir::failed(verifyCompatibleShape(actual, expected)))
    fail("result shape " + formatDims(actual) + " must be " +
         formatDims(expected));
  return *this;
}

ShapeVerifier &ShapeVerifier::check(bool holds, const Twine &message) {
  if (!failed && !holds)
    fail(message);
  return *this;
}
