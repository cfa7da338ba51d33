//===- TileSchedule.cpp - Reading a tile schedule -------------------------===//
//
// LLVM's YAML I/O: unknown keys and values of the wrong type are errors
// with their position, and no exceptions are involved.
//
//===----------------------------------------------------------------------===//

#include "compiler/TileSchedule.h"

#include "runtime/support/InputFile.h"
#include "runtime/support/Utf8.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"

using namespace llama4c;

template <> struct llvm::yaml::MappingTraits<TileSchedule> {
  static void mapping(IO &io, TileSchedule &schedule) {
    namespace keys = schedule_keys;
    io.mapOptional(keys::attentionKeyBlock.data(), schedule.attentionKeyBlock);
    io.mapOptional(keys::cpuAttentionQueryBlock.data(),
                   schedule.cpuAttentionQueryBlock);
    io.mapOptional(keys::cpuWeightBlockBytes.data(),
                   schedule.cpuWeightBlockBytes);
    io.mapOptional(keys::cpuTeamMultiplyAdds.data(),
                   schedule.cpuTeamMultiplyAdds);
    io.mapOptional(keys::gpuBlockThreads.data(), schedule.gpuBlockThreads);
    io.mapOptional(keys::gpuWarpRows.data(), schedule.gpuWarpRows);
    io.mapOptional(keys::gpuWarpColumns.data(), schedule.gpuWarpColumns);
    io.mapOptional(keys::gpuExpertRows.data(), schedule.gpuExpertRows);
    io.mapOptional(keys::gpuLaneAccumulators.data(),
                   schedule.gpuLaneAccumulators);
    io.mapOptional(keys::gpuSplitKDepth.data(), schedule.gpuSplitKDepth);
    io.mapOptional(keys::gpuAttentionSplitKeys.data(),
                   schedule.gpuAttentionSplitKeys);
    io.mapOptional(keys::gpuChainedEntry.data(), schedule.gpuChainedEntry);
    io.mapOptional(keys::moeDispatch.data(), schedule.moeDispatch);
  }
  static std::string validate(IO &, TileSchedule &schedule) {
    if (schedule.attentionKeyBlock < 1)
      return "attention_key_block must be at least 1";
    if (schedule.cpuAttentionQueryBlock < 1)
      return "cpu_attention_query_block must be at least 1";
    if (schedule.cpuWeightBlockBytes < 1)
      return "cpu_weight_block_bytes must be at least 1";
    if (schedule.cpuTeamMultiplyAdds < 0)
      return "cpu_team_multiply_adds must not be negative";
    if (schedule.gpuBlockThreads < 32 || schedule.gpuBlockThreads > 1024 ||
        schedule.gpuBlockThreads % 32)
      return "gpu_block_threads must be a multiple of 32 from 32 to 1024";
    if (schedule.gpuWarpRows < 1)
      return "gpu_warp_rows must be at least 1";
    if (schedule.gpuWarpColumns < 1)
      return "gpu_warp_columns must be at least 1";
    if (schedule.gpuExpertRows < 1)
      return "gpu_expert_rows must be at least 1";
    if (schedule.gpuLaneAccumulators < 1)
      return "gpu_lane_accumulators must be at least 1";
    if (schedule.gpuSplitKDepth < 0)
      return "gpu_split_k_depth must not be negative";
    if (schedule.gpuAttentionSplitKeys < 1)
      return "gpu_attention_split_keys must be at least 1";
    if (!schedule.moeDispatch.empty() && schedule.moeDispatch != "grouped" &&
        schedule.moeDispatch != "per-token")
      return "moe_dispatch must be grouped or per-token";
    return "";
  }
};

