//===- Status.h - Errors as values for the llama4c runtime ------*- C++ -*-===//
//
// The runtime's only error currency. Every function that can fail on input
// it does not control (a checkpoint on disk, sampler options, logits)
// returns an Expected<T>; nothing in the runtime throws or aborts on bad
// input, and only tools decide exit codes.
//
// A message is one line, "FILE: TENSOR-or-FIELD: what is wrong", so that a
// tool can print it as is and a test can match it. Error enforces the "one
// line" part: tensor names and JSON excerpts come from files we do not
// trust, and a stray newline would split a log record, a stray byte garble
// a terminal.
//
// The runtime lives in llama4c::runtime rather than llama4c because compiler
// code that reads checkpoints (weight manifests) also says
// `using namespace llvm`, whose Error and Expected would collide.
//
//===----------------------------------------------------------------------===//

#ifndef LLAMA4C_RUNTIME_STATUS_H
#define LLAMA4C_RUNTIME_STATUS_H

#include "runtime/support/Utf8.h"

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace llama4c::runtime {

/// A failure with a one-line message.
class [[nodiscard]] Error {
public:
  /// Line breaks in `message` become spaces, other control characters and
  /// bytes that are not UTF-8 \xNN (printableLine).
  explicit Error(std::string message) : text(printableLine(message)) {}

  const std::string &message() const { return text; }

private:
  std::string text;
};

/// Either a T or the Error that prevented computing it. Test it with
/// `if (!result)` before dereferencing; dereferencing an error is a bug in
/// the caller (asserted), not a condition to handle.
template <class T> class [[nodiscard]] Expected {
public:
  Expected(T value) : storage(std::in_place_index<0>, std::move(value)) {}
  Expected(Error error) : storage(std::in_place_index<1>, std::move(error)) {}

  explicit operator bool() const { return storage.index() == 0; }

  T &operator*() {
    assert(*this && "dereferencing an Expected that holds an error");
    return *std::get_if<0>(&storage);
  }
  const T &operator*() const {
    assert(*this && "dereferencing an Expected that holds an error");
    return *std::get_if<0>(&storage);
  }
  T *operator->() { return &**this; }
  const T *operator->() const { return &**this; }

  const Error &error() const {
    assert(!*this && "asking a successful Expected for its error");
    return *std::get_if<1>(&storage);
  }

private:
  std::variant<T, Error> storage;
};

/// Success without a value, or an Error: `return {};` succeeds.
template <> class [[nodiscard]] Expected<void> {
public:
  Expected() = default;
  Expected(Error error) : failure(std::move(error)) {}

  explicit operator bool() const { return !failure.has_value(); }

  const Error &error() const {
    assert(failure && "asking a successful Expected for its error");
    return *failure;
  }

private:
  std::optional<Error> failure;
};

} // namespace llama4c::runtime

#endif // LLAMA4C_RUNTIME_STATUS_H
