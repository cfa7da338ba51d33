//===- Packaging.cpp - LLVM dialect module -> llvm, obj or so -------------===//

#include "compiler/Packaging.h"

#include "compiler/GpuDriverBinding.h"
#include "compiler/Output.h"
#include "compiler/WeightBytes.h"

#include "dialects/llama4/IR/Llama4Dialect.h"
#include "frontends/hf/Llama4Config.h"
#include "runtime/include/llama4c/ManifestKeys.h"
#include "runtime/include/llama4c/abi.h"
#include "runtime/support/InputFile.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/Signals.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
using namespace llama4c;

//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

static std::string jsonString(llvm::StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\')
      os << '\\' << c;
    else if (c < 0x20)
      os << llvm::format("\\u%04x", c);
    else
      os << c;
  }
  os << '"';
  return out;
}

static llvm::StringRef dtypeName(Type type) {
  if (isa<Float8E4M3FNType>(type))
    return "f8_e4m3";
  return type.isF32() ? "f32" : type.isBF16() ? "bf16" : "f16";
}

/// `"KEY": `, after a comma unless it is an object's first.
static std::string key(llvm::StringRef name, bool first = false) {
  return (first ? "" : ", ") + jsonString(name) + ": ";
}

std::string llama4c::buildManifest(ModuleOp module, const Llama4Config &config,
                                   llvm::StringRef configText,
                                   const CompileOptions &options,
                                   const HostCpu &cpu) {
  namespace k = llama4c::manifest;
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "{" << key(k::kLlama4cVersion, true) << jsonString(LLAMA4C_VERSION)
     << key(k::kAbiVersion) << LLAMA4C_ABI_VERSION << key(k::kTarget)
     << jsonString(targetName(options.target)) << key(k::kEmulated)
     << (options.emulate ? "true" : "false") << key(k::kCpu) << "{"
     << key(k::kCpuName, true) << jsonString(cpu.name) << key(k::kCpuFeatures)
     << "[";
  llvm::interleave(
      cpu.requiredFeatures, os,
      [&](const std::string &feature) { os << jsonString(feature); }, ", ");
  os << "]}" << key(k::kDtype)
     << jsonString(options.computeType == ComputeType::F32 ? "f32" : "bf16")
     << key(k::kVocabSize) << config.text.vocabSize
     << key(k::kMaxPositionEmbeddings) << config.text.maxPositionEmbeddings
     << key(k::kMultimodal) << (config.isMultimodal() ? "true" : "false")
     << key(k::kImageTokenIndex) << config.imageTokenIndex << key(k::kVision);
  if (const std::optional<Llama4VisionConfig> &vision = config.vision)
    os << "{" << key(k::kImageSize, true) << vision->imageSize
       << key(k::kNumChannels) << vision->numChannels << key(k::kTokensPerTile)
       << vision->tokensPerTile() << "}";
  else
    os << "null";
  os << ",\n"
     << key(k::kConfig, true) << configText.trim() << ",\n"
     << key(k::kWeights, true) << "[";
  auto weights = module->getAttrOfType<ArrayAttr>("llama4.weights");
  WeightRoles roles(config);
  for (auto [index, entry] : llvm::enumerate(weights.getAsRange<DictionaryAttr>())) {
    auto type = cast<RankedTensorType>(entry.getAs<TypeAttr>("type").getValue());
    llvm::StringRef name = entry.getAs<StringAttr>("name").getValue();
    os << (index ? ",\n  " : "\n  ") << "{" << key(k::kWeightName, true)
       << jsonString(name) << key(k::kWeightDtype)
       << jsonString(dtypeName(type.getElementType())) << key(k::kWeightShape)
       << "[";
    llvm::interleave(type.getShape(), os, ", ");
    os << "]" << key(k::kWeightRole)
       << jsonString(weightRoleName(roles.of(name, type))) << "}";
  }
  os << "],\n" << key(k::kKvCache, true) << "[";
  // As the entry points take them (--llama4-emit-entry-points checked
  // each has a window or a page size): a chunked layer's window, a global
  // layer's pages.
  auto caches =
      module->getAttrOfType<ArrayAttr>(mlir::llama4::kKvCacheListAttrName);
  for (auto [index, entry] :
       llvm::enumerate(caches.getAsRange<DictionaryAttr>())) {
    auto type = cast<MemRefType>(entry.getAs<TypeAttr>("type").getValue());
    auto sizeOf = [&](llvm::StringRef name) {
      auto size = entry.getAs<IntegerAttr>(name);
      return size ? size.getInt() : 0;
    };
    os << (index ? ",\n  " : "\n  ") << "{" << key(k::kCacheLayer, true)
       << entry.getAs<IntegerAttr>("layer").getInt() << key(k::kCacheKind)
       << jsonString(entry.getAs<StringAttr>("kind").getValue())
       << key(k::kCacheDtype) << jsonString(dtypeName(type.getElementType()))
       << key(k::kCacheKvHeads) << type.getDimSize(1) << key(k::kCacheWindow)
       << sizeOf(mlir::llama4::kKvCacheWindow) << key(k::kCachePageSize)
       << sizeOf(mlir::llama4::kKvCachePageSize) << key(k::kCacheHeadDim)
       << type.getDimSize(3) << "}";
  }
  os << "]}\n";
  return text;
}

