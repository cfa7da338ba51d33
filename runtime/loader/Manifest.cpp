//===- Manifest.cpp - Parse and validate a model's manifest ---------------===//
//
// A FieldReader walks the JSON once. The first field that is missing or
// mistyped becomes the error; reads after it return placeholders, so the
// parse below reads like the manifest's own layout instead of a ladder of
// early returns.
//
//===----------------------------------------------------------------------===//

#include "runtime/loader/Manifest.h"

#include "llama4c/ManifestKeys.h"
#include "llama4c/abi.h"
#include "runtime/support/CpuFeatures.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <set>

namespace llama4c::runtime {

namespace {

namespace keys = llama4c::manifest;

constexpr int64_t kInt32Limit = std::numeric_limits<int32_t>::max();
constexpr int64_t kInt64Limit = std::numeric_limits<int64_t>::max();

std::string joinField(const std::string &parent, const std::string &key) {
  return parent.empty() ? key : parent + "." + key;
}

/// Typed reads of JSON fields, keeping the first failure.
class FieldReader {
public:
  explicit FieldReader(const std::string &source)
      : prefix(source + ": manifest: ") {}

  /// `object[key]`, or null after recording "FIELD: missing".
  const Json &member(const Json &object, const std::string &field,
                     const char *key) {
    static const Json kNull;
    auto it = object.find(key);
    if (it != object.end())
      return *it;
    fail(joinField(field, key), "missing");
    return kNull;
  }

  /// An integer in [min, max].
  int64_t integer(const Json &object, const std::string &field, const char *key,
                  int64_t min, int64_t max = kInt64Limit) {
    const Json &value = member(object, field, key);
    if (!ok())
      return 0;
    std::optional<int64_t> number;
    if (value.is_number_unsigned()) {
      if (value.get<uint64_t>() <= uint64_t(kInt64Limit))
        number = int64_t(value.get<uint64_t>());
    } else if (value.is_number_integer()) {
      number = value.get<int64_t>();
    }
    if (!number || *number < min || *number > max)
      fail(joinField(field, key),
           "expected an integer in [" + std::to_string(min) + ", " +
               std::to_string(max) + "], got " + describeJson(value));
    return number && ok() ? *number : 0;
  }

  std::string string(const Json &object, const std::string &field,
                     const char *key) {
    const Json &value = member(object, field, key);
    if (ok() && !value.is_string())
      fail(joinField(field, key),
           "expected a string, got " + describeJson(value));
    return ok() ? value.get<std::string>() : std::string();
  }

  bool boolean(const Json &object, const std::string &field, const char *key) {
    const Json &value = member(object, field, key);
    if (ok() && !value.is_boolean())
      fail(joinField(field, key),
           "expected true or false, got " + describeJson(value));
    return ok() && value.get<bool>();
  }

  /// The value of one of `names`: "expected \"a\", \"b\" or \"c\", got
  /// \"d\"" otherwise.
  template <class T>
  T oneOf(const Json &object, const std::string &field, const char *key,
          const std::vector<std::pair<std::string, T>> &names) {
    std::string name = string(object, field, key);
    std::string expected;
    for (size_t i = 0; i < names.size(); ++i) {
      if (name == names[i].first)
        return names[i].second;
      if (i)
        expected += i + 1 == names.size() ? " or " : ", ";
      expected += "\"" + names[i].first + "\"";
    }
    if (ok())
      fail(joinField(field, key),
           "expected " + expected + ", got " + quoteJson(name));
    return names.front().second;
  }

  /// One of the dtypes `allowed`, by name ("f32", "bf16", ...).
  DType dtype(const Json &object, const std::string &field, const char *key,
              std::initializer_list<DType> allowed) {
    std::vector<std::pair<std::string, DType>> names;
    for (DType candidate : allowed)
      names.emplace_back(dtypeName(candidate), candidate);
    return oneOf(object, field, key, names);
  }

  /// "f32" or "bf16", the compute types a model may have.
  DType computeType(const Json &object, const std::string &field,
                    const char *key) {
    return dtype(object, field, key, {DType::F32, DType::BF16});
  }

  /// `object[key]` if it is of the given kind, else an empty one.
  const Json &array(const Json &object, const std::string &field,
                    const char *key) {
    static const Json kEmpty = Json::array();
    const Json &value = member(object, field, key);
    if (ok() && !value.is_array())
      fail(joinField(field, key),
           "expected an array, got " + describeJson(value));
    return ok() ? value : kEmpty;
  }
  const Json &object(const Json &parent, const std::string &field,
                     const char *key) {
    static const Json kEmpty = Json::object();
    const Json &value = member(parent, field, key);
    if (ok() && !value.is_object())
      fail(joinField(field, key),
           "expected an object, got " + describeJson(value));
    return ok() ? value : kEmpty;
  }

