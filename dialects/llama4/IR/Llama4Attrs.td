//===- Llama4Attrs.td - Attributes of the llama4 dialect ------------------===//

#ifndef LLAMA4_ATTRS_TD
#define LLAMA4_ATTRS_TD

include "mlir/IR/AttrTypeBase.td"
include "dialects/llama4/IR/Llama4Dialect.td"
include "dialects/llama4/IR/Llama4Enums.td"

// A double-precision parameter written as a plain float literal.
def Llama4_F64Parameter : APFloatParameter<"64-bit float"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::APFloat> {
    double value;
    if (::mlir::failed($_parser.parseFloat(value)))
      return ::mlir::failure();
    return ::llvm::APFloat(value);
  }() }];
  let printer = [{ $_printer << $_self.convertToDouble() }];
}

// A list of sizes written in brackets, `[0, 512, 0]`; omitted when empty.
def Llama4_SizesParameter : OptionalArrayRefParameter<"int64_t"> {
  let parser = [{ [&]() -> ::mlir::FailureOr<::llvm::SmallVector<int64_t>> {
    ::llvm::SmallVector<int64_t> sizes;
    if (::mlir::failed($_parser.parseCommaSeparatedList(
            ::mlir::AsmParser::Delimiter::Square,
            [&] { return $_parser.parseInteger(sizes.emplace_back()); })))
      return ::mlir::failure();
    return sizes;
  }() }];
  let printer = [{
    $_printer << '[';
    ::llvm::interleaveComma($_self, $_printer);
    $_printer << ']';
  }];
}

