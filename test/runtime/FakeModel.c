/*===- FakeModel.c - A model.so with abi.h's symbols, for runtime tests ----===*
 *
 * Stands in for `llama4c compile` output so the loader, KV cache and
 * generator can be tested without the compiler. Its "model" is arithmetic
 * that only comes out right when the runtime drives the ABI correctly:
 * every token is stored in the caches at its position, and each position's
 * logits depend on the whole history read back from the cache of its row.
 *
 * Manifest: vocab V = 16, max_position_embeddings 32, f32, eos_token_id 15;
 * weights "bias" [16] and "table" [2, 3]; kv_cache: layer 0 key, global
 * (a pool of pages of 2 positions, [kv_pages, 1, 2, 2]), and layer 0
 * value, a window of 4 slots ([B, 1, 4, 2]).
 *
 * For token t at position p of row b, a call
 *   - writes key(b, p) = (t, 1), where key(b, q) is slot q % 2 of page
 *     block_table[b][q / 2], and value[b, 0, p % 4] = (t, p + 1);
 *   - fails with status 3 unless key(b, q)[1] == 1 for every q <= p (the
 *     row's history is where it should be), and with status 4 unless
 *     value[b, 0, q % 4, 1] == q + 1 for every earlier q of p's 4-token
 *     chunk (the window holds the chunk so far, as a chunked-attention
 *     layer needs);
 *   - sets logits[b, r, v] = bias[v] - |v - target| for the token s that
 *     logits_at[b, r] names (prefill; decode: its one token), and
 *     next_tokens[b, r] to their first argmax, -1 with a NaN or +inf
 *     (each unless NULL), where
 *     target = (sum over q <= p of (q + 1) * key(b, q)[0] + p
 *               + table[0, 0]) mod V,
 *     so greedy decoding with zero weights picks `target`.
 * Status 2: a token, position, page or logits_at index out of range; 5: decode
 * with seq != 1; 7: table[0, 1] != 0 (lets a test make a call fail on
 * purpose); 8: a host model's call before llama4c_start_threads.
 *
 * Variants, chosen by macros: FAKE_LLAMA4C_VERSION (the manifest's
 * llama4c_version), FAKE_ABI_VERSION (what llama4c_abi_version returns),
 * FAKE_NO_DECODE (no llama4c_decode symbol), FAKE_NO_START_THREADS (no
 * llama4c_start_threads symbol), FAKE_BROKEN_MANIFEST
 * (vocab_size is a string), FAKE_TARGET (the manifest's target, "cpu" by
 * default), FAKE_BIND_GPU (exports a llama4c_bind_gpu that does nothing),
 * FAKE_CPU_FEATURE_FROM_ENV (the manifest's cpu.features lists the one
 * named by the environment variable FAKE_CPU_FEATURE when the model is
 * loaded).
 *
 *===----------------------------------------------------------------------===*/

#include "llama4c/abi.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FAKE_TARGET
#define FAKE_TARGET "cpu"
#endif

#ifndef FAKE_ABI_VERSION
#define FAKE_ABI_VERSION LLAMA4C_ABI_VERSION
#endif

#define FAKE_VOCAB 16
#define FAKE_WINDOW 4
#define FAKE_PAGE 2
#define FAKE_HEAD_DIM 2

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#ifdef FAKE_BROKEN_MANIFEST
#define FAKE_VOCAB_JSON "\"16\""
#else
#define FAKE_VOCAB_JSON STRINGIFY(FAKE_VOCAB)
#endif

static const char kManifest[] =
    "{\"llama4c_version\": \"" FAKE_LLAMA4C_VERSION "\","
    " \"abi_version\": " STRINGIFY(
        LLAMA4C_ABI_VERSION) ","
                             " \"target\": \"" FAKE_TARGET "\","
                             " \"emulated\": false,"
                             " \"cpu\": {\"name\": \"fake\", \"features\": ["
                             "%s]},"
                             " \"dtype\": \"f32\", "
                             "\"vocab_size\": " FAKE_VOCAB_JSON ","
                             " \"max_position_embeddings\": 32, "
                             "\"multimodal\": false,"
                             " \"image_token_index\": null,"
                             " \"config\": {\"model_type\": \"fake\", "
                             "\"eos_token_id\": 15},"
                             " \"weights\": [{\"name\": \"bias\", \"dtype\": "
                             "\"f32\", \"shape\": [16], \"role\": "
                             "\"every_step\"},"
                             "   {\"name\": \"table\", \"dtype\": \"f32\", "
                             "\"shape\": [2, 3], \"role\": \"every_step\"}],"
                             " \"kv_cache\": [{\"layer\": 0, \"kind\": "
                             "\"key\", \"dtype\": \"f32\", \"kv_heads\": 1,"
                             "   \"window\": 0, \"page_size\": " STRINGIFY(
                                 FAKE_PAGE) ", \"head_dim\": 2},"
                                            "  {\"layer\": 0, \"kind\": "
                                            "\"value\", "
                                            "\"dtype\": \"f32\", "
                                            "\"kv_heads\": 1,"
                                            "   \"window\": " STRINGIFY(
                                                FAKE_WINDOW) ", \"page_size\": "
                                                             "0, "
                                                             "\"head_dim\": "
                                                             "2}]}";

