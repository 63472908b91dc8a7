#include "sweep/ProcessPool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <stdexcept>
#include <thread>

#include "common/Error.h"

extern char** environ;

namespace skv::sweep {

std::string ProcessOutcome::describe() const {
  if (signal != 0) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit code {}", exit_code);
}

namespace {

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(const char* exe, char* const* argv, const char* cwd, const char* log,
                             pid_t parent) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(126);  // the parent died before prctl took effect
  auto die = [](const char* what) {
    const char* msg = strerror(errno);
    (void)!write(STDERR_FILENO, "swiftkv-sim: error: sweep: ", 27);
    (void)!write(STDERR_FILENO, what, strlen(what));
    (void)!write(STDERR_FILENO, ": ", 2);
    (void)!write(STDERR_FILENO, msg, strlen(msg));
    (void)!write(STDERR_FILENO, "\n", 1);
    _exit(127);
  };
  if (chdir(cwd) != 0) die("cannot enter the point's directory");
  const int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) die("cannot open the point's log");
  const int in = open("/dev/null", O_RDONLY);
  if (in >= 0) dup2(in, STDIN_FILENO);
  dup2(out, STDOUT_FILENO);
  dup2(out, STDERR_FILENO);
  execv(exe, argv);
  die("cannot start the simulator");
  _exit(127);
}

ProcessOutcome outcome_of(int status) {
  ProcessOutcome o;
  if (WIFEXITED(status)) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  return o;
}

}  // namespace

std::size_t run_processes(const std::string& exe, const std::vector<ProcessJob>& jobs,
                          unsigned parallel,
                          const std::function<void(std::size_t, const ProcessOutcome&)>& on_done,
                          const std::function<bool()>& stop) {
  if (parallel == 0) parallel = 1;
  const pid_t self = getpid();
  struct Running {
    std::size_t index;
    std::chrono::steady_clock::time_point start;
  };
  std::map<pid_t, Running> running;
  std::size_t next = 0;
  std::exception_ptr failure;
  bool stopping = false;
  auto stop_now = [&] {
    if (stopping || !stop || !stop()) return stopping;
    stopping = true;
    for (const auto& [pid, r] : running) {
      (void)r;
      kill(pid, SIGTERM);
    }
    return true;
  };
  while (running.size() > 0 || (next < jobs.size() && !failure && !stop_now())) {
    while (!failure && !stop_now() && next < jobs.size() && running.size() < parallel) {
      const ProcessJob& job = jobs[next];
      // Everything the child needs, built before fork.
      std::vector<char*> argv;
      for (const auto& a : job.argv) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      // SIGINT and SIGTERM wait while the child is made: one caught between fork and exec
      // by the handler it inherits would be lost with that handler. The child takes the
      // default actions back before it lets them in (exec_child).
      sigset_t stop_signals, before;
      sigemptyset(&stop_signals);
      sigaddset(&stop_signals, SIGINT);
      sigaddset(&stop_signals, SIGTERM);
      sigprocmask(SIG_BLOCK, &stop_signals, &before);
      const pid_t pid = fork();
      if (pid != 0) sigprocmask(SIG_SETMASK, &before, nullptr);
      if (pid < 0) {
        failure = std::make_exception_ptr(
            std::runtime_error(fmt::format("fork failed: {}", strerror(errno))));
        break;
      }
      if (pid == 0)
        exec_child(exe.c_str(), argv.data(), job.cwd.c_str(), job.log_path.c_str(), self);
      running.emplace(pid, Running{next++, std::chrono::steady_clock::now()});
    }
    if (running.empty()) break;
    int status = 0;
    // With a stop to watch for, poll: a signal that came between the last look at it and
    // a blocking wait would go unseen until a child ends on its own.
    const pid_t pid = waitpid(-1, &status, stop ? WNOHANG : 0);
    if (pid == 0) {
      stop_now();
      usleep(20000);
      continue;
    }
    if (pid < 0) {
      if (errno == EINTR) {
        stop_now();
        continue;
      }
      failure = std::make_exception_ptr(
          std::runtime_error(fmt::format("waitpid failed: {}", strerror(errno))));
      break;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const std::size_t index = it->second.index;
    ProcessOutcome outcome = outcome_of(status);
    outcome.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second.start).count();
    running.erase(it);
    if (failure) continue;
    try {
      on_done(index, outcome);
    } catch (...) {
      failure = std::current_exception();
    }
  }
  // Reached with children left only when waitpid itself failed: do not leave them behind.
  for (const auto& [pid, r] : running) {
    (void)r;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  if (failure) std::rethrow_exception(failure);
  return next;
}

CapturedRun run_captured(const std::string& exe, const std::vector<std::string>& argv) {
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
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw InputError(fmt::format("cannot run {}: {}", exe, strerror(rc)));
  }

  CapturedRun r;
  // Both pipes drained together, so that a child filling one never blocks.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
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
  for (const auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error(fmt::format("waitpid failed: {}", strerror(errno)));
  }
  r.outcome = outcome_of(status);
  return r;
}

std::string find_on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t colon = std::min(dirs.find(':', start), dirs.size());
    const std::string dir = dirs.substr(start, colon - start);
    // An empty entry is the working directory, as for a shell.
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = colon + 1;
  }
  return "";
}

unsigned available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? hw : 1;
}

}  // namespace skv::sweep