namespace {
/// The first diagnostic of the YAML reader, as "path:line:col: message".
struct FirstDiagnostic {
  std::string message;
  static void handle(const llvm::SMDiagnostic &diagnostic, void *context) {
    auto *self = static_cast<FirstDiagnostic *>(context);
    if (!self->message.empty())
      return;
    llvm::raw_string_ostream os(self->message);
    os << diagnostic.getFilename() << ":" << diagnostic.getLineNo() << ":"
       << diagnostic.getColumnNo() + 1 << ": " << diagnostic.getMessage();
    // A key quoted in the message may span lines of the file.
    self->message = runtime::printableLine(self->message);
  }
};
} // namespace

/// What of YAML `text` LLVM's reader recurses on, counted as an upper
/// bound: brackets and commas in quotes and comments count too, so that
/// no quoting or comment can hide structure from the count.
struct YamlShape {
  /// The deepest nesting: block levels (indentation steps, and "- " or
  /// "? " entries opening a level on the same line) plus flow levels ('[',
  /// '{'). The reader recurses once or more per level and overflows its
  /// stack on a few thousand; a schedule needs one.
  int nesting = 0;
  /// Commas: the reader recurses once per flow-entry separator that
  /// follows another ("{,,,,}"); a schedule's keys are a dozen.
  int commas = 0;
};

static YamlShape measureYaml(llvm::StringRef text) {
  YamlShape shape;
  int flow = 0;
  llvm::SmallVector<size_t> indents; // of the open block levels
  llvm::SmallVector<llvm::StringRef> lines;
  // YAML breaks lines at "\r" as well as "\n".
  llvm::SplitString(text, lines, "\r\n");
  for (llvm::StringRef line : lines) {
    llvm::StringRef body = line.ltrim(' ');
    size_t indent = line.size() - body.size();
    // A blank or comment line opens and closes no block level.
    bool content = !body.empty() && !body.starts_with("#");
    while (content && !indents.empty() && indents.back() >= indent)
      indents.pop_back();
    if (content)
      indents.push_back(indent);
    int entries = 0;
    while (body.consume_front("- ") || body.consume_front("? ")) {
      ++entries;
      body = body.ltrim(' ');
    }
    int block = int(indents.size()) + entries;
    for (char c : body) {
      if (c == '[' || c == '{')
        shape.nesting = std::max(shape.nesting, block + ++flow);
      else if ((c == ']' || c == '}') && flow > 0)
        --flow;
      else if (c == ',')
        ++shape.commas;
    }
    shape.nesting = std::max(shape.nesting, block + flow);
  }
  return shape;
}

llvm::Expected<TileSchedule> llama4c::readTileSchedule(llvm::StringRef path) {
  runtime::Expected<std::string> text =
      runtime::readInputFile(path.str(), kMaxTileScheduleBytes);
  if (!text)
    return llvm::createStringError(text.error().message());
  return parseTileSchedule(*text, path);
}

llvm::Expected<TileSchedule> llama4c::parseTileSchedule(llvm::StringRef text,
                                                        llvm::StringRef path) {
  YamlShape shape = measureYaml(text);
  if (shape.nesting > kMaxTileScheduleNesting)
    return llvm::createStringError(
        path + ": nested deeper than " + llvm::Twine(kMaxTileScheduleNesting) +
        " levels; a schedule is one mapping of keys to numbers and names");
  if (shape.commas > kMaxTileScheduleCommas)
    return llvm::createStringError(
        path + ": more than " + llvm::Twine(kMaxTileScheduleCommas) +
        " ','; a schedule is one mapping of keys to numbers and names");
  TileSchedule schedule;
  FirstDiagnostic diagnostic;
  llvm::yaml::Input input(llvm::MemoryBufferRef(text, path), nullptr,
                          &FirstDiagnostic::handle, &diagnostic);
  input >> schedule;
  if (input.error()) {
    // Some failures (a malformed directive before the document) set the
    // error without a diagnostic.
    if (diagnostic.message.empty())
      return llvm::createStringError(
          input.error(), path + ": not a YAML mapping of schedule keys");
    return llvm::createStringError(input.error(), diagnostic.message);
  }
  return schedule;
}
