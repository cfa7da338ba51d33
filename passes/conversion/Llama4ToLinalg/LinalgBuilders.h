//===- LinalgBuilders.h - Pieces shared by the llama4 lowerings -*- C++ -*-===//
//
// Every llama4 lowering computes in f32 and rounds to the activation type
// where transformers does. These helpers hold that convention in one place:
// `Precision` converts scalars inside linalg.generic bodies, and the tensor
// builders make the empty, zero-filled and cast tensors the lowerings need.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_LINALGBUILDERS_H
#define LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_LINALGBUILDERS_H

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace llama4c {

/// Scalar conversions between a storage type (bf16, f16 or f32) and the f32
/// every lowering computes in.
class Precision {
public:
  explicit Precision(mlir::Type storage) : storage(storage) {}

  mlir::Type storageType() const { return storage; }
  /// `value` (of the storage type) widened to f32.
  mlir::Value widen(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::Value value) const;
  /// An f32 `value` narrowed to the storage type.
  mlir::Value narrow(mlir::OpBuilder &b, mlir::Location loc,
                     mlir::Value value) const;
  /// An f32 `value` rounded to the storage type and widened again: where
  /// transformers stores an intermediate in bf16, we round it the same way
  /// and keep computing in f32. The identity for f32 models.
  mlir::Value round(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::Value value) const;

private:
  mlir::Type storage;
};

/// `acc + value` for a reduction: marked reassociable so that LLVM may
/// vectorise the loop with several partial sums. This reorders f32
/// summation only (about 1e-7 relative), which transformers' own BLAS
/// kernels do as well.
mlir::Value accumulate(mlir::OpBuilder &b, mlir::Location loc, mlir::Value acc,
                       mlir::Value value);

/// An f32 constant.
mlir::Value constantF32(mlir::OpBuilder &b, mlir::Location loc, float value);

/// exp(x - max) of an online softmax, with a max of -inf (no visible key
/// yet) taken as 0 so that masked scores give 0 rather than NaN.
mlir::Value expBelowMax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value max);

/// The element type of a shaped value.
mlir::Type elementTypeOf(mlir::Value value);

/// The affine map from `rank` loops to the loop dimensions `which`, in
/// that order: how an operand of a linalg.generic is indexed.
mlir::AffineMap dims(mlir::MLIRContext *ctx, unsigned rank,
                     llvm::ArrayRef<unsigned> which);

/// The iterator types of a loop nest: `parallel` parallel loops, then
/// `reductions` reduction loops.
llvm::SmallVector<mlir::utils::IteratorType>
iterators(unsigned parallel, unsigned reductions = 0);

/// tensor.empty of `sizes` (static or dynamic) and `elementType`.
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes,
                        mlir::Type elementType);
/// A tensor of `sizes` filled with f32 zeros: the accumulator of a
/// reduction.
mlir::Value zerosF32(mlir::OpBuilder &b, mlir::Location loc,
                     llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// `value` converted elementwise to `elementType` (a float type): a
/// truncation or extension, or `value` itself when the types agree.
mlir::Value castElements(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value value, mlir::Type elementType);

/// The sub-tensor of `tensor` at the leading indices `index` (fewer than
/// its rank), with those dimensions dropped: a token's row, a sequence of a
/// batch, an expert's matrix, a KV head's keys.
mlir::Value sliceLeading(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value tensor, mlir::ValueRange index);

/// `into` with `value` written at the leading indices `index`: the inverse
/// of sliceLeading.
mlir::Value insertLeading(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value value, mlir::Value into,
                          mlir::ValueRange index);

/// `acc + widen(x) * widen(w)` summed over the loops that `maps` (those of
/// x, w and acc) leave out of acc's, as a linalg.contract: the named form
/// by which the targets' strategies recognise a product (its body is
/// fixed: extf, mulf, addf). Loops run in the maps' order, parallel ones
/// first.
mlir::Value buildContraction(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value x, mlir::Value w, mlir::Value acc,
                             llvm::ArrayRef<mlir::AffineMap> maps);

/// `result[..., n] = sum_k x[..., k] * w[n, k] (+ bias[n])` in f32 whatever
/// the operands' types, as one linalg.contract: the nn.Linear
/// product. `bias` may be null.
mlir::Value buildLinearF32(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value x, mlir::Value weight,
                           mlir::Value bias);

/// nn.Linear with the result rounded once to the input's element type.
mlir::Value buildLinear(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                        mlir::Value weight, mlir::Value bias);

/// Llama4TextMLP: `down(round(act(gate(x))) * up(x))` with nn.Linear
/// weights gate, up [F, D] and down [D, F], each product rounded.
mlir::Value buildGatedMlp(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value x, mlir::Value gate, mlir::Value up,
                          mlir::Value down, bool isSilu);

/// Computes one scalar per element of `init` (whose loops are all
/// parallel): `body` receives the elements of `inputs`, read through
/// `inputMaps` (from `init`'s loops), then the element of `init`.
mlir::Value
buildMap(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange inputs,
         llvm::ArrayRef<mlir::AffineMap> inputMaps, mlir::Value init,
         llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                        mlir::ValueRange)>
             body);

/// Folds the last dimension of `input` into `init` (one rank less):
/// `body(element, accumulator)` returns the new accumulator.
mlir::Value buildLastDimReduction(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Value input, mlir::Value init,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::Value, mlir::Value)>
        body);

/// Inside a linalg.generic over `x` [..., d] at `index`: element `self`
/// (the element at `index`, widened to f32) rotated with its partner in the
/// interleaved pair (lanes 2i, 2i+1 form one complex number) by `angle`,
/// in f32, and narrowed to `precision`'s storage type:
///   even lane: self cos - partner sin;  odd lane: partner sin + self cos.
mlir::Value rotateInterleavedPair(mlir::OpBuilder &b, mlir::Location loc,
                                  mlir::Value x, mlir::ValueRange index,
                                  mlir::Value self, mlir::Value angle,
                                  const Precision &precision);

/// The activation of a gated MLP applied to an f32 scalar: silu
/// `x * sigmoid(x)`, or the exact-erf gelu `x * (1 + erf(x / sqrt 2)) / 2`.
mlir::Value buildActivation(mlir::OpBuilder &b, mlir::Location loc,
                            bool isSilu, mlir::Value x);

} // namespace llama4c

#endif // LLAMA4C_PASSES_CONVERSION_LLAMA4TOLINALG_LINALGBUILDERS_H
