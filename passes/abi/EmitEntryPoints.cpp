//===- EmitEntryPoints.cpp - The C ABI of a compiled model ----------------===//
//
// --llama4-emit-entry-points: for each bufferized entry function F
// (prefill, decode) adds the exported
//
//   int32_t llama4c_F(const llama4c_call *call) (runtime/include/llama4c/abi.h)
//
// which reads the call struct field by field, wraps each pointer in the
// memref descriptor F expects (weights, tokens, positions, the tokens that
// get logits, pixel values, the block table, KV caches; dynamic sizes from
// batch, seq, logits_per_row, tiles, block_table_width and kv_pages,
// row-major strides), calls F and
// copies its logits into call->logits and their greedy tokens into
// call->next_tokens, each unless NULL. The caches, in the order the call
// passes them, are recorded as the module attribute `llama4.kv_caches` =
// [{layer, kind, window or page_size, type}, ...] for the manifest. F becomes
// private, so that later passes may drop its cache results (they alias the
// cache arguments) and pass its logits as an out-parameter.
//
// Descriptors are built as LLVM structs and cast to memrefs with
// unrealized_conversion_cast; the casts cancel once the memrefs are lowered
// to the same structs.
//
//===----------------------------------------------------------------------===//

#include "passes/abi/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4EMITENTRYPOINTSPASS
#include "passes/abi/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// Fields of llama4c_call, in declaration order.
enum CallField : int32_t {
  kWeights,
  kTokens,
  kPositions,
  kBatch,
  kSeq,
  kKvCache,
  kBlockTable,
  kBlockTableWidth,
  kKvPages,
  kLogitsAt,
  kLogitsPerRow,
  kLogits,
  kNextTokens,
  kPixelValues,
  kTiles,
};

class EntryBuilder {
public:
  EntryBuilder(OpBuilder &b, Location loc, Value call)
      : b(b), loc(loc), call(call), ptrType(LLVM::LLVMPointerType::get(b.getContext())),
        i64(b.getI64Type()) {
    callType = LLVM::LLVMStructType::getLiteral(
        b.getContext(),
        {ptrType, ptrType, ptrType, i64, i64, ptrType, ptrType, i64, i64,
         ptrType, i64, ptrType, ptrType, ptrType, i64});
  }

  Value field(CallField which) {
    Type type = callType.getBody()[which];
    Value address = LLVM::GEPOp::create(b, loc, ptrType, callType, call,
                                        ArrayRef<LLVM::GEPArg>{0, which});
    return LLVM::LoadOp::create(b, loc, type, address);
  }

  /// Element `index` of the pointer array `array`.
  Value pointerAt(Value array, int64_t index) {
    Value address = LLVM::GEPOp::create(b, loc, ptrType, ptrType, array,
                                        ArrayRef<LLVM::GEPArg>{index});
    return LLVM::LoadOp::create(b, loc, ptrType, address);
  }

  /// A dense row-major memref of `type` at `data`; `dynamicSizes` gives
  /// each dynamic dimension in order.
  Value memrefAt(MemRefType type, Value data, ArrayRef<Value> dynamicSizes) {
    int64_t rank = type.getRank();
    auto arrayType = LLVM::LLVMArrayType::get(i64, rank);
    auto descriptorType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), {ptrType, ptrType, i64, arrayType, arrayType});
    SmallVector<Value> sizes;
    unsigned nextDynamic = 0;
    for (int64_t dim : type.getShape())
      sizes.push_back(ShapedType::isDynamic(dim) ? dynamicSizes[nextDynamic++]
                                                 : constant(dim));
    Value descriptor = LLVM::UndefOp::create(b, loc, descriptorType);
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, data,
                                             ArrayRef<int64_t>{0});
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, data,
                                             ArrayRef<int64_t>{1});
    descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, constant(0),
                                             ArrayRef<int64_t>{2});
    Value stride = constant(1);
    for (int64_t dim = rank - 1; dim >= 0; --dim) {
      descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, sizes[dim],
                                               ArrayRef<int64_t>{3, dim});
      descriptor = LLVM::InsertValueOp::create(b, loc, descriptor, stride,
                                               ArrayRef<int64_t>{4, dim});
      stride = LLVM::MulOp::create(b, loc, stride, sizes[dim]);
    }
    return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
        .getResult(0);
  }

  Value constant(int64_t value) {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(value));
  }

private:
  OpBuilder &b;
  Location loc;
  Value call;
  Type ptrType;
  Type i64;
  LLVM::LLVMStructType callType;
};

