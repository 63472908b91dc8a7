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

// A simulation that could not finish its trace (a stall, or work left in a queue): a
// bug or an impossible design point, never a result. what() is the whole line: the
// cycle, and who waits for what.
class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace skv
