# lit configuration for seqfuse: FileCheck tests of the emitted loop form, of
# each pipeline stage, of seqfuse-opt replays, and of the examples.
import os
import lit.formats

config.name = "seqfuse"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = config.seqfuse_test_dir
config.test_exec_root = os.path.join(config.seqfuse_bin_dir, "..", "tests", "lit")

# Our tools first, then FileCheck/not/count from LLVM 22.
path = os.pathsep.join([config.seqfuse_bin_dir, config.llvm_tools_dir,
                        config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
config.environment.pop("SEQFUSE_DUMP_IR", None)
config.substitutions.append(("%src_root", config.seqfuse_src_root))
