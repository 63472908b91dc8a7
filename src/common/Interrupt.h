#pragma once
// SIGINT and SIGTERM as a request to stop at the next safe point, not a kill: a run
// stops between two decode batches and writes what it finished, marked incomplete; a
// sweep starts no new point. The same signal a second time ends the process at once.

namespace skv {

// Installs the handlers; `notice` (a string literal) is written to stderr on the
// first signal. `restart`: whether interrupted system calls are restarted (a process
// that waits for children wants them to return, to see the request).
void install_interrupt_handlers(const char* notice, bool restart = true);

// The signal that asked to stop (SIGINT or SIGTERM), or 0.
int interrupt_signal();
inline bool interrupt_requested() { return interrupt_signal() != 0; }

// "SIGINT", "SIGTERM", or "a signal".
const char* interrupt_signal_name(int signal);

// The exit status of a process that stopped on `signal`: 128 + its number.
inline int interrupted_exit_code(int signal) { return 128 + signal; }

}  // namespace skv