uint32_t llama4c_abi_version(void) { return FAKE_ABI_VERSION; }

#ifdef FAKE_BIND_GPU
int32_t llama4c_bind_gpu(const llama4c_gpu_driver *driver) {
  (void)driver;
  return 0;
}
#endif

/* kManifest with its cpu.features filled in, each time it is asked for. */
const char *llama4c_manifest(void) {
  static char manifest[sizeof kManifest + 64];
  char quoted[48] = "";
#ifdef FAKE_CPU_FEATURE_FROM_ENV
  const char *feature = getenv("FAKE_CPU_FEATURE");
  if (feature && strlen(feature) < sizeof quoted - 2)
    snprintf(quoted, sizeof quoted, "\"%s\"", feature);
#endif
  snprintf(manifest, sizeof manifest, kManifest, quoted);
  return manifest;
}

/* logits[b, r] for each r: `targets` holds the row's [S] targets. */
static int32_t writeLogits(const llama4c_call *call, int64_t b,
                           const int64_t *targets, int prefill) {
  const float *bias = (const float *)call->weights[0]; /* [V] */
  int64_t rows = prefill ? call->logits_per_row : 1;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t s = prefill ? call->logits_at[b * rows + r] : 0;
    if (s < 0 || s >= call->seq)
      return 2;
    int32_t greedy = -1;
    int unusable = 0;
    float best = -INFINITY;
    for (int64_t v = 0; v < FAKE_VOCAB; ++v) {
      float logit = bias[v] - (float)llabs(v - targets[s]);
      if (call->logits)
        call->logits[(b * rows + r) * FAKE_VOCAB + v] = logit;
      unusable |= isnan(logit) || logit == INFINITY;
      if (logit > best) {
        best = logit;
        greedy = (int32_t)v;
      }
    }
    if (call->next_tokens)
      call->next_tokens[b * rows + r] = unusable ? -1 : greedy;
  }
  return 0;
}

/* The key of position q of the row whose pages are `pages`. */
static float *keyAt(const llama4c_call *call, const int32_t *pages, int64_t q) {
  return (float *)call->kv_cache[0] +
         ((int64_t)pages[q / FAKE_PAGE] * FAKE_PAGE + q % FAKE_PAGE) *
             FAKE_HEAD_DIM;
}

static int threadsStarted;

#ifndef FAKE_NO_START_THREADS
int32_t llama4c_start_threads(void) {
  threadsStarted = 1;
  return 0;
}
#endif

static int32_t run(const llama4c_call *call, int prefill) {
  if (!threadsStarted && strcmp(FAKE_TARGET, "cpu") == 0)
    return 8;
  const float *table = (const float *)call->weights[1]; /* [2, 3] */
  if (table[1] != 0)
    return 7;
  int64_t slots = call->block_table_width * FAKE_PAGE;
  int64_t *targets = malloc((size_t)call->seq * sizeof(int64_t));
  if (!targets)
    return 6;
  int32_t status = 0;
  for (int64_t b = 0; b < call->batch; ++b) {
    const int32_t *pages = call->block_table + b * call->block_table_width;
    float *value = (float *)call->kv_cache[1] + b * FAKE_WINDOW * FAKE_HEAD_DIM;
    for (int64_t s = 0; s < call->seq; ++s) {
      int64_t t = call->tokens[b * call->seq + s];
      int64_t p = call->positions[b * call->seq + s];
      if (t < 0 || t >= FAKE_VOCAB || p < 0 || p >= slots) {
        status = 2;
        goto done;
      }
      for (int64_t page = 0; page <= p / FAKE_PAGE; ++page)
        if (pages[page] < 0 || pages[page] >= call->kv_pages) {
          status = 2;
          goto done;
        }
      for (int64_t q = p - p % FAKE_WINDOW; q < p; ++q)
        if (value[(q % FAKE_WINDOW) * FAKE_HEAD_DIM + 1] != (float)(q + 1)) {
          status = 4;
          goto done;
        }
      float *key = keyAt(call, pages, p);
      key[0] = (float)t;
      key[1] = 1;
      value[(p % FAKE_WINDOW) * FAKE_HEAD_DIM] = (float)t;
      value[(p % FAKE_WINDOW) * FAKE_HEAD_DIM + 1] = (float)(p + 1);

      int64_t sum = p + (int64_t)table[0];
      for (int64_t q = 0; q <= p; ++q) {
        const float *earlier = keyAt(call, pages, q);
        if (earlier[1] != 1) {
          status = 3;
          goto done;
        }
        sum += (q + 1) * (int64_t)earlier[0];
      }
      targets[s] = sum % FAKE_VOCAB;
    }
    if ((status = writeLogits(call, b, targets, prefill)) != 0)
      goto done;
  }
done:
  free(targets);
  return status;
}

int32_t llama4c_prefill(const llama4c_call *call) { return run(call, 1); }

#ifndef FAKE_NO_DECODE
int32_t llama4c_decode(const llama4c_call *call) {
  return call->seq == 1 ? run(call, 0) : 5;
}
#endif