//===----------------------------------------------------------------------===//
// LLVM IR, object, shared object
//===----------------------------------------------------------------------===//

/// Adds `llama4c_manifest()` and `llama4c_abi_version()` (abi.h).
static void addAbiSymbols(llvm::Module &module, llvm::StringRef manifest) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *text = new llvm::GlobalVariable(
      module, llvm::ArrayType::get(b.getInt8Ty(), manifest.size() + 1),
      /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
      llvm::ConstantDataArray::getString(ctx, manifest), "llama4c.manifest");
  auto *manifestFn = llvm::Function::Create(
      llvm::FunctionType::get(b.getPtrTy(), false),
      llvm::GlobalValue::ExternalLinkage, "llama4c_manifest", module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", manifestFn));
  b.CreateRet(text);
  auto *versionFn = llvm::Function::Create(
      llvm::FunctionType::get(b.getInt32Ty(), false),
      llvm::GlobalValue::ExternalLinkage, "llama4c_abi_version", module);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", versionFn));
  b.CreateRet(b.getInt32(LLAMA4C_ABI_VERSION));
}

/// Defines `__truncsfbf2` (f32 -> bf16, rounding to nearest even, NaN to
/// the canonical quiet NaN, as the arith expansion of truncf rounds),
/// hidden in the model. The x86 backend calls it where it widens a bf16
/// vector operation (a select of bf16 lanes) to f32, and Debian 12's libgcc
/// does not have it.
static void addBf16Truncation(llvm::Module &module) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *truncate = llvm::Function::Create(
      llvm::FunctionType::get(b.getBFloatTy(), {b.getFloatTy()}, false),
      llvm::GlobalValue::ExternalLinkage, "__truncsfbf2", module);
  truncate->setVisibility(llvm::GlobalValue::HiddenVisibility);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", truncate));
  llvm::Value *x = truncate->getArg(0);
  llvm::Value *bits = b.CreateBitCast(x, b.getInt32Ty());
  llvm::Value *odd = b.CreateAnd(b.CreateLShr(bits, 16), b.getInt32(1));
  llvm::Value *rounded =
      b.CreateAdd(bits, b.CreateAdd(b.getInt32(0x7FFF), odd));
  llvm::Value *high =
      b.CreateTrunc(b.CreateLShr(rounded, 16), b.getInt16Ty());
  llvm::Value *isNan = b.CreateFCmpUNO(x, x);
  llvm::Value *result = b.CreateSelect(isNan, b.getInt16(0x7FC0), high);
  b.CreateRet(b.CreateBitCast(result, b.getBFloatTy()));
}