  /// Records "PREFIX FIELD: what" unless a failure is already recorded.
  void fail(const std::string &field, const std::string &what) {
    if (ok())
      failure = Error(prefix + field + ": " + what);
  }
  bool ok() const { return !failure; }

  std::optional<Error> failure;

private:
  std::string prefix;
};

/// Non-negative integers; transformers allows one id or a list.
std::vector<int64_t> readEosTokenIds(FieldReader &reader, const Json &config) {
  std::string field = "config.eos_token_id";
  const Json *value = nullptr;
  if (auto it = config.find("eos_token_id"); it != config.end()) {
    value = &*it;
  } else if (auto text = config.find("text_config");
             text != config.end() && text->is_object()) {
    if (auto it = text->find("eos_token_id"); it != text->end()) {
      value = &*it;
      field = "config.text_config.eos_token_id";
    }
  }
  if (!value || value->is_null())
    return {};
  std::vector<int64_t> ids;
  bool valid = true;
  auto add = [&](const Json &id) {
    std::optional<uint64_t> number = jsonUnsigned(id);
    valid = valid && number && *number <= uint64_t(kInt64Limit);
    if (valid)
      ids.push_back(int64_t(*number));
  };
  if (value->is_array())
    for (const Json &id : *value)
      add(id);
  else
    add(*value);
  if (!valid)
    reader.fail(field,
                "expected a token id, a list of token ids or null, got " +
                    describeJson(*value));
  return ids;
}

ManifestWeight readWeight(FieldReader &reader, const Json &entry,
                          const std::string &field) {
  ManifestWeight weight;
  if (!entry.is_object()) {
    reader.fail(field, "expected an object, got " + describeJson(entry));
    return weight;
  }
  weight.name = reader.string(entry, field, keys::kWeightName);
  if (reader.ok() && weight.name.empty())
    reader.fail(field + "." + keys::kWeightName, "empty");
  weight.dtype = reader.computeType(entry, field, keys::kWeightDtype);
  const Json &shape = reader.array(entry, field, keys::kWeightShape);
  for (const Json &dim : shape) {
    std::optional<uint64_t> size = jsonUnsigned(dim);
    if (!size || *size > uint64_t(kInt64Limit)) {
      reader.fail(field + "." + keys::kWeightShape,
                  "expected non-negative integers, got " + describeJson(dim));
      break;
    }
    weight.shape.push_back(int64_t(*size));
  }
  weight.role = reader.oneOf<WeightRole>(
      entry, field, keys::kWeightRole,
      {{keys::kRoleEveryStep, WeightRole::EveryStep},
       {keys::kRoleRoutedExperts, WeightRole::RoutedExperts},
       {keys::kRoleEmbedding, WeightRole::Embedding},
       {keys::kRoleVision, WeightRole::Vision}});
  return weight;
}

ManifestKvCache readKvCache(FieldReader &reader, const Json &entry,
                            const std::string &field) {
  ManifestKvCache cache{};
  if (!entry.is_object()) {
    reader.fail(field, "expected an object, got " + describeJson(entry));
    return cache;
  }
  cache.layer = reader.integer(entry, field, keys::kCacheLayer, 0);
  cache.kind = reader.oneOf<KvKind>(entry, field, keys::kCacheKind,
                                    {{"key", KvKind::Key},
                                     {"value", KvKind::Value},
                                     {"key_scales", KvKind::KeyScales},
                                     {"value_scales", KvKind::ValueScales}});
  cache.dtype = reader.dtype(entry, field, keys::kCacheDtype,
                             {DType::F32, DType::BF16, DType::F8E4M3});
  cache.kvHeads =
      reader.integer(entry, field, keys::kCacheKvHeads, 1, kInt32Limit);
  cache.window =
      reader.integer(entry, field, keys::kCacheWindow, 0, kInt32Limit);
  cache.pageSize =
      reader.integer(entry, field, keys::kCachePageSize, 0, kInt32Limit);
  if (reader.ok() && (cache.window == 0) == (cache.pageSize == 0))
    reader.fail(field, "expected one of window and page_size to be 0, got " +
                           std::to_string(cache.window) + " and " +
                           std::to_string(cache.pageSize));
  cache.headDim =
      reader.integer(entry, field, keys::kCacheHeadDim, 1, kInt32Limit);
  return cache;
}

} // namespace

int64_t Manifest::attentionChunk() const {
  int64_t chunk = 0;
  for (const ManifestKvCache &entry : kvCache)
    if (entry.window > 0)
      chunk = chunk ? std::min(chunk, entry.window) : entry.window;
  return chunk;
}

uint64_t ManifestWeight::bytes() const {
  uint64_t size = dtypeSize(dtype);
  for (int64_t extent : shape)
    size *= uint64_t(extent);
  return size;
}

uint64_t Manifest::weightBytes() const {
  uint64_t total = 0;
  for (const ManifestWeight &weight : weights)
    total += weight.bytes();
  return total;
}

Expected<Manifest> parseManifest(std::string_view text,
                                 const std::string &source) {
  Expected<Json> parsed = parseStrictJson(text, source + ": manifest");
  if (!parsed)
    return parsed.error();
  const Json &root = *parsed;
  FieldReader reader(source);
  if (!root.is_object())
    return Error(source + ": manifest: expected a JSON object, got " +
                 describeJson(root));

  Manifest manifest;
  manifest.llama4cVersion = reader.string(root, "", keys::kLlama4cVersion);
  manifest.abiVersion =
      uint32_t(reader.integer(root, "", keys::kAbiVersion, 0, UINT32_MAX));
  if (reader.failure)
    return *reader.failure;
  if (manifest.llama4cVersion != LLAMA4C_VERSION ||
      manifest.abiVersion != LLAMA4C_ABI_VERSION)
    return Error(source + ": built by llama4c " + manifest.llama4cVersion +
                 " (ABI " + std::to_string(manifest.abiVersion) +
                 "), this runtime is " + LLAMA4C_VERSION + " (ABI " +
                 std::to_string(LLAMA4C_ABI_VERSION) +
                 "); recompile the model");

  manifest.target = reader.string(root, "", keys::kTarget);
  if (reader.ok() && manifest.target != "cpu" && manifest.target != "sm_80" &&
      manifest.target != "sm_90")
    reader.fail(keys::kTarget,
                "expected \"cpu\", \"sm_80\" or \"sm_90\", got " +
                    quoteJson(manifest.target));
  manifest.emulated = reader.boolean(root, "", keys::kEmulated);
  if (reader.ok() && manifest.emulated && manifest.target == "cpu")
    reader.fail(keys::kEmulated, "true needs a GPU target to emulate, got "
                                 "target \"cpu\"");
  const Json &cpu = reader.object(root, "", keys::kCpu);
  manifest.cpu.name = reader.string(cpu, keys::kCpu, keys::kCpuName);
  const Json &features = reader.array(cpu, keys::kCpu, keys::kCpuFeatures);
  for (size_t i = 0; i < features.size() && reader.ok(); ++i) {
    std::string field = std::string(keys::kCpu) + "." + keys::kCpuFeatures +
                        "[" + std::to_string(i) + "]";
    const Json &feature = features[i];
    if (!feature.is_string() ||
        std::find(std::begin(kCpuFeatures), std::end(kCpuFeatures),
                  feature.get<std::string>()) == std::end(kCpuFeatures))
      reader.fail(field, "expected an instruction set this runtime checks, "
                         "got " +
                             describeJson(feature));
    else
      manifest.cpu.features.push_back(feature.get<std::string>());
  }
  manifest.dtype = reader.computeType(root, "", keys::kDtype);
  manifest.vocabSize =
      reader.integer(root, "", keys::kVocabSize, 1, kInt32Limit);
  manifest.maxPositionEmbeddings =
      reader.integer(root, "", keys::kMaxPositionEmbeddings, 1, kInt32Limit);
  manifest.multimodal = reader.boolean(root, "", keys::kMultimodal);
  if (!reader.member(root, "", keys::kImageTokenIndex).is_null())
    manifest.imageTokenIndex =
        reader.integer(root, "", keys::kImageTokenIndex, 0);
  if (manifest.multimodal) {
    const Json &vision = reader.object(root, "", keys::kVision);
    if (reader.ok())
      manifest.vision = ManifestVision{
          reader.integer(vision, keys::kVision, keys::kImageSize, 1, 1 << 16),
          reader.integer(vision, keys::kVision, keys::kNumChannels, 1, 16),
          reader.integer(vision, keys::kVision, keys::kTokensPerTile, 1,
                         1 << 20)};
  }
  manifest.config = reader.object(root, "", keys::kConfig);
  manifest.eosTokenIds = readEosTokenIds(reader, manifest.config);

  std::set<std::string> names;
  const Json &weights = reader.array(root, "", keys::kWeights);
  for (size_t i = 0; i < weights.size() && reader.ok(); ++i) {
    std::string field =
        std::string(keys::kWeights) + "[" + std::to_string(i) + "]";
    manifest.weights.push_back(readWeight(reader, weights[i], field));
    if (reader.ok() && !names.insert(manifest.weights.back().name).second)
      reader.fail(field + "." + keys::kWeightName,
                  manifest.weights.back().name + " appears twice");
  }
  const Json &caches = reader.array(root, "", keys::kKvCache);
  for (size_t i = 0; i < caches.size() && reader.ok(); ++i)
    manifest.kvCache.push_back(readKvCache(reader, caches[i],
                                           std::string(keys::kKvCache) + "[" +
                                               std::to_string(i) + "]"));

  if (reader.failure)
    return *reader.failure;
  return manifest;
}

} // namespace llama4c::runtime
