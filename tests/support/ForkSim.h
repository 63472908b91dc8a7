#pragma once
// SystemC elaborates once per process, so every module test builds and runs its
// simulation in a child process of its own and hands its figures back as JSON text.

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <utility>

#include "sim/ChildProcess.h"

namespace skv::test {

// Runs `body` (returning nlohmann::json) in a forked child; returns its result, or
// throws with the child's error text if it failed.
template <class Body>
nlohmann::json run_in_child(Body body) {
  const skv::sim::ChildOutcome r = skv::sim::run_in_child([&]() -> std::pair<int, std::string> {
    return {0, body().dump()};
  });
  if (r.signal != 0 || r.exit_code != 0) {
    throw std::runtime_error(r.text.empty() ? "child crashed" : "child failed: " + r.text);
  }
  return nlohmann::json::parse(r.text);
}

}  // namespace skv::test
