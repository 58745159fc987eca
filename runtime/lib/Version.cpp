//===- Version.cpp - the one source of libseqfuse.so ----------------------===//
//
// libseqfuse.so is the static libraries linked whole (runtime/CMakeLists.txt);
// CMake needs a source of its own for the shared target. This one checks
// that the version compiled into the library is the one installed headers
// describe.
//
//===----------------------------------------------------------------------===//
#include "seqfuse/runtime/Kernel.h"

static_assert(sizeof(SEQFUSE_VERSION) > 1, "SEQFUSE_VERSION must be set");
