#pragma once
// SystemC elaborates once per process: a simulation that is one of several in a run
// (a fast-mode sample, a module test) runs in a forked child of its own and hands its
// result back as text through a pipe.

#include <functional>
#include <string>
#include <utility>

namespace skv::sim {

struct ChildOutcome {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  std::string text;    // what the body returned (its result, or its error line)
};

// Forks; the child runs `body`, which returns its exit code and its text, writes the
// text to the parent and leaves with _exit (no atexit handlers, no SystemC teardown).
// The parent reads the text and waits for the child.
ChildOutcome run_in_child(const std::function<std::pair<int, std::string>()>& body);

}  // namespace skv::sim
