// Shared by the libFuzzer targets in this folder: scratch folders, file helpers and the rule that
// every target enforces — bad input may only ever surface as a quiver::Error with an expected
// code. Anything else (another exception type, ErrorCode::Internal, a sanitizer report, a crash)
// is a finding: `fail()` aborts so libFuzzer saves the input.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <sys/stat.h>

#include "quiver/error.h"

namespace quiver_fuzz {

[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "\nquiver fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Aborts unless `e` carries one of the codes this input may legitimately produce.
inline void expect_code(const quiver::Error& e, std::initializer_list<quiver::ErrorCode> allowed,
                        const char* where) {
  for (quiver::ErrorCode code : allowed) {
    if (e.code() == code) return;
  }
  fail(std::string(where) + " threw " + quiver::code_name(e.code()) + ": " + e.what());
}

// A private scratch folder: $QUIVER_FUZZ_TMP (set by scripts/fuzz.mjs), else /dev/shm (file
// writes and fsyncs there cost next to nothing), else /tmp. One per process, so parallel
// libFuzzer jobs never share files.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* base = std::getenv("QUIVER_FUZZ_TMP");
    std::string root = base && *base ? base : (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    std::string path = root + "/quiver-fuzz-" + std::to_string(getpid());
    mkdir(root.c_str(), 0755);
    mkdir(path.c_str(), 0755);
    return path;
  }();
  return dir;
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) fail("cannot write " + path);
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// When QUIVER_FUZZ_WRITE_SEEDS names a folder, targets with generated seeds write them there from
// LLVMFuzzerInitialize and exit (`node scripts/fuzz.mjs --write-seeds`).
inline const char* seed_output_dir() {
  const char* dir = std::getenv("QUIVER_FUZZ_WRITE_SEEDS");
  return dir && *dir ? dir : nullptr;
}

// "[[[[...]]]]" / "{"a":{"a":...}}" nested `depth` deep: every parser of JSON text must reject
// it with a typed error, never overflow the stack. Targets feed these once at start-up, because
// libFuzzer's input size limit keeps mutated inputs far shallower.
inline std::string deep_array(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}
inline std::string deep_object(size_t depth) {
  std::string s;
  for (size_t i = 0; i < depth; ++i) s += "{\"a\":";
  s += "1";
  s += std::string(depth, '}');
  return s;
}

}  // namespace quiver_fuzz
