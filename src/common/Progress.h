#pragma once
// Progress on stderr for long work: a line redrawn in place on a terminal, or a plain
// line every 30 seconds when stderr is a file or pipe. Off when quiet.

#include <chrono>
#include <cstdint>
#include <string>

namespace skv {

class Progress {
 public:
  // `plain_every`: the interval of plain lines when stderr is not a terminal.
  Progress(std::string what, std::uint64_t total, bool quiet,
           std::chrono::milliseconds plain_every = std::chrono::seconds(30));
  void update(std::uint64_t done);
  void finish();

 private:
  void print(std::uint64_t done, bool final);

  std::string what_;
  std::uint64_t total_;
  bool enabled_;
  bool tty_;
  std::chrono::milliseconds plain_every_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  std::uint64_t done_ = 0;
  std::uint64_t printed_ = ~std::uint64_t{0};  // the count on the last line printed
};

}  // namespace skv
