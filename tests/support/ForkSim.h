#pragma once
// SystemC elaborates once per process, so every module test builds and runs its
// simulation in a child process of its own and hands its figures back as JSON text.

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>

namespace skv::test {

// Runs `body` (returning nlohmann::json) in a forked child; returns its result, or
// throws with the child's error text if it failed.
template <class Body>
nlohmann::json run_in_child(Body body) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(fds[0]);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    std::string out;
    int code = 0;
    try {
      out = body().dump();
    } catch (const std::exception& e) {
      out = std::string("child failed: ") + e.what();
      code = 1;
    }
    std::size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(code);  // no atexit handlers, no SystemC teardown: the parent owns the test
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(text.empty() ? "child crashed" : text);
  }
  return nlohmann::json::parse(text);
}

}  // namespace skv::test
