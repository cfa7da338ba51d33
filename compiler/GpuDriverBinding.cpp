//===- GpuDriverBinding.cpp - GPU models call the driver the runtime gives -===//

#include "compiler/GpuDriverBinding.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

using namespace llama4c;

/// The fields of llama4c_gpu_driver, in order, by the function MLIR's
/// lowering calls for each.
static const char *const driverFunctions[] = {
    "mgpuModuleLoadJIT",     "mgpuModuleUnload",
    "mgpuModuleGetFunction", "mgpuStreamCreate",
    "mgpuStreamSynchronize", "mgpuStreamDestroy",
    "mgpuLaunchKernel",      "_mlir_memref_to_llvm_alloc",
    "_mlir_memref_to_llvm_free",
};

/// The functions of a global constructor or destructor list, which is
/// erased.
static llvm::SmallVector<llvm::Function *>
takeStructors(llvm::Module &module, llvm::StringRef listName) {
  llvm::SmallVector<llvm::Function *> functions;
  llvm::GlobalVariable *list = module.getGlobalVariable(listName);
  if (!list)
    return functions;
  if (auto *entries =
          llvm::dyn_cast_or_null<llvm::ConstantArray>(list->getInitializer()))
    for (llvm::Value *entry : entries->operands())
      if (auto *function = llvm::dyn_cast<llvm::Function>(
              llvm::cast<llvm::ConstantStruct>(entry)->getOperand(1)))
        functions.push_back(function);
  list->eraseFromParent();
  return functions;
}

llvm::Error llama4c::bindGpuDriver(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::StringMap<unsigned> fieldOf;
  for (auto [index, name] : llvm::enumerate(driverFunctions))
    fieldOf[name] = index;

  // One pointer per field, set by llama4c_bind_gpu; each declared driver
  // function becomes an internal trampoline through its pointer, which
  // LLVM inlines at every call.
  llvm::SmallVector<llvm::GlobalVariable *> slots;
  for (const char *name : driverFunctions)
    slots.push_back(new llvm::GlobalVariable(
        module, b.getPtrTy(), /*isConstant=*/false,
        llvm::GlobalValue::InternalLinkage,
        llvm::ConstantPointerNull::get(b.getPtrTy()),
        llvm::Twine("llama4c.gpu.") + name));
  for (llvm::Function &function : module) {
    if (!function.isDeclaration() || function.isIntrinsic() ||
        function.use_empty())
      continue;
    auto field = fieldOf.find(function.getName());
    if (field == fieldOf.end())
      return llvm::createStringError(
          "internal error: the GPU host code calls " + function.getName() +
          ", which no llama4c_gpu_driver field provides");
    function.setLinkage(llvm::GlobalValue::InternalLinkage);
    b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", &function));
    llvm::Value *target = b.CreateLoad(b.getPtrTy(), slots[field->second]);
    llvm::SmallVector<llvm::Value *> args;
    for (llvm::Argument &arg : function.args())
      args.push_back(&arg);
    llvm::CallInst *call =
        b.CreateCall(function.getFunctionType(), target, args);
    if (function.getReturnType()->isVoidTy())
      b.CreateRetVoid();
    else
      b.CreateRet(call);
  }

  // The kernels load when the runtime binds, not at dlopen; the runtime
  // unloads them with its CUDA context.
  llvm::SmallVector<llvm::Function *> loads =
      takeStructors(module, "llvm.global_ctors");
  takeStructors(module, "llvm.global_dtors");

  auto *bind = llvm::Function::Create(
      llvm::FunctionType::get(b.getInt32Ty(), {b.getPtrTy()}, false),
      llvm::GlobalValue::ExternalLinkage, "llama4c_bind_gpu", module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", bind));
  for (auto [index, slot] : llvm::enumerate(slots)) {
    llvm::Value *field = b.CreateConstGEP1_64(b.getPtrTy(), bind->getArg(0),
                                              index);
    b.CreateStore(b.CreateLoad(b.getPtrTy(), field), slot);
  }
  for (llvm::Function *load : loads)
    b.CreateCall(load);
  b.CreateRet(b.getInt32(0));
  return llvm::Error::success();
}
