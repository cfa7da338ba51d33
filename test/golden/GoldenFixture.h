//===- GoldenFixture.h - A fixture's model and reference --------*- C++ -*-===//
//
// What the golden tests share: the fixture names CMake compiled, a fixture's
// model.so (built by `llama4c compile --dtype f32`) loaded with its
// checkpoint bound, the tensors of its reference.safetensors, and the
// relative error the tests compare with. Shapes: B rows, S prompt length,
// N new tokens, V vocab_size (see README.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_TEST_GOLDEN_GOLDENFIXTURE_H
#define LLAMA4C_TEST_GOLDEN_GOLDENFIXTURE_H

#include "llama4c/Status.h"
#include "runtime/generate/Generator.h"
#include "runtime/loader/LoadedModel.h"
#include "runtime/safetensors/SafetensorsFile.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace llama4c::golden {

/// Every compiled model, as CMake named them: FIXTURE for each folder
/// under test/golden/fixtures, FIXTURE__SCHEDULE for each tile schedule
/// under test/golden/schedules, each of them with `__x86_64_v3` and
/// `__emulated` appended for those builds.
std::vector<std::string> fixtureNames();

/// The builds every golden model was compiled for: "native" (CMake's
/// LLAMA4C_GOLDEN_TARGET) and, where that is the CPU, "x86_64_v3"
/// (`llama4c compile --cpu x86-64-v3`) and "emulated" (a GPU target's
/// kernels run on the host, `llama4c compile --emulate`).
std::vector<std::string> goldenBuilds();

/// The path of the model BASE ("tiny-llama4", "multimodal-bf16", ...) of
/// `build`; of a fixture name as fixtureNames() lists it, build suffix
/// included, with the default.
std::string goldenModel(const std::string &base,
                        const std::string &build = "native");

/// test/golden/fixtures/FIXTURE for the model NAME.
std::string fixtureDir(const std::string &name);

using runtime::LoadedModel;

/// Loads NAME's compiled model and binds the fixture's model.safetensors.
runtime::Expected<std::unique_ptr<LoadedModel>>
loadModel(const std::string &name);

/// The tensor `name` of `file` as a vector of T, if it is `dtype` `shape`.
template <class T>
runtime::Expected<std::vector<T>>
readTensor(const runtime::SafetensorsFile &file, const std::string &name,
           runtime::DType dtype, const std::vector<int64_t> &shape) {
  const runtime::TensorView *view = file.find(name);
  if (!view)
    return runtime::Error(file.path() + ": " + name + ": missing");
  if (view->dtype != dtype || view->shape != shape)
    return runtime::Error(file.path() + ": " + name + ": expected " +
                          runtime::describeTensorType(dtype, shape) +
                          ", got " +
                          runtime::describeTensorType(view->dtype,
                                                      view->shape));
  std::vector<T> values(view->bytes / sizeof(T));
  std::memcpy(values.data(), view->data, view->bytes);
  return values;
}

/// reference.safetensors, as plain vectors.
struct Reference {
  int64_t batch, promptLength, newTokens, vocab;
  std::vector<std::vector<int64_t>> inputIds;     // [B][S]
  std::vector<float> prefillLogits;               // [B, S, V]
  std::vector<std::vector<int64_t>> generatedIds; // [B][N]
  std::vector<float> decodeLogits;                // [B, N, V]
};

/// Reads NAME's reference, checking every tensor's dtype and shape.
runtime::Expected<Reference> loadReference(const std::string &name);
/// The same for the reference.safetensors at `path`.
runtime::Expected<Reference> loadReferenceFile(const std::string &path);

/// max |ours - reference| / max |reference| over `count` values.
double relativeError(const float *ours, const float *reference, size_t count);
/// ||ours - reference|| / ||reference|| (L2) over `count` values.
double relativeL2(const float *ours, const float *reference, size_t count);

} // namespace llama4c::golden

#endif // LLAMA4C_TEST_GOLDEN_GOLDENFIXTURE_H
