//===- FakeModels.h - Where the tests find FakeModel.c's builds -*- C++ -*-===//
//
// test/runtime/CMakeLists.txt builds FakeModel.c once per variant into
// LLAMA4C_FAKE_MODELS_DIR; see FakeModel.c for what each one does.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_RUNTIME_FAKEMODELS_H
#define LLAMA4C_TEST_RUNTIME_FAKEMODELS_H

#include <string>

namespace llama4c::runtime::testing {

/// The build of FakeModel.c called `variant` ("fake-model",
/// "fake-model-0.0.9", "fake-model-abi2", "fake-model-no-decode",
/// "fake-model-broken-manifest").
inline std::string fakeModel(const std::string &variant = "fake-model") {
  return std::string(LLAMA4C_FAKE_MODELS_DIR) + "/" + variant + ".so";
}

} // namespace llama4c::runtime::testing

#endif // LLAMA4C_TEST_RUNTIME_FAKEMODELS_H
