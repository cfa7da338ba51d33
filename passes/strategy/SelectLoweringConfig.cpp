//===- SelectLoweringConfig.cpp - Each op's kernel template per target ----===//
//
// --llama4-select-lowering-config: see Passes.td. IREE's KernelConfig is
// the model: decide once, per op and target, and record the decision on
// the op, so that lit tests pin it and the passes that follow only carry
// it out.
//
//===----------------------------------------------------------------------===//

#include "passes/strategy/Passes.h"

#include "passes/conversion/Llama4ToLinalg/GreedyToken.h"
#include "passes/gpu/Warp.h"
#include "passes/strategy/ParallelLoop.h"
#include "passes/strategy/Product.h"
#include "passes/strategy/Sum.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4SELECTLOWERINGCONFIGPASS
#include "passes/strategy/Passes.h.inc"
} // namespace llama4c

using namespace mlir;
using mlir::llama4::LoweringConfigAttr;
using mlir::llama4::LoweringPipeline;

namespace {

/// A dot-product register tile of vectors of `lanes` f32 along k: rows of
/// x by rows of W, each step loading one vector of each for an FMA per
/// pair. AVX2's 16 registers hold 4 x 2 accumulators and their 6 loads;
/// AVX-512's 32 hold 6 x 4 and 10 (bench/cpu_matmul.py: 1.3 to 1.6 times
/// the 4 x 2 tile of 8 lanes on a 128-token prefill's shapes).
static SmallVector<int64_t> dotTile(int64_t lanes) {
  if (lanes >= 16)
    return {6, 4, lanes};
  return {4, 2, lanes};
}
/// An outer-product register tile: 4 rows of x (broadcast) by two vectors
/// of a W row, one k at a time: 8 accumulators.
static SmallVector<int64_t> outerProductTile(int64_t lanes) {
  return {4, 2 * lanes, lanes};
}
/// Columns of W a thread takes when a single row of x streams over it.
constexpr int64_t kStreamColumns = 512;
/// Most splits of a decode query's keys. Each writes its softmax state,
/// d + 2 floats, for a combining kernel to read: 16 of Scout's 128-dim
/// heads are 16 KB a query both ways, 4% of the K and V its KV head reads
/// at 4096 keys, which 16 splits of 256 keys cover.
constexpr int64_t kMaxKeySplits = 16;
/// A decode step's attention's tile of its query loops (b, h, g, s) that
/// a warp takes: one KV head's queries, which read the same keys and
/// values.
constexpr int64_t kQueryGroupTile[] = {1, 1, 0, 0};

struct SelectLoweringConfig
    : llama4c::impl::Llama4SelectLoweringConfigPassBase<SelectLoweringConfig> {
  using Llama4SelectLoweringConfigPassBase::Llama4SelectLoweringConfigPassBase;

  void runOnOperation() override {
    bool cpu = target == "cpu";
    if (!cpu && target != "sm_80" && target != "sm_90") {
      getOperation()->emitError("target must be cpu, sm_80 or sm_90, not '")
          << target << "'";
      return signalPassFailure();
    }
    if (!cpu && (gpuBlockThreads < 32 || gpuBlockThreads > 1024 ||
                 gpuBlockThreads % 32)) {
      getOperation()->emitError(
          "gpu-block-threads must be a multiple of 32 from 32 to 1024");
      return signalPassFailure();
    }
    if (!cpu && gpuWarpRows < 1) {
      getOperation()->emitError("gpu-warp-rows must be at least 1");
      return signalPassFailure();
    }
    if (!cpu && gpuWarpColumns < 1) {
      getOperation()->emitError("gpu-warp-columns must be at least 1");
      return signalPassFailure();
    }
    if (!cpu && gpuExpertRows < 1) {
      getOperation()->emitError("gpu-expert-rows must be at least 1");
      return signalPassFailure();
    }
    if (!cpu && gpuLaneAccumulators < 1) {
      getOperation()->emitError("gpu-lane-accumulators must be at least 1");
      return signalPassFailure();
    }
    if (!cpu && gpuSplitKDepth < 0) {
      getOperation()->emitError("gpu-split-k-depth must not be negative");
      return signalPassFailure();
    }
    if (cpu && cpuVectorLanes != 8 && cpuVectorLanes != 16) {
      getOperation()->emitError("cpu-vector-lanes must be 8 or 16");
      return signalPassFailure();
    }
    if (cpu && cpuWeightBlockBytes < 1) {
      getOperation()->emitError("cpu-weight-block-bytes must be positive");
      return signalPassFailure();
    }
    // Ops configured by an earlier run keep their config: the GPU pipeline
    // configures on tensors, then the copies bufferization adds. The ops
    // of a GPU tile (scf.forall) run as its root's config says.
    getOperation()->walk([&](Operation *op) {
      if (!isa<linalg::LinalgOp, mlir::llama4::OnlineAttentionOp>(op) ||
          LoweringConfigAttr::of(op) || op->getParentOfType<scf::ForallOp>())
        return;
      op->setAttr(LoweringConfigAttr::attributeName,
                  cpu ? selectForCpu(op) : selectForGpu(op));
    });
  }

  LoweringConfigAttr selectForCpu(Operation *op) {
    MLIRContext *ctx = &getContext();
    auto contract = dyn_cast<linalg::ContractOp>(op);
    FailureOr<llama4c::Product> product = failure();
    if (contract)
      product = llama4c::matchProduct(contract);
    // Inside a loop already split between threads (attention's KV heads),
    // an op runs on its iteration's thread.
    bool onTheTeam = !op->getParentOfType<scf::ParallelOp>();
    // A loop-lowered op's loops must be one parallel loop to be split.
    if (failed(product)) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      bool distribute =
          onTheTeam && linalgOp && llama4c::hasOuterParallelLoop(linalgOp);
      return LoweringConfigAttr::get(ctx, LoweringPipeline::cpu_loops, {}, {},
                                     {}, distribute, 1);
    }
    bool distribute = onTheTeam;
    // bf16 x and W multiply in pairs where the CPU does that in one
    // instruction: half the multiply-adds of widening each to f32.
    auto xType = cast<ShapedType>(product->x.getType());
    auto wType = cast<ShapedType>(product->weight.getType());
    bool pairs = cpuBf16Pairs && xType.getElementType().isBF16() &&
                 wType.getElementType().isBF16();
    if (product->layout == llama4c::WeightLayout::InOut)
      return LoweringConfigAttr::get(
          ctx,
          pairs ? LoweringPipeline::cpu_bf16_outer_product_tiles
                : LoweringPipeline::cpu_outer_product_tiles,
          {0, kStreamColumns, 0}, outerProductTile(cpuVectorLanes), {},
          distribute, 1);
    // Blocks of whole W rows, `cpuWeightBlockBytes` each, in groups as the
    // register tile takes them.
    int64_t bytesPerRow =
        product->depth * wType.getElementTypeBitWidth() / 8;
    SmallVector<int64_t> tile = dotTile(cpuVectorLanes);
    int64_t group = tile[1];
    int64_t blockRows = std::max<int64_t>(
        group, cpuWeightBlockBytes / std::max<int64_t>(bytesPerRow, 1) / group *
                   group);
    return LoweringConfigAttr::get(ctx,
                                   pairs ? LoweringPipeline::cpu_bf16_dot_tiles
                                         : LoweringPipeline::cpu_dot_tiles,
                                   {0, blockRows, 0}, tile, {}, distribute, 1);
  }

