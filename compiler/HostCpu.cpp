//===- HostCpu.cpp - The CPU a model's host code is compiled for ----------===//

#include "compiler/HostCpu.h"

#include "runtime/support/CpuFeatures.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace llama4c;

/// The target of the default triple, once its code generator is
/// registered.
static llvm::Expected<const llvm::Target *> hostTarget(llvm::Triple &triple) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  triple = llvm::Triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for " + triple.str() +
                                   ": " + error);
  return target;
}

llvm::Expected<HostCpu> llama4c::resolveHostCpu(llvm::StringRef requested) {
  llvm::Triple triple;
  llvm::Expected<const llvm::Target *> target = hostTarget(triple);
  if (!target)
    return target.takeError();
  HostCpu cpu;
  if (requested == "native") {
    cpu.name = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures features;
    for (const auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature, enabled);
    cpu.features = features.getString();
  } else {
    cpu.name = requested.str();
  }
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      (*target)->createMCSubtargetInfo(triple, cpu.name, cpu.features));
  if (!subtarget || !subtarget->isCPUStringValid(cpu.name))
    return llvm::createStringError(
        "--cpu " + requested + ": not a CPU LLVM knows for " + triple.str() +
        " (native, x86-64-v3, skylake-avx512, znver4, ...)");
  for (std::string_view feature : runtime::kCpuFeatures)
    if (subtarget->checkFeatures("+" + std::string(feature)))
      cpu.requiredFeatures.emplace_back(feature);
  cpu.vectorLanes = subtarget->checkFeatures("+avx512f") ? 16 : 8;
  cpu.bf16Pairs = subtarget->checkFeatures("+avx512bf16");
  return cpu;
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
llama4c::createHostMachine(const HostCpu &cpu) {
  llvm::Triple triple;
  llvm::Expected<const llvm::Target *> target = hostTarget(triple);
  if (!target)
    return target.takeError();
  std::unique_ptr<llvm::TargetMachine> machine((*target)->createTargetMachine(
      triple, cpu.name, cpu.features, {}, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return llvm::createStringError("cannot create a target machine for " +
                                   triple.str());
  return std::move(machine);
}