class Llama4_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Llama4_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Llama4_Llama3RopeScalingAttr : Llama4_Attr<"Llama3RopeScaling", "llama3_rope_scaling"> {
  let summary = "llama3 frequency scaling of RoPE";
  let description = [{
    The `rope_scaling` dict of a Llama 4 text config with rope_type llama3
    (transformers' `_compute_llama3_parameters`): inverse frequencies whose
    wavelength exceeds `original_max_position_embeddings / low_freq_factor`
    are divided by `factor`, those below `.../high_freq_factor` are kept,
    and the band between is blended. `low_freq_factor == high_freq_factor`
    (Scout Instruct) is valid: the blend is then selected nowhere.

    ```mlir
    #llama4.llama3_rope_scaling<factor = 1.600000e+01, low_freq_factor = 1.000000e+00,
        high_freq_factor = 1.000000e+00, original_max_position_embeddings = 8192>
    ```
  }];
  let parameters = (ins Llama4_F64Parameter:$factor,
                        Llama4_F64Parameter:$low_freq_factor,
                        Llama4_F64Parameter:$high_freq_factor,
                        "int64_t":$original_max_position_embeddings);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llama4_TemperatureTuningAttr : Llama4_Attr<"TemperatureTuning", "temperature_tuning"> {
  let summary = "attention temperature tuning of NoPE layers";
  let description = [{
    Queries of a NoPE layer are scaled by
    `1 + attn_scale * log(1 + floor((position + 1) / floor_scale))`, computed
    in f32 from the absolute cache position, before the scores.

    ```mlir
    #llama4.temperature_tuning<floor_scale = 8192, attn_scale = 1.000000e-01>
    ```
  }];
  let parameters = (ins "int64_t":$floor_scale, Llama4_F64Parameter:$attn_scale);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llama4_LoweringConfigAttr : Llama4_Attr<"LoweringConfig", "lowering_config"> {
  let summary = "how a root op of the lowering becomes a kernel";
  let description = [{
    Written on each linalg op by --llama4-select-lowering-config, the one
    place where a target's tiling decisions are made; the code generation
    passes after it (--llama4-tile-contractions on the CPU,
    --llama4-gpu-linalg-to-kernel-loops and --llama4-gpu-map-loops-to-blocks
    on a GPU) carry it out and decide nothing themselves.

    - `pipeline`: the kernel template.
    - `workgroup_tile`: the tile of the product's (m, n, k) loops that one
      thread (CPU) computes, 0 for a whole loop. On a GPU, the tile of the
      op's parallel loops that one thread or warp computes, 0 for a whole
      loop, 1 each when empty: a decode step's attention gives a warp the
      queries of one KV head ([1, 1, 0, 0] of (b, h, g, s)), which read
      the same keys and values.
    - `register_tile`: the tile held in registers. On the CPU [m, n, lanes]:
      m rows of x by n columns of the output, in vectors of `lanes` f32,
      along k for a dot-product tile, along n for an outer-product tile. A
      GPU nn.Linear product's is [m, n] (`gpu_warp_per_element`): the m
      rows of x (tokens) and n rows of W a warp takes at once, each load
      of W shared by the m rows, each of x by the n. A routed expert's is
      [rows]: a group of rows whose threads (`gpu_thread_per_element`)
      share the loads of the expert they chose alike.
      --llama4-gpu-jam-token-rows carries it out and drops it. A decode
      step's attention's is [columns]: the head dims of each query's
      accumulator that a lane of its warp holds, of each key's row the
      columns it reads (--llama4-decompose-online-attention).
    - `workgroup_size`: threads per GPU block.
    - `distribute`: whether the CPU splits the workgroup tiles between
      threads.
    - `split_k`: a GPU op's one reduction loop split into this many parts,
      each a parallel loop of a partial op whose sums a second op adds
      (--llama4-gpu-split-reduction): more threads for a product whose
      outputs are too few to fill the GPU; for a decode step's
      `llama4.online_attention`, the splits of each query's keys
      (flash-decoding), each a warp. 1, the default, splits nothing.

    ```mlir
    #llama4.lowering_config<pipeline = cpu_dot_tiles, workgroup_tile = [0, 512, 0],
        register_tile = [4, 2, 8], distribute = true>
    #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256]>
    #llama4.lowering_config<pipeline = gpu_thread_per_element, workgroup_size = [256], split_k = 32>
    #llama4.lowering_config<pipeline = gpu_warp_per_element, register_tile = [8, 2], workgroup_size = [256]>
    #llama4.lowering_config<pipeline = gpu_warp_per_element, workgroup_tile = [1, 1, 0, 0], register_tile = [16], workgroup_size = [32], split_k = 16>
    ```
  }];
  let parameters = (ins
      EnumParameter<Llama4_LoweringPipeline>:$pipeline,
      Llama4_SizesParameter:$workgroup_tile,
      Llama4_SizesParameter:$register_tile,
      Llama4_SizesParameter:$workgroup_size,
      DefaultValuedParameter<"bool", "false">:$distribute,
      DefaultValuedParameter<"int64_t", "1">:$split_k);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The discardable attribute that holds an op's config.
    static constexpr ::llvm::StringLiteral attributeName = "llama4.lowering_config";
    /// The config of `op`, or null.
    static LoweringConfigAttr of(::mlir::Operation *op) {
      return op->getAttrOfType<LoweringConfigAttr>(attributeName);
    }
    /// The config of `op` if its kernel template is a GPU one (a thread or
    /// a warp per output element), or null.
    static LoweringConfigAttr ofGpu(::mlir::Operation *op) {
      LoweringConfigAttr config = of(op);
      if (!config)
        return nullptr;
      LoweringPipeline pipeline = config.getPipeline();
      bool gpu = pipeline == LoweringPipeline::gpu_thread_per_element ||
                 pipeline == LoweringPipeline::gpu_warp_per_element;
      return gpu ? config : nullptr;
    }
    /// This config with kernel template `pipeline`, all else the same: a
    /// GPU tile's config read from, or given to, the ops it holds.
    LoweringConfigAttr withPipeline(LoweringPipeline pipeline) const {
      return get(getContext(), pipeline, getWorkgroupTile(), getRegisterTile(),
                 getWorkgroupSize(), getDistribute(), getSplitK());
    }
    /// This config without a register tile: one carried out.
    LoweringConfigAttr withoutRegisterTile() const {
      return get(getContext(), getPipeline(), getWorkgroupTile(), {},
                 getWorkgroupSize(), getDistribute(), getSplitK());
    }
    /// This config with workgroup tile `tile`.
    LoweringConfigAttr withWorkgroupTile(::llvm::ArrayRef<int64_t> tile) const {
      return get(getContext(), getPipeline(), tile, getRegisterTile(),
                 getWorkgroupSize(), getDistribute(), getSplitK());
    }
    /// This config with its reduction split `splitK` ways.
    LoweringConfigAttr withSplitK(int64_t splitK) const {
      return get(getContext(), getPipeline(), getWorkgroupTile(),
                 getRegisterTile(), getWorkgroupSize(), getDistribute(),
                 splitK);
    }
    /// The config of `op` if its kernel template is `pipeline`, or null.
    static LoweringConfigAttr of(::mlir::Operation *op,
                                 LoweringPipeline pipeline) {
      LoweringConfigAttr config = of(op);
      return config && config.getPipeline() == pipeline ? config : nullptr;
    }
  }];
}

#endif // LLAMA4_ATTRS_TD
