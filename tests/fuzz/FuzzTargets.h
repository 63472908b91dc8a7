#pragma once
// The readers' fuzz entry points (docs/architecture.md, "Tests"): each takes one input, the
// bytes of a file a user could give, and feeds it to a reader. Bad input is expected and
// must end in skv::InputError, which the entry point catches; anything else (another
// exception, which the command line would report as an internal error, a crash, a failed
// check of what a reader accepted) escapes and is a finding. The libFuzzer targets
// (fuzz_target.cpp, built with SKV_FUZZ) and the regression replay (replay.cpp, built
// always) call the same functions.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skv::fuzz {

struct Target {
  const char* name;     // also the folder of its seeds and regressions under tests/fuzz/
  const char* what;     // one line: the reader and what is checked beyond it
  // True when the reader accepted the input, false when it refused it as bad input.
  bool (*run)(const std::uint8_t* data, std::size_t size);
};

const std::vector<Target>& targets();
// The target called `name`, or nullptr.
const Target* find_target(const std::string& name);

// A failed check of a reader's output on input it accepted: a finding, thrown as an
// exception that no entry point catches.
[[noreturn]] void finding(const std::string& what);

}  // namespace skv::fuzz
