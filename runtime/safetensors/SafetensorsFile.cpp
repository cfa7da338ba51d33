//===- SafetensorsFile.cpp - Validate a safetensors header ----------------===//
//
// Checks run in file order: the length prefix, the JSON, each entry on its
// own (dtype, shape, offsets, byte length), then all entries together (no
// two overlap). Gaps between tensors and trailing bytes are allowed: nothing
// reads them, and the format does not say they are corrupt.
//
//===----------------------------------------------------------------------===//

#include "runtime/safetensors/SafetensorsFile.h"

#include "runtime/safetensors/StrictJson.h"

#include <algorithm>

namespace llama4c::runtime {

namespace {

constexpr const char *kMetadataKey = "__metadata__";
constexpr uint64_t kLengthPrefixBytes = 8;

/// Where one tensor's bytes lie in the data section, for the overlap check.
struct ByteRange {
  uint64_t begin, end;
  size_t tensor; // index into the views being built
};

uint64_t readLittleEndian64(const unsigned char *bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | bytes[i];
  return value;
}

/// Validates one header entry and returns its view. `dataSection` holds the
/// `dataBytes` bytes after the header; `range` receives the entry's offsets.
Expected<TensorView> parseTensor(const std::string &file,
                                 const std::string &name, const Json &entry,
                                 const unsigned char *dataSection,
                                 uint64_t dataBytes, ByteRange &range) {
  std::string where = file + ": " + name + ": ";
  if (!entry.is_object())
    return Error(where +
                 "expected an object with dtype, shape and "
                 "data_offsets, got " +
                 describeJson(entry));
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (entry.find(field) == entry.end())
      return Error(where + "missing " + field);

  const Json &dtypeJson = *entry.find("dtype");
  if (!dtypeJson.is_string())
    return Error(where + "dtype must be a string, got " +
                 describeJson(dtypeJson));
  const std::string &tag = dtypeJson.get_ref<const std::string &>();
  std::optional<DType> dtype = parseDType(tag);
  if (!dtype)
    return Error(where + "unknown dtype " + quoteJson(tag));

  const Json &shapeJson = *entry.find("shape");
  if (!shapeJson.is_array())
    return Error(where + "shape must be an array of dimensions, got " +
                 describeJson(shapeJson));
  std::vector<int64_t> shape;
  // Count elements as we go; past 2^64 the byte check below is meaningless.
  uint64_t numElements = 1;
  bool elementsOverflow = false;
  for (size_t i = 0; i < shapeJson.size(); ++i) {
    std::optional<uint64_t> dim = jsonUnsigned(shapeJson[i]);
    if (!dim || *dim > uint64_t(INT64_MAX))
      return Error(where + "shape[" + std::to_string(i) +
                   "] must be a non-negative integer, got " +
                   describeJson(shapeJson[i]));
    shape.push_back(int64_t(*dim));
    elementsOverflow |= __builtin_mul_overflow(numElements, *dim, &numElements);
  }

  const Json &offsetsJson = *entry.find("data_offsets");
  if (!offsetsJson.is_array() || offsetsJson.size() != 2)
    return Error(where + "data_offsets must be [begin, end], got " +
                 describeJson(offsetsJson));
  uint64_t offsets[2];
  for (size_t i = 0; i < 2; ++i) {
    std::optional<uint64_t> offset = jsonUnsigned(offsetsJson[i]);
    if (!offset)
      return Error(where + "data_offsets[" + std::to_string(i) +
                   "] must be a non-negative integer, got " +
                   describeJson(offsetsJson[i]));
    offsets[i] = *offset;
  }
  auto [begin, end] = offsets;
  std::string offsetsText =
      "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
  if (begin > end)
    return Error(where + "data_offsets " + offsetsText +
                 ": begin is after end");
  if (end > dataBytes)
    return Error(where + "data_offsets " + offsetsText +
                 ": end is past the data section (" +
                 std::to_string(dataBytes) + " bytes)");

  std::string type = describeTensorType(*dtype, shape);
  uint64_t neededBytes;
  if (elementsOverflow ||
      __builtin_mul_overflow(numElements, uint64_t(dtypeSize(*dtype)),
                             &neededBytes))
    return Error(where + type + " needs more than 2^64 bytes");
  if (end - begin != neededBytes)
    return Error(where + "data_offsets " + offsetsText + " hold " +
                 std::to_string(end - begin) + " bytes but " + type +
                 " needs " + std::to_string(neededBytes));

  range.begin = begin;
  range.end = end;
  return TensorView{name, *dtype, std::move(shape), dataSection + begin,
                    size_t(end - begin)};
}

/// Reads "__metadata__": an object of string values.
Expected<std::map<std::string, std::string>>
parseMetadata(const std::string &file, const Json &object) {
  if (!object.is_object())
    return Error(file + ": " + kMetadataKey +
                 ": must be an object of strings, got " + describeJson(object));
  std::map<std::string, std::string> metadata;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!it.value().is_string())
      return Error(file + ": " + kMetadataKey + "." + it.key() +
                   ": must be a string, got " + describeJson(it.value()));
    metadata[it.key()] = it.value().get<std::string>();
  }
  return metadata;
}

