#!/usr/bin/env bash
# The install test (ctest install.consumer): installs seqfuse from BUILD into a
# temporary prefix, checks that no installed header reaches MLIR or LLVM,
# builds tests/install/consumer against the prefix with g++ as an outside
# project would (find_package(seqfuse CONFIG REQUIRED), seqfuse::seqfuse),
# and runs what it built: the consumer, and with libtorch present the
# torch::Tensor tests and the gallery's torch example.
# Usage: check.sh BUILD_DIR SOURCE_DIR WORK_DIR
set -euo pipefail
build=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in include/seqfuse/seqfuse.h lib/libseqfuse.so bin/seqfuse-opt \
         lib/cmake/seqfuse/seqfuseConfig.cmake lib/cmake/seqfuse/seqfuseConfigVersion.cmake \
         lib/cmake/seqfuse/seqfuseTargets.cmake; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
if grep -rnE '#[[:space:]]*include[[:space:]]*[<"](mlir|llvm|llvm-c)/' "$prefix/include"; then
  echo "FAIL: an installed header includes MLIR or LLVM"
  exit 1
fi
if [ -n "$(find "$prefix/include" -name '*.inc' -o -name 'EmitLoopForm.h' -o -name 'Interpreter.h')" ]; then
  echo "FAIL: internal headers were installed"
  exit 1
fi
"$prefix/bin/seqfuse-opt" --version | head -3
echo 'func.func @f() { return }' | "$prefix/bin/seqfuse-opt" --seqfuse-cpu-pipeline > /dev/null

echo "== configure the consumer (g++) against $prefix"
cxx=${SEQFUSE_CONSUMER_CXX:-g++}
cmake -S "$src/tests/install/consumer" -B "$work/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DSEQFUSE_EXAMPLES_DIR="$src/examples" \
  -DSEQFUSE_TORCH_SNIPPETS_DIR="$build/doc-snippets/torch" > "$work/configure.log" || {
  cat "$work/configure.log"; exit 1; }
grep -E "seqfuse .* from|libtorch" "$work/configure.log"
grep -q "seqfuse .* from $prefix" "$work/configure.log" || {
  echo "FAIL: the consumer did not find seqfuse in $prefix"; exit 1; }
cmake --build "$work/build" -j "${SEQFUSE_JOBS:-2}"
# The installed library must be the one linked, not the build tree's.
# ldd's output is captured first: `ldd | grep -q` under pipefail fails when
# grep exits at its match and ldd then dies of SIGPIPE (seen in CI).
linked=$(ldd "$work/build/consumer")
grep libseqfuse <<< "$linked"
grep -q "$prefix/lib/libseqfuse.so" <<< "$linked" || {
  echo "FAIL: the consumer does not load the installed libseqfuse.so"; exit 1; }

echo "== run"
"$work/build/consumer"
if [ -x "$work/build/torch_test" ]; then
  "$work/build/torch_test"
  "$work/build/torch_running_update"
  for snippet in $(tr ';' ' ' < "$work/build/torch-snippets.txt"); do
    echo "-- $snippet"
    "$work/build/$snippet"
  done
elif [ -f /usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake ]; then
  echo "FAIL: libtorch is installed but the torch tests were not built"
  exit 1
fi
echo "install test passed"
