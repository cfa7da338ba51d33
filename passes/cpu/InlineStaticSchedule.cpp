//===- InlineStaticSchedule.cpp - Threads' loop shares computed inline ----===//
//
// --llama4-inline-static-schedule: see Passes.td. Every op on threads is
// an omp.parallel holding one omp.wsloop (--llama4-distribute-loops, the
// register tiles' outer loop, attention's heads, the emulated kernels'
// blocks), and libomp's entry to a worksharing loop
// (__kmpc_for_static_init) is not free: Debian's LLVM 22 build formats its
// debug strings on every call, 0.6 us, where the whole region costs 0.14
// us without it (measured on this project's machine). A decode step runs
// hundreds of such regions, most on the calling thread alone: on the
// demo model that formatting was a fifth of a step. The share of each
// thread is two multiplications and two divisions, computed here.
//
//===----------------------------------------------------------------------===//

#include "passes/cpu/Passes.h"

#include "mlir/IR/SymbolTable.h"

namespace llama4c {
#define GEN_PASS_DEF_LLAMA4INLINESTATICSCHEDULEPASS
#include "passes/cpu/Passes.h.inc"
} // namespace llama4c

using namespace mlir;

namespace {

/// The loop nest of `wsloop` when its iterations may be split into one
/// contiguous share per thread, computed in the region: the plain static
/// schedule (no chunk, order, reduction, privatisation or linear clause),
/// alone in its parallel region (the region's end joins the threads, so
/// the loop's own barrier adds nothing), every loop of the nest collapsed,
/// with exclusive bounds and constant positive steps.
omp::LoopNestOp plainStaticNest(omp::WsloopOp wsloop) {
  auto parallel = dyn_cast<omp::ParallelOp>(wsloop->getParentOp());
  if (!parallel || !parallel.getReductionVars().empty() ||
      !parallel.getPrivateVars().empty() ||
      &parallel.getRegion().front().front() != wsloop.getOperation() ||
      !isa<omp::TerminatorOp>(wsloop->getNextNode()))
    return nullptr;
  if ((wsloop.getScheduleKind() &&
       *wsloop.getScheduleKind() != omp::ClauseScheduleKind::Static) ||
      wsloop.getScheduleChunk() || wsloop.getScheduleMod() ||
      wsloop.getOrdered() || wsloop.getOrder() ||
      !wsloop.getReductionVars().empty() || !wsloop.getPrivateVars().empty() ||
      !wsloop.getLinearVars().empty() || !wsloop.getAllocateVars().empty())
    return nullptr;
  auto nest = dyn_cast<omp::LoopNestOp>(wsloop.getWrappedLoop());
  if (!nest || nest.getLoopInclusive() || nest.getTileSizes() ||
      !nest.getRegion().hasOneBlock() ||
      nest.getCollapseNumLoops() != nest.getNumLoops())
    return nullptr;
  for (Value step : nest.getLoopSteps()) {
    std::optional<int64_t> constant = getConstantIntValue(step);
    if (!constant || *constant <= 0)
      return nullptr;
  }
  return nest;
}

/// `func.func private @name() -> i32` of libomp, declared once in `module`.
func::FuncOp declareOpenMPQuery(ModuleOp module, StringRef name) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto query = func::FuncOp::create(b, module.getLoc(), name,
                                    b.getFunctionType({}, {b.getI32Type()}));
  query.setPrivate();
  return query;
}

struct InlineStaticSchedule
    : llama4c::impl::Llama4InlineStaticSchedulePassBase<InlineStaticSchedule> {
  void runOnOperation() override {
    SmallVector<std::pair<omp::WsloopOp, omp::LoopNestOp>> loops;
    getOperation()->walk([&](omp::WsloopOp wsloop) {
      if (omp::LoopNestOp nest = plainStaticNest(wsloop))
        loops.emplace_back(wsloop, nest);
    });
    if (loops.empty())
      return;
    threadNumber = declareOpenMPQuery(getOperation(), "omp_get_thread_num");
    threadCount = declareOpenMPQuery(getOperation(), "omp_get_num_threads");
    IRRewriter rewriter(&getContext());
    for (auto [wsloop, nest] : loops)
      inlineShare(rewriter, wsloop, nest);
  }

  /// `wsloop` replaced by an scf.for over the calling thread's share of
  /// its collapsed iterations: thread t of n takes [total·t/n,
  /// total·(t+1)/n), each index split back into the nest's (the last
  /// fastest, as the collapsed order runs).
  void inlineShare(RewriterBase &rewriter, omp::WsloopOp wsloop,
                   omp::LoopNestOp nest) {
    Location loc = wsloop.getLoc();
    rewriter.setInsertionPoint(wsloop);
    auto asIndex = [&](func::FuncOp query) -> Value {
      Value value = func::CallOp::create(rewriter, loc, query).getResult(0);
      return arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                        value);
    };
    Value thread = asIndex(threadNumber), threads = asIndex(threadCount);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> trips;
    Value total = one;
    for (auto [lower, upper, step] :
         llvm::zip(nest.getLoopLowerBounds(), nest.getLoopUpperBounds(),
                   nest.getLoopSteps())) {
      Value span = arith::MaxSIOp::create(
          rewriter, loc, zero,
          rewriter.createOrFold<arith::SubIOp>(loc, upper, lower));
      trips.push_back(
          rewriter.createOrFold<arith::CeilDivUIOp>(loc, span, step));
      total = rewriter.createOrFold<arith::MulIOp>(loc, total, trips.back());
    }
    auto shareEdge = [&](Value t) {
      Value scaled = arith::MulIOp::create(rewriter, loc, total, t);
      return arith::DivUIOp::create(rewriter, loc, scaled, threads);
    };
    Value begin = shareEdge(thread);
    Value end = shareEdge(arith::AddIOp::create(rewriter, loc, thread, one));
    auto share = scf::ForOp::create(rewriter, loc, begin, end, one);

    rewriter.setInsertionPoint(share.getBody()->getTerminator());
    int64_t count = nest.getNumLoops();
    SmallVector<Value> ivs(count);
    Value rest = share.getInductionVar();
    for (int64_t dim = count - 1; dim >= 0; --dim) {
      Value position = rest;
      if (dim > 0) {
        position = arith::RemUIOp::create(rewriter, loc, rest, trips[dim]);
        rest = arith::DivUIOp::create(rewriter, loc, rest, trips[dim]);
      }
      Value offset = rewriter.createOrFold<arith::MulIOp>(
          loc, position, nest.getLoopSteps()[dim]);
      ivs[dim] = rewriter.createOrFold<arith::AddIOp>(
          loc, nest.getLoopLowerBounds()[dim], offset);
    }
    Block &body = nest.getRegion().front();
    rewriter.eraseOp(body.getTerminator());
    rewriter.inlineBlockBefore(&body, share.getBody()->getTerminator(), ivs);
    rewriter.eraseOp(wsloop);
  }

  func::FuncOp threadNumber, threadCount;
};

} // namespace