/// Fails naming both tensors when two non-empty ranges share a byte.
/// Empty tensors occupy no bytes, so they may sit anywhere.
Expected<void> checkNoOverlap(const std::string &file,
                              std::vector<ByteRange> ranges,
                              const std::vector<TensorView> &views) {
  ranges.erase(
      std::remove_if(ranges.begin(), ranges.end(),
                     [](const ByteRange &r) { return r.begin == r.end; }),
      ranges.end());
  std::sort(
      ranges.begin(), ranges.end(),
      [](const ByteRange &a, const ByteRange &b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    const ByteRange &previous = ranges[i - 1], &current = ranges[i];
    if (current.begin < previous.end)
      return Error(file + ": " + views[current.tensor].name + ": bytes [" +
                   std::to_string(current.begin) + ", " +
                   std::to_string(current.end) + ") overlap tensor " +
                   views[previous.tensor].name + " at [" +
                   std::to_string(previous.begin) + ", " +
                   std::to_string(previous.end) + ")");
  }
  return {};
}

} // namespace

std::string describeTensorType(DType dtype, const std::vector<int64_t> &shape) {
  std::string text = std::string(dtypeName(dtype)) + " [";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

Expected<SafetensorsFile>
SafetensorsFile::open(const std::string &path,
                      const SafetensorsOptions &options) {
  Expected<MappedFile> mapped =
      MappedFile::open(path, options.memory, options.progress);
  if (!mapped)
    return mapped.error();
  SafetensorsFile file(path, std::move(*mapped));
  const unsigned char *bytes = file.mapping.data();
  uint64_t fileBytes = file.mapping.size();

  if (fileBytes < kLengthPrefixBytes)
    return Error(path + ": file is " + std::to_string(fileBytes) +
                 " bytes, too short for the 8-byte header length");
  uint64_t headerBytes = readLittleEndian64(bytes);
  if (headerBytes > options.maxHeaderBytes)
    return Error(path + ": header length " + std::to_string(headerBytes) +
                 " exceeds the limit of " +
                 std::to_string(options.maxHeaderBytes) + " bytes");
  if (headerBytes > fileBytes - kLengthPrefixBytes)
    return Error(path + ": header length " + std::to_string(headerBytes) +
                 " runs past the end of the file (" +
                 std::to_string(fileBytes) + " bytes)");

  std::string_view headerText(
      reinterpret_cast<const char *>(bytes + kLengthPrefixBytes),
      size_t(headerBytes));
  Expected<Json> header = parseStrictJson(headerText, path);
  if (!header)
    return header.error();
  if (!header->is_object())
    return Error(path + ": header must be a JSON object, got " +
                 describeJson(*header));

  const unsigned char *dataSection = bytes + kLengthPrefixBytes + headerBytes;
  uint64_t dataBytes = fileBytes - kLengthPrefixBytes - headerBytes;
  std::vector<ByteRange> ranges;
  for (auto it = header->begin(); it != header->end(); ++it) {
    if (it.key() == kMetadataKey) {
      Expected<std::map<std::string, std::string>> metadata =
          parseMetadata(path, it.value());
      if (!metadata)
        return metadata.error();
      file.metadataMap = std::move(*metadata);
      continue;
    }
    ByteRange range{0, 0, file.views.size()};
    Expected<TensorView> view =
        parseTensor(path, it.key(), it.value(), dataSection, dataBytes, range);
    if (!view)
      return view.error();
    file.views.push_back(std::move(*view));
    ranges.push_back(range);
  }
  if (Expected<void> disjoint =
          checkNoOverlap(path, std::move(ranges), file.views);
      !disjoint)
    return disjoint.error();

  // nlohmann's objects iterate in key order already; sorting here makes
  // find()'s binary search independent of that detail.
  std::sort(
      file.views.begin(), file.views.end(),
      [](const TensorView &a, const TensorView &b) { return a.name < b.name; });
  return file;
}

const TensorView *SafetensorsFile::find(std::string_view name) const {
  auto it = std::lower_bound(views.begin(), views.end(), name,
                             [](const TensorView &view, std::string_view key) {
                               return view.name < key;
                             });
  return it != views.end() && it->name == name ? &*it : nullptr;
}

} // namespace llama4c::runtime
