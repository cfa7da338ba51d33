# lit configuration of llama4c's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "LLAMA4C"
config.suffixes = [".mlir", ".test"]
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llama4c_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit"]

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not`, `count` and `split-file` at the start of a RUN line come from PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["llama4c", "llama4-opt", "llama4-tokenize"], [config.llama4c_tools_dir])

# MLIR's runner libraries (printMemrefF32), for tests that execute lowered
# kernels with mlir-runner.
config.substitutions.append(
    ("%mlir_runner_utils",
     ",".join(os.path.join(config.llvm_libs_dir, name) for name in
              ["libmlir_runner_utils.so", "libmlir_c_runner_utils.so"])))

# The bundled copies of the released Scout and Maverick config.json.
config.substitutions.append(("%configs", config.llama4c_shared_configs_dir))
# The project's own copy of shared/configs, when the checkout has one beside it.
shared = os.path.join(os.path.dirname(config.llama4c_src_root), "shared", "configs")
if os.path.isdir(shared):
    config.available_features.add("shared-configs")
    config.substitutions.append(("%shared_configs", shared))

# `%expect_exit 1 llama4c ...` checks the exact exit code of a failing tool.
config.substitutions.append(
    ("%expect_exit", "sh " + os.path.join(config.test_source_root, "expect-exit.sh")))

# ptxas of the CUDA toolkit llama4c links libdevice from: GPU tests that
# assemble PTX say `REQUIRES: ptxas`.
ptxas = os.path.join(config.llama4c_cuda_toolkit, "bin", "ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
