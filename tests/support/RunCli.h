#pragma once
// Runs the swiftkv-sim binary (or any program) as a child process with the given
// arguments, and returns its exit status with stdout and stderr captured separately.
// No shell is involved, so arguments need no quoting.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace skv::test {

struct CliResult {
  int exit_code = -1;  // the child's exit status; -1 if it did not exit normally
  int signal = 0;      // the signal that ended the child, 0 if it exited
  bool hung = false;   // still running at its time limit: killed with SIGKILL
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr

  bool crashed() const { return signal != 0; }
  // stderr, or stdout, split into lines (without their '\n'); a last line without '\n'
  // counts too.
  std::vector<std::string> err_lines() const { return lines_of(err); }
  std::vector<std::string> out_lines() const { return lines_of(out); }

  static std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
      const std::size_t nl = text.find('\n', start);
      if (nl == std::string::npos) {
        lines.push_back(text.substr(start));
        break;
      }
      lines.push_back(text.substr(start, nl - start));
      start = nl + 1;
    }
    return lines;
  }
};

namespace detail {

// Runs `program` with `args`; with `limit` > 0, a child still running `limit` after its
// start is killed with SIGKILL and reported as hung (its output so far is kept).
// `poke`, when given, is called with the child's pid every 20 ms or so while it runs,
// until it returns true (to send it a signal once it has got somewhere, say).
inline CliResult run_program_until(const std::string& program, const std::vector<std::string>& args,
                                   std::chrono::milliseconds limit,
                                   const std::function<bool(pid_t)>& poke = nullptr) {
  using Clock = std::chrono::steady_clock;
  const bool timed = limit.count() > 0;
  const Clock::time_point deadline = Clock::now() + limit;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw std::runtime_error("pipe failed");
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("cannot start " + program + ": posix_spawn error " +
                             std::to_string(rc));
  }

  CliResult r;
  // Milliseconds left before the deadline (at least 0); -1 (no limit) once killed or untimed.
  bool poking = static_cast<bool>(poke);
  auto wait_ms = [&]() -> int {
    if (poking) return 20;
    if (!timed || r.hung) return -1;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  };
  auto kill_if_late = [&] {
    if (timed && !r.hung && Clock::now() >= deadline) {
      kill(pid, SIGKILL);
      r.hung = true;
    }
  };

  // Drain both pipes together, so a child that fills one of them never blocks.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    kill_if_late();
    if (poking && poke(pid)) poking = false;
    const int ready = poll(fds, 2, wait_ms());
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (ready == 0) continue;  // the deadline passed: killed on the next turn
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }

  // A child may close its output and go on running: wait for it up to the deadline too.
  int status = 0;
  while (true) {
    kill_if_late();
    const pid_t w = waitpid(pid, &status, timed && !r.hung ? WNOHANG : 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (w == 0) usleep(5000);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace detail

// Runs `program` with `args` (argv[1..]); stdin is /dev/null.
inline CliResult run_program(const std::string& program, const std::vector<std::string>& args) {
  return detail::run_program_until(program, args, std::chrono::milliseconds{0});
}

// The same with a wall-time limit: a child still running after `limit` is killed with
// SIGKILL and reported as hung (`hung`, and `signal` SIGKILL).
inline CliResult run_program_with_timeout(const std::string& program,
                                          const std::vector<std::string>& args,
                                          std::chrono::milliseconds limit) {
  return detail::run_program_until(program, args,
                                   limit.count() > 0 ? limit : std::chrono::milliseconds{1});
}

#ifdef SKV_BINARY
// Runs the built swiftkv-sim with `args`.
inline CliResult run_cli(const std::vector<std::string>& args) {
  return run_program(SKV_BINARY, args);
}

// Runs the built swiftkv-sim with `args`, calling `poke` while it runs (see
// run_program_until), with a wall-time limit.
inline CliResult run_cli_poked(const std::vector<std::string>& args,
                               const std::function<bool(pid_t)>& poke,
                               std::chrono::milliseconds limit) {
  return detail::run_program_until(SKV_BINARY, args, limit, poke);
}

// Runs the built swiftkv-sim with `args` and a wall-time limit (see run_program_with_timeout).
inline CliResult run_cli_with_timeout(const std::vector<std::string>& args,
                                      std::chrono::milliseconds limit) {
  return run_program_with_timeout(SKV_BINARY, args, limit);
}
#endif

#ifdef SKV_SOURCE_DIR
// A file of the project, e.g. source_path("configs/models/tiny.yaml").
inline std::string source_path(const std::string& rel) {
  return std::string(SKV_SOURCE_DIR) + "/" + rel;
}
#endif

}  // namespace skv::test
