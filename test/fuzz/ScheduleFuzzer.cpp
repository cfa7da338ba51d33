//===- ScheduleFuzzer.cpp - A --pipeline YAML tile schedule ---------------===//
//
// Any text as a schedule: it is read or refused with one line, whatever its
// nesting (LLVM's YAML reader recurses per level; the reader's pre-scan
// must keep it from the stack's end).
//
//===----------------------------------------------------------------------===//

#include "compiler/TileSchedule.h"

#include "test/fuzz/LlvmFuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::Expected<llama4c::TileSchedule> schedule = llama4c::parseTileSchedule(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "schedule.yaml");
  llama4c::fuzz::checkLlvmResult(schedule);
  return 0;
}
