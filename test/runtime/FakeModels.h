//===- FakeModels.h - Where the tests find FakeModel.c's builds -*- C++ -*-===//
//
// test/runtime/CMakeLists.txt builds FakeModel.c once per variant into
// LLAMA4C_FAKE_MODELS_DIR; see FakeModel.c for what each one does.
// fakeContinuation is its arithmetic, for tests to check generations by.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_RUNTIME_FAKEMODELS_H
#define LLAMA4C_TEST_RUNTIME_FAKEMODELS_H

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace llama4c::runtime::testing {

/// The build of FakeModel.c called `variant` ("fake-model",
/// "fake-model-0.0.9", "fake-model-abi1", "fake-model-no-decode",
/// "fake-model-broken-manifest", "fake-model-gpu", "fake-model-gpu-no-bind").
inline std::string fakeModel(const std::string &variant = "fake-model") {
  return std::string(LLAMA4C_FAKE_MODELS_DIR) + "/" + variant + ".so";
}

/// FakeModel.c's vocab_size.
constexpr int64_t kVocab = 16;

/// The greedy tokens FakeModel.c gives `prompt` for `count` new tokens with
/// zero bias and table[0, 0] = `offset`, ending after a stop id.
inline std::vector<int64_t>
fakeContinuation(std::vector<int64_t> sequence, int64_t count,
                 int64_t offset = 0, const std::vector<int64_t> &stops = {}) {
  auto target = [&](int64_t p) {
    int64_t sum = p + offset;
    for (int64_t q = 0; q <= p; ++q)
      sum += (q + 1) * sequence[q];
    return sum % kVocab;
  };
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < count; ++i) {
    tokens.push_back(target(int64_t(sequence.size()) - 1));
    if (std::find(stops.begin(), stops.end(), tokens.back()) != stops.end())
      break;
    sequence.push_back(tokens.back());
  }
  return tokens;
}

} // namespace llama4c::runtime::testing

#endif // LLAMA4C_TEST_RUNTIME_FAKEMODELS_H