/// Whether the host code calls glibc's vector math library, libmvec: on
/// x86-64 Linux, where every glibc has it.
static bool usesLibmvec(const llvm::Triple &triple) {
  return triple.getArch() == llvm::Triple::x86_64 && triple.isOSLinux() &&
         triple.isGNUEnvironment();
}

/// The C library as LLVM sees it: with libmvec, a loop calling expf
/// (softmax, SiLU, GELU) is vectorised into calls of its 16- or 8-lane
/// variant instead of one call per element.
static llvm::TargetLibraryInfoImpl hostLibrary(const llvm::Triple &triple) {
  llvm::TargetLibraryInfoImpl library(triple);
  if (usesLibmvec(triple))
    library.addVectorizableFunctionsFromVecLib(llvm::VectorLibrary::LIBMVEC,
                                               triple);
  return library;
}

/// LLVM's O2: the loops arrive register-tiled and vectorised, and O3's extra
/// unrolling and inlining cost 40% more compile time (text-only Scout: 41 s
/// against 25 s) for no measurable speed (bench/cpu_decode.py).
static void optimize(llvm::Module &module, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager cgscc;
  llvm::ModuleAnalysisManager modules;
  llvm::PassBuilder builder(&machine);
  // Before the defaults, which would register a library without libmvec.
  llvm::TargetLibraryInfoImpl library = hostLibrary(machine.getTargetTriple());
  functions.registerPass([&] { return llvm::TargetLibraryAnalysis(library); });
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(cgscc);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, cgscc, modules);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2)
      .run(module, modules);
}

/// Links `object` into the shared object `output` with the C compiler
/// driver, which knows where libc, libm and libmvec live, and for CPU
/// models LLVM's OpenMP runtime, found at load time through the rpath. (GPU
/// models call the CUDA driver through the runtime: llama4c_bind_gpu.)
static llvm::Error linkSharedObject(llvm::StringRef object,
                                    llvm::StringRef output, bool openMP,
                                    bool libmvec) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("cc");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang-22");
  if (!driver)
    return llvm::createStringError(
        "cannot link " + output + ": no C compiler driver (cc) on PATH");
  // The driver's own output (collect2's notes, ld's errors) goes to a log;
  // a failure is reported by its first error line.
  llvm::Expected<TemporaryFile> log =
      TemporaryFile::create("llama4c-link", "log");
  if (!log)
    return log.takeError();
  llvm::SmallVector<llvm::StringRef> args = {*driver, "-shared", "-o", output,
                                             object, "-lm"};
  if (libmvec)
    args.append({"-Wl,--push-state,--as-needed", "-lmvec", "-Wl,--pop-state"});
  if (openMP)
    args.append({"-L" LLAMA4C_LIBOMP_DIR, "-lomp",
                 "-Wl,-rpath," LLAMA4C_LIBOMP_DIR});
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log->path(),
                                                log->path()};
  std::string errorMessage;
  int status = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, redirects,
                                         0, 0, &errorMessage);
  if (status == 0)
    return llvm::Error::success();
  if (errorMessage.empty())
    if (auto text = llvm::MemoryBuffer::getFile(log->path())) {
      llvm::SmallVector<llvm::StringRef> lines;
      (*text)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
      auto error = llvm::find_if(lines, [](llvm::StringRef line) {
        return line.contains("error") || line.contains("failed");
      });
      if (error != lines.end())
        errorMessage = error->trim().str();
      else if (!lines.empty())
        errorMessage = lines.front().trim().str();
    }
  return llvm::createStringError("linking with " + *driver + " failed" +
                                 (errorMessage.empty() ? "" : ": ") +
                                 errorMessage);
}

llvm::Expected<llvm::StringRef> llama4c::kernelsPtx(ModuleOp module) {
  llvm::SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.size() != 1)
    return llvm::createStringError(
        "internal error: expected one gpu.binary of kernels, found " +
        llvm::Twine(binaries.size()));
  auto object = cast<gpu::ObjectAttr>(binaries.front().getObjects()[0]);
  return object.getObject().getValue();
}

