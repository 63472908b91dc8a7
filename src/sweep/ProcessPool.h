#pragma once
// Runs child processes, a bounded number at a time. SystemC elaborates once per process,
// so each sweep point is a process of its own: fork, then execv of the simulator (no
// shell), in the point's directory, with stdout and stderr to the point's log.

#include <functional>
#include <string>
#include <vector>

namespace skv::sweep {

struct ProcessJob {
  std::vector<std::string> argv;  // argv[0] included
  std::string cwd;                // the child's working directory
  std::string log_path;           // stdout and stderr, truncated first (relative to cwd)
};

struct ProcessOutcome {
  int exit_code = -1;  // when it exited
  int signal = 0;      // when a signal ended it
  double wall_seconds = 0;  // from its start to its end, as the parent saw them
  bool ok() const { return signal == 0 && exit_code == 0; }
  std::string describe() const;  // "exit code 2", "killed by signal 9 (Killed)"
};

// Starts jobs[0], jobs[1], ... as execv(exe, argv), keeping at most `parallel` running,
// and calls on_done(i, outcome) here, in the parent, as each one ends (in the order they
// end). A child whose parent dies gets SIGTERM. If on_done throws, the jobs still running
// are waited for, none is started, and the exception is rethrown. Once `stop` (when
// given) says so, no job is started and the running ones get SIGTERM (each stops as it
// would on its own, at its next safe point) and are waited for; jobs never started get
// no on_done. Returns the number of jobs started.
std::size_t run_processes(const std::string& exe, const std::vector<ProcessJob>& jobs,
                          unsigned parallel,
                          const std::function<void(std::size_t, const ProcessOutcome&)>& on_done,
                          const std::function<bool()>& stop = nullptr);

// One program run to its end with its output captured (for short commands such as sbatch).
struct CapturedRun {
  ProcessOutcome outcome;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs execv(exe, argv) with stdin from /dev/null and waits for it. Throws InputError
// when it cannot be started.
CapturedRun run_captured(const std::string& exe, const std::vector<std::string>& argv);

// The path of the executable `name` as a shell finds it on $PATH, or "" when there is none.
std::string find_on_path(const std::string& name);

// The processors this process may run on (its affinity mask: a Slurm allocation's share,
// not the machine's), at least 1.
unsigned available_cores();

}  // namespace skv::sweep
