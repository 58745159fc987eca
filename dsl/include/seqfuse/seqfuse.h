//===- seqfuse.h - the one header users include ----------------*- C++ -*-===//
#ifndef SEQFUSE_SEQFUSE_H
#define SEQFUSE_SEQFUSE_H

#include "seqfuse/dsl/Program.h"
#include "seqfuse/runtime/Kernel.h"

#endif // SEQFUSE_SEQFUSE_H
