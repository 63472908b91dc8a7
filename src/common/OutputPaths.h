#pragma once
// Outputs that would destroy what they should keep are refused before anything is
// written: an output over one of the command's own inputs (`trace import X.csv -o X.csv`
// would truncate its input, then fail on it), and a second command writing into an
// output directory that another is writing (their files would interleave).

#include <string>
#include <utility>
#include <vector>

namespace skv {

// Throws InputError when `output` names the same file as one of `inputs` (pairs of
// what the input is, e.g. "--trace", and its path): the same path spelt differently, a
// link to it, or a hard link.
void refuse_output_over_input(const std::string& output, const std::string& output_what,
                              const std::vector<std::pair<std::string, std::string>>& inputs);

// Holds an output directory for one command while it writes there: a second swiftkv-sim
// that locks the same directory (two `run`s, or a `check-fast` resumed while the one it
// interrupted still waits for its runs to stop) gets one InputError line naming the
// process that holds it. The lock is the kernel's (flock on <dir>/.swiftkv-sim.lock,
// closed on exec, so a child holds its own, not its parent's): it ends with its process,
// however that ends, so a lock file left behind never blocks.
class OutputDirLock {
 public:
  // Creates `dir` if needed and locks it; `command` names the holder ("run", "check-fast").
  OutputDirLock(const std::string& dir, const std::string& command);
  ~OutputDirLock();
  OutputDirLock(const OutputDirLock&) = delete;
  OutputDirLock& operator=(const OutputDirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace skv
