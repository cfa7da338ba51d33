/*===- abi.h - The C ABI of a model compiled by llama4c ------------------===*
 *
 * A `model.so` made by `llama4c compile` exports exactly these symbols. The
 * runtime dlopens the file, checks llama4c_abi_version(), reads the
 * manifest and calls the entry points. Shared by the compiler (which emits
 * code that reads `llama4c_call` field by field, in this order) and the
 * runtime; plain C so that any language can drive a model.
 *
 *===----------------------------------------------------------------------===*/

#ifndef LLAMA4C_ABI_H
#define LLAMA4C_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever llama4c_call or the manifest's meaning changes. */
#define LLAMA4C_ABI_VERSION 9

/* One prefill or decode call. Arrays are dense, row-major. B = batch,
 * S = new tokens (1 for decode); both at least 1. */
typedef struct llama4c_call {
  /* Every weight, in the order of the manifest's "weights" array, in the
   * dtype the manifest gives (the model's compute type). */
  const void *const *weights;
  /* [B, S] token ids, each < vocab_size. */
  const int32_t *tokens;
  /* [B, S] absolute positions of those tokens; row b continues where its
   * previous call ended (positions[b][0] = tokens already in the cache). */
  const int32_t *positions;
  int64_t batch;
  int64_t seq;
  /* Two buffers per decoder layer, key then value, in the order of the
   * manifest's "kv_cache" array, of each entry's dtype (the compute type,
   * or f8_e4m3 codes followed by two more buffers, the keys' and the
   * values' f32 scales, head_dim 1), updated in place: a
   * chunked layer's [B, kv_heads, window, head_dim] (position p of row b
   * in slot p mod window); a global layer's pool of kv_pages pages
   * [kv_pages, kv_heads, page_size, head_dim], position p of row b in slot
   * p mod page_size of page block_table[b][p / page_size]. */
  void *const *kv_cache;
  /* [B, block_table_width]: the pages of each row, every one that holds a
   * position below the row's last of this call, each < kv_pages. Rows own
   * distinct pages. NULL (and 0, 0) for a model without global layers. */
  const int32_t *block_table;
  int64_t block_table_width;
  int64_t kv_pages;
  /* Prefill: [B, logits_per_row] indices s (0 <= s < S) of the tokens
   * whose logits the call returns, in the order given: each row's last
   * (S - 1) to generate, 0 ... S - 1 for every position. The final norm
   * and the LM head run on those tokens only. Decode ignores both fields:
   * it returns its one token's logits. */
  const int32_t *logits_at;
  int64_t logits_per_row;
  /* [B, logits_per_row (decode: 1), vocab_size] f32, written by the call;
   * NULL for none. */
  float *logits;
  /* [B, logits_per_row (decode: 1)], NULL for none: the greedy token of
   * each of those logits rows, computed where the model runs, so that a GPU
   * step copies back B ids, not B x vocab_size logits: the index of the
   * largest logit (the first of equal ones), or -1 where a logit is NaN or
   * +inf or every logit is -inf (no token can be drawn). */
  int32_t *next_tokens;
  /* Multimodal prefill only: [tiles, channels, image_size, image_size] in
   * the compute type; NULL with tiles = 0 otherwise. */
  const void *pixel_values;
  int64_t tiles;
} llama4c_call;

/* A GPU model (manifest "target" "sm_80" or "sm_90") reaches the CUDA
 * driver only through these functions, which the runtime hands to
 * llama4c_bind_gpu() once, before the first call. Every pointer of
 * llama4c_call but `weights` and `kv_cache` themselves (host arrays) is
 * then a device pointer. The functions are those MLIR's GPU lowering
 * calls (mgpuModuleLoadJIT, ..., and the allocator of memrefs); each
 * reports its failures through the runtime, not to the model. */
typedef struct llama4c_gpu_driver {
  /* Loads NUL-terminated PTX, JIT-compiled at `opt_level`. */
  void *(*module_load)(const void *ptx, int32_t opt_level);
  void (*module_unload)(void *module);
  void *(*module_get_function)(void *module, const char *name);
  void *(*stream_create)(void);
  void (*stream_synchronize)(void *stream);
  void (*stream_destroy)(void *stream);
  void (*launch_kernel)(void *function, int64_t grid_x, int64_t grid_y,
                        int64_t grid_z, int64_t block_x, int64_t block_y,
                        int64_t block_z, int32_t shared_bytes, void *stream,
                        void **params, void **extra, int64_t param_count);
  /* Device memory for the model's temporaries. */
  void *(*alloc)(int64_t bytes);
  void (*free)(void *device_pointer);
} llama4c_gpu_driver;

/* LLAMA4C_ABI_VERSION of the compiler that made the model. */
uint32_t llama4c_abi_version(void);
/* NUL-terminated JSON: llama4c version, abi version, target (cpu, sm_80,
 * sm_90), cpu {name, features} of the host code, config, dtype,
 * weights [{name, dtype, shape}], kv_cache [{layer, kind (key, value,
 * key_scales, value_scales), dtype, kv_heads, window (a chunked layer's;
 * else 0), page_size (a global layer's; else 0), head_dim}], vocab_size,
 * max_position_embeddings. */
const char *llama4c_manifest(void);
/* Host models only (target "cpu", or emulated): starts the OpenMP runtime
 * and its threads, which libomp otherwise does in the first parallel
 * region of the first call (about 2 ms), so that the first prefill does
 * not wait for it. The runtime calls it once, after loading, with the
 * thread count already set (OMP_NUM_THREADS). Returns 0. */
int32_t llama4c_start_threads(void);
/* Both return 0 on success. */
int32_t llama4c_prefill(const llama4c_call *call);
int32_t llama4c_decode(const llama4c_call *call);
/* GPU models only: keeps `driver` (which must outlive the model) and loads
 * the kernels. Returns 0. */
int32_t llama4c_bind_gpu(const llama4c_gpu_driver *driver);

#ifdef __cplusplus
}
#endif

#endif /* LLAMA4C_ABI_H */