llvm::Error llama4c::writePtx(ModuleOp module, const CompileOptions &options) {
  llvm::Expected<llvm::StringRef> ptx = kernelsPtx(module);
  if (!ptx)
    return ptx.takeError();
  // The object keeps the NUL that cuModuleLoadData needs.
  return writeOutput(options.outputPath, ptx->rtrim('\0'));
}

llvm::Error llama4c::writeHostArtifact(ModuleOp module,
                                       llvm::StringRef manifest,
                                       const CompileOptions &options,
                                       const HostCpu &cpu) {
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  registerOpenMPDialectTranslation(*module.getContext());
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context, "llama4c-model");
  if (!llvmModule)
    return llvm::createStringError(options.configPath +
                                   ": internal error: LLVM IR translation failed");
  addAbiSymbols(*llvmModule, manifest);
  bool onHost = options.target == Target::Cpu || options.emulate;
  if (!onHost)
    if (llvm::Error error = bindGpuDriver(*llvmModule))
      return llvm::createStringError(options.configPath + ": " +
                                     llvm::toString(std::move(error)));

  auto machine = createHostMachine(cpu);
  if (!machine)
    return machine.takeError();
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  optimize(*llvmModule, **machine);
  if (!llvmModule->getFunction("__truncsfbf2"))
    addBf16Truncation(*llvmModule);

  llvm::SmallVector<char, 0> objectBytes;
  if (options.emit != Phase::Llvm) {
    llvm::raw_svector_ostream os(objectBytes);
    llvm::legacy::PassManager codegen;
    // Vector math intrinsics become libmvec calls here too.
    codegen.add(new llvm::TargetLibraryInfoWrapperPass(
        hostLibrary((*machine)->getTargetTriple())));
    if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return llvm::createStringError("the host target cannot emit objects");
    codegen.run(*llvmModule);
  }
  if (options.emit == Phase::Llvm) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeOutput(options.outputPath, text);
  }
  if (options.emit == Phase::Obj)
    return writeOutput(options.outputPath,
                       llvm::StringRef(objectBytes.data(), objectBytes.size()));

  // A shared object: the object in a temporary file, linked into the
  // output's staging file and renamed over it when complete (or, for
  // standard output, a device or a pipe, linked into a temporary file and
  // copied through).
  bool libmvec = usesLibmvec((*machine)->getTargetTriple());
  llvm::Expected<TemporaryFile> object =
      TemporaryFile::create("llama4c-model", "o");
  if (!object)
    return object.takeError();
  if (llvm::Error error = object->write(
          llvm::StringRef(objectBytes.data(), objectBytes.size())))
    return error;
  llvm::Expected<runtime::OutputFile> output = checkOutput(options.outputPath);
  if (!output)
    return output.takeError();
  auto cannotWrite = [&](llvm::Error error) {
    return llvm::createStringError(options.outputPath + ": cannot write: " +
                                   llvm::toString(std::move(error)));
  };
  if (!output->replacesFile()) {
    llvm::Expected<TemporaryFile> linked =
        TemporaryFile::create("llama4c-model", "so");
    if (!linked)
      return linked.takeError();
    if (llvm::Error error =
            linkSharedObject(object->path(), linked->path(), onHost, libmvec))
      return cannotWrite(std::move(error));
    runtime::Expected<std::string> bytes =
        runtime::readInputFile(linked->path().str(), UINT64_MAX);
    if (!bytes)
      return llvm::createStringError(bytes.error().message());
    return writeOutput(options.outputPath, *bytes);
  }
  const std::string &staging = output->stagingPath();
  llvm::sys::fs::remove(staging);
  llvm::sys::RemoveFileOnSignal(staging);
  llvm::FileRemover removeStaging(staging);
  if (llvm::Error error =
          linkSharedObject(object->path(), staging, onHost, libmvec))
    return cannotWrite(std::move(error));
  runtime::Expected<void> committed = output->commitStaged();
  llvm::sys::DontRemoveFileOnSignal(staging);
  if (!committed)
    return llvm::createStringError(committed.error().message());
  return llvm::Error::success();
}
