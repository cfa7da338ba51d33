//===- llama4-tokenize.cpp - tokenizer.json from the command line ---------===//
//
//   llama4-tokenize TOKENIZER.json [--no-bos] < text       ids, one line
//   llama4-tokenize TOKENIZER.json --decode < ids          text
//
// Encodes standard input (all of it, as one text) or decodes whitespace-
// separated ids, and reports the throughput on stderr. For checking a
// checkpoint's tokenizer against `tokenizers` and for bench/tokenizer.py.
// Failures are one line "llama4-tokenize: error: ..." and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/support/OutputFile.h"
#include "runtime/support/Utf8.h"
#include "runtime/tokenizer/Tokenizer.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

using namespace llama4c::runtime;

namespace {

int fail(const std::string &message) {
  std::fprintf(stderr, "llama4-tokenize: error: %s\n",
               printableLine(message).c_str());
  return 1;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

} // namespace

int main(int argc, char **argv) {
  std::string path;
  bool decode = false, bos = true;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--decode")
      decode = true;
    else if (arg == "--no-bos")
      bos = false;
    else if (arg.rfind("--", 0) == 0)
      return fail("unknown option " + arg);
    else if (path.empty())
      path = arg;
    else
      return fail("more than one tokenizer given: " + path + " and " + arg);
  }
  if (path.empty())
    return fail("usage: llama4-tokenize TOKENIZER.json [--no-bos | --decode]");
  Expected<Tokenizer> tokenizer = Tokenizer::open(path);
  if (!tokenizer)
    return fail(tokenizer.error().message());
  std::string input((std::istreambuf_iterator<char>(std::cin)),
                    std::istreambuf_iterator<char>());

  auto start = std::chrono::steady_clock::now();
  if (decode) {
    std::vector<int64_t> ids;
    std::istringstream stream(input);
    for (std::string word; stream >> word;) {
      char *end = nullptr;
      long long id = std::strtoll(word.c_str(), &end, 10);
      if (*end != '\0')
        return fail("standard input: expected token ids, got '" + word + "'");
      ids.push_back(id);
    }
    Expected<std::string> text = tokenizer->decode(ids);
    if (!text)
      return fail(text.error().message());
    double seconds = secondsSince(start);
    std::fwrite(text->data(), 1, text->size(), stdout);
    std::fprintf(stderr, "decoded %zu ids in %.2f ms\n", ids.size(),
                 seconds * 1e3);
    if (Expected<void> flushed = flushStandardOutput(); !flushed)
      return fail(flushed.error().message());
    return 0;
  }
  Expected<std::vector<int64_t>> ids = tokenizer->encode(input, bos);
  if (!ids)
    return fail("standard input: " + ids.error().message());
  double seconds = secondsSince(start);
  std::string line;
  for (int64_t id : *ids)
    line += (line.empty() ? "" : " ") + std::to_string(id);
  std::puts(line.c_str());
  std::fprintf(stderr,
               "encoded %zu bytes into %zu ids in %.2f ms (%.2f MB/s)\n",
               input.size(), ids->size(), seconds * 1e3,
               seconds > 0 ? input.size() / seconds / 1e6 : 0.0);
  if (Expected<void> flushed = flushStandardOutput(); !flushed)
    return fail(flushed.error().message());
  return 0;
}
