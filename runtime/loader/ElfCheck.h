//===- ElfCheck.h - Refuse files dlopen would crash on ----------*- C++ -*-===//
//
// glibc's dlopen trusts the program headers of the file it loads: a shared
// object cut short (a copy interrupted, a disk full during `llama4c
// compile`) has segments that extend past the end of the file, and the
// loader's first read of them raises SIGBUS instead of returning an error.
// Model::open therefore reads the ELF header and program headers itself
// first and refuses any file whose loadable segments are not all inside it.
// Everything else (wrong machine, missing dependencies) is left to dlopen,
// which reports it.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_LOADER_ELFCHECK_H
#define LLAMA4C_RUNTIME_LOADER_ELFCHECK_H

#include "llama4c/Status.h"

#include <string>

namespace llama4c::runtime {

/// Fails with "PATH: not a loadable shared object: REASON" unless `path` is
/// a 64-bit little-endian ELF shared object whose program headers and
/// PT_LOAD / PT_DYNAMIC segments lie within the file.
Expected<void> checkSharedObjectFile(const std::string &path);

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_LOADER_ELFCHECK_H
