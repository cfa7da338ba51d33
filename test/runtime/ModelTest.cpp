//===- ModelTest.cpp - Tests for Model::open ------------------------------===//
//
// Loads the builds of FakeModel.c: the good one, then one per way a model
// can be refused (another llama4c version or ABI, a missing entry point, a
// malformed manifest), plus files that are not models at all. Every refusal
// is one line naming the file.
//
//===----------------------------------------------------------------------===//

#include "runtime/loader/Model.h"
#include "runtime/support/CpuFeatures.h"

#include "test/runtime/FakeModels.h"
#include "test/runtime/TestSupport.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <dlfcn.h>
#include <unistd.h>

using namespace llama4c::runtime;
using namespace llama4c::runtime::testing;

namespace {

using ModelTest = TempDirTest;

TEST_F(ModelTest, OpensAModelAndReadsItsManifest) {
  Expected<Model> model = Model::open(fakeModel());
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ(model->path(), fakeModel());
  const Manifest &manifest = model->manifest();
  EXPECT_EQ(manifest.llama4cVersion, LLAMA4C_VERSION);
  EXPECT_EQ(manifest.vocabSize, 16);
  EXPECT_EQ(manifest.eosTokenIds, std::vector<int64_t>{15});
  ASSERT_EQ(manifest.weights.size(), 2u);
  EXPECT_EQ(manifest.weights[1].name, "table");
  ASSERT_EQ(manifest.kvCache.size(), 2u);

  // A moved Model keeps the library open.
  Model moved = std::move(*model);
  EXPECT_EQ(moved.manifest().vocabSize, 16);
}

// The model reads its hidden states at logits_at unchecked: a prefill
// checks them against the call's tokens first.
TEST_F(ModelTest, APrefillRefusesLogitsOfTokensItDoesNotHave) {
  Expected<Model> model = Model::open(fakeModel());
  ASSERT_TRUE(model) << model.error().message();
  std::vector<int32_t> logitsAt = {2, 3};
  llama4c_call call{};
  call.batch = 2;
  call.seq = 3;
  call.logits_at = logitsAt.data();
  call.logits_per_row = 1;
  EXPECT_EQ(errorOf(model->prefill(call)),
            fakeModel() + ": llama4c_prefill: logits_at[1][0] = 3 is not one "
                          "of the 3 tokens of the call");
  call.logits_per_row = 0;
  EXPECT_EQ(errorOf(model->prefill(call)),
            fakeModel() + ": llama4c_prefill: logits_per_row must be at least "
                          "1 with logits_at given, got 0");
}

// dlopen("x.so") would search the library path; a bare file name must mean
// the current directory.
TEST_F(ModelTest, OpensABareFileNameInTheCurrentDirectory) {
  std::filesystem::copy_file(fakeModel(), path("local.so"));
  std::filesystem::path previous = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  Expected<Model> model = Model::open("local.so");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ(model->path(), "local.so");
}

TEST_F(ModelTest, RejectsAModelOfAnotherLlama4cVersion) {
  std::string so = fakeModel("fake-model-0.0.9");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": built by llama4c 0.0.9 (ABI " +
                std::to_string(LLAMA4C_ABI_VERSION) + "), this runtime is " +
                LLAMA4C_VERSION + " (ABI " +
                std::to_string(LLAMA4C_ABI_VERSION) + "); recompile the model");
}

TEST(CpuFeaturesTest, AreThoseOfThisMachine) {
  EXPECT_EQ(cpuHasFeature("avx2"), bool(__builtin_cpu_supports("avx2")));
  EXPECT_EQ(cpuHasFeature("avx512f"), bool(__builtin_cpu_supports("avx512f")));
  EXPECT_FALSE(cpuHasFeature("sse9"));
}

// A model for a CPU with instructions this one lacks would die on SIGILL.
TEST_F(ModelTest, RejectsAModelForInstructionsThisCpuLacks) {
  const std::string_view *lacking =
      std::find_if(std::begin(kCpuFeatures), std::end(kCpuFeatures),
                   [](std::string_view f) { return !cpuHasFeature(f); });
  if (lacking == std::end(kCpuFeatures))
    GTEST_SKIP() << "this CPU has every instruction set the runtime checks";
  std::string so = fakeModel("fake-model-cpu-from-env");
  std::string feature(*lacking);
  ::setenv("FAKE_CPU_FEATURE", feature.c_str(), 1);
  std::string message = errorOf(Model::open(so));
  ::unsetenv("FAKE_CPU_FEATURE");
  EXPECT_EQ(message, so + ": compiled for CPU fake, whose " + feature +
                         " instructions this machine lacks; recompile it "
                         "here (llama4c compile --cpu native) or for an "
                         "older CPU (--cpu x86-64-v3)");
  // Without the feature the same model loads.
  Expected<Model> model = Model::open(so);
  EXPECT_TRUE(model) << model.error().message();
}