struct EmitEntryPoints
    : llama4c::impl::Llama4EmitEntryPointsPassBase<EmitEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (StringRef name : {"prefill", "decode"}) {
      auto entry = module.lookupSymbol<func::FuncOp>(name);
      if (!entry) {
        module.emitError() << "no '" << name << "' function to export";
        return signalPassFailure();
      }
      if (failed(emitWrapper(module, entry)))
        return signalPassFailure();
    }
  }

  LogicalResult emitWrapper(ModuleOp module, func::FuncOp entry) {
    auto bufferOfRank = [&](unsigned result, int64_t rank) {
      auto type = dyn_cast<MemRefType>(entry.getResultTypes()[result]);
      return type && type.getRank() == rank;
    };
    if (entry.getNumResults() < 2 || !bufferOfRank(0, 3) || !bufferOfRank(1, 2))
      return entry.emitOpError()
             << "must return the logits [B, R, V] and their greedy tokens "
                "[B, R] as its first buffers";
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    Location loc = entry.getLoc();
    auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
    auto wrapper = func::FuncOp::create(
        b, loc, ("llama4c_" + entry.getSymName()).str(),
        b.getFunctionType({ptrType}, {b.getI32Type()}));
    Block *body = wrapper.addEntryBlock();
    b.setInsertionPointToStart(body);
    EntryBuilder call(b, loc, body->getArgument(0));

    Value batch = call.field(kBatch), seq = call.field(kSeq);
    Value weights = call.field(kWeights), caches = call.field(kKvCache);
    SmallVector<Value> arguments;
    // llama4c_call.kv_cache's buffers in order: their attributes and type.
    SmallVector<Attribute> cacheRecords;
    int64_t cacheIndex = 0;
    for (auto [index, argument] : llvm::enumerate(entry.getArguments())) {
      auto type = dyn_cast<MemRefType>(argument.getType());
      if (!type)
        return entry.emitOpError() << "argument " << index
                                   << " is not a buffer; run after bufferization";
      if (auto weight = entry.getArgAttrOfType<IntegerAttr>(index, "llama4.weight")) {
        arguments.push_back(
            call.memrefAt(type, call.pointerAt(weights, weight.getInt()), {}));
        continue;
      }
      if (auto cache = entry.getArgAttrOfType<DictionaryAttr>(
              index, mlir::llama4::kKvCacheAttrName)) {
        // A chunked layer's [B, Hkv, window, d] or a global layer's pool
        // [kv_pages, Hkv, page_size, d].
        auto window = cache.getAs<IntegerAttr>(mlir::llama4::kKvCacheWindow);
        auto pageSize =
            cache.getAs<IntegerAttr>(mlir::llama4::kKvCachePageSize);
        IntegerAttr slots = window ? window : pageSize;
        if (type.getRank() != 4 || !slots || (window && pageSize) ||
            type.getDimSize(2) != slots.getInt() ||
            llvm::count(type.getShape(), ShapedType::kDynamic) != 1 ||
            !type.isDynamicDim(0))
          return entry.emitOpError()
                 << "argument " << index
                 << " is not a KV cache [B, Hkv, window, d] or [pages, Hkv, "
                    "page_size, d] as its window or page_size says";
        NamedAttrList record(cache);
        record.set("type", TypeAttr::get(type));
        cacheRecords.push_back(record.getDictionary(b.getContext()));
        arguments.push_back(
            call.memrefAt(type, call.pointerAt(caches, cacheIndex++),
                          {window ? batch : call.field(kKvPages)}));
        continue;
      }
      auto role = entry.getArgAttrOfType<StringAttr>(index, "llama4.name");
      if (!role)
        return entry.emitOpError() << "argument " << index
                                   << " has no llama4 role to fill it from";
      if (role.getValue() == "tokens" || role.getValue() == "positions") {
        SmallVector<Value> sizes = {batch};
        if (type.isDynamicDim(1))
          sizes.push_back(seq);
        arguments.push_back(call.memrefAt(
            type, call.field(role.getValue() == "tokens" ? kTokens : kPositions),
            sizes));
      } else if (role.getValue() == "logits_at") {
        arguments.push_back(call.memrefAt(type, call.field(kLogitsAt),
                                          {batch, call.field(kLogitsPerRow)}));
      } else if (role.getValue() == "block_table") {
        arguments.push_back(
            call.memrefAt(type, call.field(kBlockTable),
                          {batch, call.field(kBlockTableWidth)}));
      } else if (role.getValue() == "pixel_values") {
        arguments.push_back(call.memrefAt(type, call.field(kPixelValues),
                                          {call.field(kTiles)}));
      } else {
        return entry.emitOpError() << "argument " << index << " has unknown role "
                                   << role;
      }
    }

    // Both entry points take the same caches: the manifest lists them once.
    auto recorded = ArrayAttr::get(b.getContext(), cacheRecords);
    if (auto previous = module->getAttr(mlir::llama4::kKvCacheListAttrName);
        previous && previous != recorded)
      return entry.emitOpError()
             << "takes other KV cache buffers than the entry point before it";
    module->setAttr(mlir::llama4::kKvCacheListAttrName, recorded);

    auto results = func::CallOp::create(b, loc, entry, arguments);
    // Result 0 to call->logits, result 1 to call->next_tokens, each
    // [batch, logits_per_row (or the static 1), ...], unless NULL.
    for (auto [result, field] : {std::pair{0u, kLogits}, {1u, kNextTokens}}) {
      auto type = cast<MemRefType>(entry.getResultTypes()[result]);
      Value data = call.field(field);
      Value given = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, data,
                                         LLVM::ZeroOp::create(b, loc, ptrType));
      auto ifGiven = scf::IfOp::create(b, loc, given);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifGiven.thenBlock()->getTerminator());
      SmallVector<Value> sizes = {batch};
      if (type.isDynamicDim(1))
        sizes.push_back(call.field(kLogitsPerRow));
      memref::CopyOp::create(b, loc, results.getResult(result),
                             call.memrefAt(type, data, sizes));
    }
    func::ReturnOp::create(
        b, loc,
        ValueRange{arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0))});
    entry.setPrivate();
    return success();
  }
};

} // namespace