  /// nn.Linear's `x * W^T` reads W along k: a warp per output element
  /// reads a row of W in whole sectors, its lanes taking consecutive k. A
  /// thread per element would read 32 rows at once, a sector of each. Its
  /// register tile [m, n]: a warp takes m rows of x (tokens) and n rows of
  /// W at once, each load of W shared by the m, each of x by the n.
  /// Attention with one query per row (a decode step) is a warp per
  /// KV head's queries and split of its keys, its lanes splitting the
  /// split's keys, one warp a block so that the warps spread over the SMs:
  /// a thread per query would leave all but a few of the GPU's threads
  /// idle, and a warp per query head would read its KV head's keys and
  /// values once per query head of the group. With a
  /// prompt's queries, a thread per query: a warp's 32 queries read each
  /// key together. A greedy token's spans of logits, and then its rows,
  /// are a warp each, one a block, its lanes splitting the span. Everything
  /// else is a thread per element, `gpu-block-threads` a block.
  LoweringConfigAttr selectForGpu(Operation *op) {
    auto contract = dyn_cast<linalg::ContractOp>(op);
    FailureOr<llama4c::Product> product = failure();
    if (contract)
      product = llama4c::matchProduct(contract);
    auto attention = dyn_cast<mlir::llama4::OnlineAttentionOp>(op);
    bool decodeAttention =
        attention &&
        cast<ShapedType>(attention.getQueries().getType()).getDimSize(3) == 1;
    bool linear =
        succeeded(product) && product->layout == llama4c::WeightLayout::OutIn;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    bool greedy = linalgOp && llama4c::isGreedyTokenReduction(linalgOp);
    bool warp = decodeAttention || isRowSum(op) || linear || greedy;
    bool warpBlocks = decodeAttention || greedy;
    SmallVector<int64_t> tile, rows;
    if (linear) {
      int64_t xRows = hasTokenRows(*product) ? gpuWarpRows : 1;
      if (xRows > 1 || gpuWarpColumns > 1)
        rows.assign({xRows, gpuWarpColumns});
    }
    if (isGatheredProduct(op) && gpuExpertRows > 1 && hasTokenRows(op))
      rows.push_back(gpuExpertRows);
    if (decodeAttention) {
      tile.assign(std::begin(kQueryGroupTile), std::end(kQueryGroupTile));
      rows.push_back(laneColumnsOf(attention));
    }
    return LoweringConfigAttr::get(
        &getContext(),
        warp ? LoweringPipeline::gpu_warp_per_element
             : LoweringPipeline::gpu_thread_per_element,
        tile, rows, {warpBlocks ? llama4c::kWarpSize : gpuBlockThreads}, false,
        decodeAttention ? keySplitsOf(attention, tile)
        : warp          ? 1
                        : splitKOf(op));
  }

