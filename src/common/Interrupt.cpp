#include "common/Interrupt.h"

#include <unistd.h>

#include <csignal>
#include <cstring>

namespace skv {

namespace {

volatile std::sig_atomic_t g_signal = 0;
const char* g_notice = "";

void on_signal(int signal) {
  if (g_signal == signal) {  // asked twice: stop now, as the signal's default would
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  if (g_signal == 0) {  // the first: kept as the reason (another kind adds nothing)
    (void)!write(STDERR_FILENO, g_notice, std::strlen(g_notice));
    g_signal = signal;
  }
}

}  // namespace

void install_interrupt_handlers(const char* notice, bool restart) {
  g_notice = notice;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = restart ? SA_RESTART : 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int interrupt_signal() { return g_signal; }

const char* interrupt_signal_name(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return "a signal";
  }
}

}  // namespace skv
