#pragma once
// Errors that reach the user as one line and a non-zero exit.

#include <stdexcept>
#include <string>

namespace skv {

// Bad input: a config, trace or command-line value. what() is the whole line the user
// sees, already prefixed with its place ("file:line: key: ...").
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace skv