  /// The head dims of each query's accumulator a lane of a decode step's
  /// warp holds: all of them, or the fewest lanes' share of them (a
  /// power of two of lanes, dividing the head) that keeps the group's
  /// accumulators within `gpu-lane-accumulators` floats a lane.
  int64_t laneColumnsOf(mlir::llama4::OnlineAttentionOp attention) {
    ArrayRef<int64_t> shape =
        cast<ShapedType>(attention.getQueries().getType()).getShape();
    int64_t group = shape[2], headDim = shape.back();
    int64_t lanes = 1;
    while (group * headDim / lanes > gpuLaneAccumulators &&
           2 * lanes <= llama4c::kWarpSize && headDim % (2 * lanes) == 0)
      lanes *= 2;
    return headDim / lanes;
  }

  /// Whether x's rows run along a dynamic dimension (a batch, a prompt's
  /// tokens): rows whose number is known only at run time, which a warp
  /// takes `gpu-warp-rows` at a time so that they share each load of W (a
  /// decode step of 8 rows otherwise reads every W 8 times).
  static bool hasTokenRows(const llama4c::Product &product) {
    ArrayRef<int64_t> shape = cast<ShapedType>(product.x.getType()).getShape();
    return llvm::any_of(shape.drop_back(), ShapedType::isDynamic);
  }

  /// A routed expert's `x * W` (the per-token dispatch's: each row reads
  /// its own expert's W). Its rows are grouped `gpu-expert-rows` at a
  /// time when their number is dynamic, so that rows choosing the same
  /// expert read its weights once (a decode step of 8 tokens reads about
  /// 6.4 of Scout's 16 experts, not 8).
  static bool isGatheredProduct(Operation *op) {
    return isa<linalg::GenericOp>(op) &&
           op->hasAttr(mlir::llama4::kGatheredProductAttrName);
  }
  /// Whether the rows of `op`'s output (all but its last dimension) run
  /// along a dynamic dimension: the tokens.
  static bool hasTokenRows(Operation *op) {
    auto output = cast<ShapedType>(
        cast<linalg::LinalgOp>(op).getDpsInitOperand(0)->get().getType());
    return llvm::any_of(output.getShape().drop_back(), ShapedType::isDynamic);
  }

