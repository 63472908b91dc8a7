#pragma once
// Helpers for tests that check error lines and the text of files.

#include <sstream>
#include <string>

#include "common/Error.h"

namespace skv::test {

// The message of the InputError that `f` throws; a marker that fails every check if it
// throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError was thrown)";
}

// 1-based number of the first line of `text` that starts with `start` after its
// indentation; 0 if none does.
inline int line_starting(const std::string& text, const std::string& start) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, start.size(), start) == 0) return n;
  }
  return 0;
}

}  // namespace skv::test
