#include "common/Progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace skv {

Progress::Progress(std::string what, std::uint64_t total, bool quiet,
                   std::chrono::milliseconds plain_every)
    : what_(std::move(what)),
      total_(total),
      enabled_(!quiet),
      tty_(isatty(STDERR_FILENO) != 0),
      plain_every_(plain_every),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::print(std::uint64_t done, bool final) {
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = secs > 0 ? static_cast<double>(done) / secs : 0.0;
  const double pct = total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0;
  printed_ = done;
  std::string line = fmt::format("{}: {}/{} ({:.1f}%), {:.1f} s, {:.1f}/s", what_, done, total_,
                                 pct, secs, rate);
  // The time left at the rate so far: a guess for work whose rate changes (the fast mode
  // samples as KV lengths first appear), and said only once there is a rate.
  if (!final && rate > 0 && done < total_) {
    const auto left = static_cast<std::uint64_t>(static_cast<double>(total_ - done) / rate + 0.5);
    line += fmt::format(", about {}:{:02}:{:02} left", left / 3600, left / 60 % 60, left % 60);
  }
  if (tty_) {
    fmt::print(stderr, "\r{}{}", line, final ? "\n" : "");
  } else {
    fmt::print(stderr, "{}\n", line);
  }
  std::fflush(stderr);
}

void Progress::update(std::uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const auto every = tty_ ? std::chrono::milliseconds(200) : plain_every_;
  if (now - last_ < every) return;
  last_ = now;
  print(done, false);
}

void Progress::finish() {
  // A run short enough to need no update prints nothing off a terminal, and a plain line
  // already showing the final count is not printed again.
  if (!enabled_ || (!tty_ && (last_ == start_ || printed_ == done_))) return;
  print(done_, true);
}

}  // namespace skv