  /// How many ways a decode step's attention splits each query's keys
  /// (flash-decoding): its warps, one a `tile` of its query loops (a KV
  /// head's queries), are a few where the GPU holds thousands, each
  /// reading a whole context. The most splits, up to `kMaxKeySplits`,
  /// whose one-warp blocks the SMs hold at once (a dynamic batch counted
  /// as one).
  static int64_t keySplitsOf(mlir::llama4::OnlineAttentionOp attention,
                             ArrayRef<int64_t> tile) {
    int64_t warps = 1;
    for (auto [size, taken] : llvm::zip(
             cast<ShapedType>(attention.getQueries().getType()).getShape(),
             tile))
      if (!ShapedType::isDynamic(size) && taken != 0)
        warps *= size / taken;
    constexpr int64_t residentWarps = llama4c::kSm90Sms * llama4c::kBlocksPerSm;
    int64_t splits = 1;
    while (2 * splits <= kMaxKeySplits && warps * 2 * splits <= residentWarps)
      splits *= 2;
    return splits;
  }

  /// A sum along rows in memory of at least `kRowSumDepth` elements
  /// (RMSNorm's sum of squares, LayerNorm's means): a warp per sum, its
  /// lanes reading consecutive elements. A thread alone waits for 32 times
  /// the warp's rounds of loads (Scout's 5120, its running sum then kept
  /// in memory, took 270 us on an H200).
  static bool isRowSum(Operation *op) {
    constexpr int64_t kRowSumDepth = 8 * llama4c::kWarpSize;
    auto generic = dyn_cast<linalg::GenericOp>(op);
    // The body reads nothing but its operands: a gathered product reads
    // its expert's W through indices, down the columns.
    if (!generic || generic.hasIndexSemantics())
      return false;
    FailureOr<llama4c::Sum> sum = llama4c::matchSum(generic);
    if (failed(sum) || sum->loop != generic.getNumLoops() - 1 ||
        sum->depth < kRowSumDepth)
      return false;
    return llvm::all_of(generic.getDpsInputOperands(), [&](OpOperand *input) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      return !map.isFunctionOfDim(sum->loop) ||
             llama4c::readsAlongRow(map, sum->loop);
    });
  }

  /// How many ways a gathered product (a routed expert's `x * W`) splits
  /// its reduction: in a decode step it has a thread per output column, a
  /// few thousand, where an H100 holds 270,336. Each split halves a
  /// thread's steps while it keeps `gpu-split-k-depth` of them and the
  /// threads fit the GPU. Dynamic sizes (a batch, a prompt's tokens) count
  /// as one: more tokens have threads enough already, and pay the partial
  /// sums per token (prefill's per-token experts wait for grouped GEMMs).
  int64_t splitKOf(Operation *op) {
    if (!isGatheredProduct(op) || gpuSplitKDepth < 1)
      return 1;
    auto generic = cast<linalg::GenericOp>(op);
    FailureOr<llama4c::Sum> sum = llama4c::matchSum(generic);
    if (failed(sum))
      return 1;
    int64_t outputs = 1;
    for (auto [loop, extent] : llvm::enumerate(generic.getStaticLoopRanges()))
      if (loop != sum->loop && !ShapedType::isDynamic(extent))
        outputs *= extent;
    constexpr int64_t residentThreads =
        llama4c::kSm90Sms * llama4c::kThreadsPerSm;
    int64_t ways = 1;
    while (sum->depth % (2 * ways) == 0 &&
           sum->depth / (2 * ways) >= gpuSplitKDepth &&
           outputs * 2 * ways <= residentThreads)
      ways *= 2;
    return ways;
  }
};

} // namespace
