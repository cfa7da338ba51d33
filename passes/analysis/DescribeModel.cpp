//===- DescribeModel.cpp - What each layer of a model computes ------------===//
//
// --llama4-describe-model: walks `prefill` in program order, into the
// functions it calls. Each
// llama4.attention starts a decoder layer; how its query was produced
// (rope, qk_norm, neither) tells RoPE from NoPE; the next moe or
// swiglu_mlp is that layer's feed-forward.
//
//===----------------------------------------------------------------------===//

#include "passes/analysis/Passes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4DESCRIBEMODELPASS
#include "passes/analysis/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// 500000 rather than 5.000000e+05.
auto shortNumber(double value) { return llvm::format("%g", value); }

int64_t dimOf(Value value, unsigned dim) {
  return cast<ShapedType>(value.getType()).getDimSize(dim);
}

/// "chunked attention (chunk 8192), rope (theta 500000, llama3 x16), qk_norm"
void describeAttention(llama4::AttentionOp attention, llvm::raw_ostream &os) {
  int64_t chunk = attention.getChunkSizeAttr().getInt();
  if (chunk > 0)
    os << "chunked attention (chunk " << chunk << ")";
  else
    os << "global attention";

  Value query = attention.getQuery();
  auto qkNorm = query.getDefiningOp<llama4::QkNormOp>();
  if (qkNorm)
    query = qkNorm.getInput();
  if (auto rope = query.getDefiningOp<llama4::RopeOp>()) {
    os << ", rope (theta " << shortNumber(rope.getTheta().convertToDouble());
    if (auto scaling = rope.getScalingAttr())
      os << ", llama3 x" << shortNumber(scaling.getFactor().convertToDouble());
    os << ")";
  } else {
    os << ", nope";
  }
  if (qkNorm)
    os << ", qk_norm";
  if (auto temperature = attention.getTemperatureTuningAttr())
    os << ", temperature tuning (floor " << temperature.getFloorScale()
       << ", scale " << shortNumber(temperature.getAttnScale().convertToDouble()) << ")";
}

void describeFeedForward(Operation *op, llvm::raw_ostream &os) {
  if (auto moe = dyn_cast<llama4::MoeOp>(op)) {
    os << "moe (" << dimOf(moe.getRouter(), 0) << " experts, top-"
       << moe.getTopKAttr().getInt() << ", shared expert)";
    return;
  }
  auto mlp = cast<llama4::SwigluMlpOp>(op);
  os << "dense mlp (width " << dimOf(mlp.getGate(), 0) << ")";
}

/// Visits the ops of `func` in program order, stepping into the functions
/// it calls (the frontend builds one function per kind of decoder layer).
void walkInCallOrder(func::FuncOp func, function_ref<void(Operation *)> visit) {
  func.walk([&](Operation *op) {
    auto call = dyn_cast<func::CallOp>(op);
    if (!call) {
      visit(op);
      return;
    }
    if (auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
            call, call.getCalleeAttr()))
      walkInCallOrder(callee, visit);
  });
}

void describeTextDecoder(func::FuncOp prefill, llvm::raw_ostream &os) {
  SmallVector<llama4::AttentionOp> attentions;
  SmallVector<Operation *> feedForwards;
  walkInCallOrder(prefill, [&](Operation *op) {
    if (auto attention = dyn_cast<llama4::AttentionOp>(op))
      attentions.push_back(attention);
    else if (isa<llama4::MoeOp, llama4::SwigluMlpOp>(op))
      feedForwards.push_back(op);
  });
  if (attentions.empty())
    return;
  Value query = attentions.front().getQuery();
  os << "text decoder: " << attentions.size() << " layers, "
     << dimOf(query, 2) << " query heads, "
     << dimOf(attentions.front().getKey(), 2) << " KV heads, head dim "
     << dimOf(query, 3) << "\n";
  for (auto [layer, attention] : llvm::enumerate(attentions)) {
    os << "  layer " << layer << ": ";
    describeAttention(attention, os);
    os << " | ";
    if (layer < feedForwards.size())
      describeFeedForward(feedForwards[layer], os);
    else
      os << "no feed-forward";
    os << "\n";
  }
}

/// The encoder layer is one function, @vision_encoder_layer, which prefill
/// calls once per layer.
void describeVisionTower(ModuleOp module, func::FuncOp prefill,
                         llvm::raw_ostream &os) {
  auto layer = module.lookupSymbol<func::FuncOp>("vision_encoder_layer");
  if (!layer)
    return;
  int64_t layers = 0;
  prefill.walk([&](func::CallOp call) {
    layers += call.getCallee() == layer.getSymName();
  });
  llama4::VisionAttentionOp attention;
  layer.walk([&](llama4::VisionAttentionOp op) { attention = op; });
  if (!attention)
    return;
  Value query = attention.getQuery();
  os << "vision tower: " << layers << " layers, " << dimOf(query, 1)
     << " tokens per tile, " << dimOf(query, 2) << " heads, head dim "
     << dimOf(query, 3);
  prefill.walk([&](llama4::MultiModalProjectorOp projector) {
    os << ", " << dimOf(projector.getInput(), 1) << " features per tile";
  });
  os << "\n";
}

void describeWeights(ModuleOp module, llvm::raw_ostream &os) {
  int64_t tensors = 0, parameters = 0, bytes = 0;
  for (auto weight : module.getOps<llama4::WeightOp>()) {
    RankedTensorType type = weight.getTensorType();
    ++tensors;
    parameters += type.getNumElements();
    bytes += type.getNumElements() *
             (type.getElementType().getIntOrFloatBitWidth() / 8);
  }
  os << "weights: " << tensors << " tensors, " << parameters
     << " parameters, " << bytes << " bytes\n";
}

struct DescribeModel
    : llama4c::impl::Llama4DescribeModelPassBase<DescribeModel> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::raw_ostream &os = llvm::outs();
    if (auto prefill = module.lookupSymbol<func::FuncOp>("prefill")) {
      describeTextDecoder(prefill, os);
      describeVisionTower(module, prefill, os);
    }
    describeWeights(module, os);
    markAllAnalysesPreserved();
  }
};

} // namespace
