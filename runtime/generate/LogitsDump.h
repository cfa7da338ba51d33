//===- LogitsDump.h - A Generation's tokens and logits on disk --*- C++ -*-===//
//
// llama4-run --dump-logits: one safetensors file, laid out so it can be
// compared with test/golden's reference.safetensors. B rows, V vocab_size,
// N = the longest row's new tokens, S_b = row b's prompt length:
//   generated_ids       I64 [B, N]       -1 after a row's stop id
//   prefill_logits.<b>  F32 [S_b, V]     one per row, as lengths may differ
//   decode_logits       F32 [B, N-1, V]  ([B, 0, V] when N = 0)
// Step t of decode_logits is the decode call that fed generated_ids[:, t],
// i.e. the scores of generated_ids[:, t+1]. The reference's
// decode_logits[:, 0] is the prefill's last position; ours starts one step
// later, at its [:, 1].
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_GENERATE_LOGITSDUMP_H
#define LLAMA4C_RUNTIME_GENERATE_LOGITSDUMP_H

#include "llama4c/Status.h"
#include "runtime/generate/Generator.h"

#include <string>

namespace llama4c::runtime {

/// Writes `generation`, which must have been made with keepLogits, to
/// `path`. Fails with "PATH: cannot write: REASON".
Expected<void> writeLogitsDump(const std::string &path,
                               const Generation &generation, int64_t vocabSize);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_GENERATE_LOGITSDUMP_H