TEST_F(ModelTest, RejectsAModelOfAnotherAbi) {
  std::string so = fakeModel("fake-model-abi1");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": built for ABI 1, this runtime is " + LLAMA4C_VERSION +
                " (ABI " + std::to_string(LLAMA4C_ABI_VERSION) +
                "); recompile the model");
}

TEST_F(ModelTest, RejectsAGpuModelWithoutItsBindSymbol) {
  std::string so = fakeModel("fake-model-gpu-no-bind");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": missing symbol llama4c_bind_gpu, which a model for "
                 "sm_90 exports");
}

// Without the NVIDIA driver a GPU model is one line naming it and the
// loader's reason; CPU models never load the driver.
TEST_F(ModelTest, ExplainsAGpuModelOnAMachineWithoutTheDriver) {
  if (void *driver = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    ::dlclose(driver);
    GTEST_SKIP() << "this machine has the CUDA driver";
  }
  std::string so = fakeModel("fake-model-gpu");
  std::string error = errorOf(Model::open(so));
  EXPECT_EQ(error.rfind(so + ": targets sm_90, but the CUDA driver cannot be "
                             "loaded: libcuda.so.1: cannot open shared object "
                             "file",
                        0),
            0u)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST_F(ModelTest, RejectsAHostModelWithoutItsStartThreadsSymbol) {
  std::string so = fakeModel("fake-model-no-start-threads");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": missing symbol llama4c_start_threads, which a model for "
                 "the host exports");
}

TEST_F(ModelTest, RejectsAMissingEntryPoint) {
  std::string so = fakeModel("fake-model-no-decode");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": missing symbol llama4c_decode; not a model made by "
                 "llama4c compile");
}

TEST_F(ModelTest, RejectsAMalformedManifest) {
  std::string so = fakeModel("fake-model-broken-manifest");
  EXPECT_EQ(errorOf(Model::open(so)),
            so + ": manifest: vocab_size: expected an integer in [1, "
                 "2147483647], got string \"16\"");
}

TEST_F(ModelTest, RejectsMissingFilesAndDirectories) {
  EXPECT_EQ(errorOf(Model::open(path("absent.so"))),
            path("absent.so") + ": cannot open: No such file or directory");
  EXPECT_EQ(errorOf(Model::open(dir)),
            dir + ": not a regular file: a directory");
}

TEST_F(ModelTest, RejectsFilesThatAreNotSharedObjects) {
  writeFile(path("config.json"), "{\"vocab_size\": 16}\n");
  EXPECT_EQ(errorOf(Model::open(path("config.json"))),
            path("config.json") +
                ": not a loadable shared object: no ELF header");
  writeFile(path("empty.so"), "");
  EXPECT_EQ(errorOf(Model::open(path("empty.so"))),
            path("empty.so") + ": not a loadable shared object: no ELF header");
}

// glibc's dlopen raises SIGBUS on a shared object cut short; the loader
// must refuse it first.
TEST_F(ModelTest, RejectsATruncatedSharedObject) {
  std::ifstream in(fakeModel(), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(bytes.size(), 4096u);
  writeFile(path("truncated.so"), bytes.substr(0, 4096));
  std::string message = errorOf(Model::open(path("truncated.so")));
  std::string prefix = path("truncated.so") +
                       ": not a loadable shared object: truncated: segment ";
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
  EXPECT_NE(message.find(", the file has 4096"), std::string::npos) << message;

  writeFile(path("header-only.so"), bytes.substr(0, 64));
  EXPECT_EQ(errorOf(Model::open(path("header-only.so"))),
            path("header-only.so") +
                ": not a loadable shared object: program headers lie outside "
                "the file");
}

// A PIE executable passes the ELF checks (it is ET_DYN); dlopen refuses it
// and its reason (wording varies with the glibc version) is passed on.
TEST_F(ModelTest, PassesOnWhatDlopenRefuses) {
  std::string message = errorOf(Model::open(LLAMA4_RUN_PATH));
  std::string prefix =
      std::string(LLAMA4_RUN_PATH) + ": not a loadable shared object: ";
  EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
  EXPECT_GT(message.size(), prefix.size()) << message;
}

} // namespace
