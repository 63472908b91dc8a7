// Progress off a terminal: plain lines at most once per interval, the final count once.

#include <catch2/catch.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "common/Progress.h"
#include "support/TempDir.h"

namespace {

// Runs f with stderr sent to a file (not a terminal) and returns what it wrote there.
template <typename F>
std::string capture_stderr(F&& f) {
  skv::test::TempDir dir;
  const std::string path = (dir.path() / "err.txt").string();
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  dup2(fileno(file), STDERR_FILENO);
  f();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fclose(file);
  return skv::test::read_file(path);
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("progress off a terminal: the final count is printed once", "[progress]") {
  using namespace std::chrono_literals;
  SECTION("an update that printed the final count is not repeated by finish") {
    const std::string out = capture_stderr([] {
      skv::Progress p("steps", 2, false, 1ms);
      std::this_thread::sleep_for(5ms);
      p.update(1);
      std::this_thread::sleep_for(5ms);
      p.update(2);
      p.finish();
    });
    CHECK(count_lines(out) == 2);
    CHECK(out.find("steps: 1/2 (50.0%)") != std::string::npos);
    CHECK(out.find("steps: 2/2 (100.0%)") != std::string::npos);
    // Half done: the time left is about the time so far (well under a second here); the
    // final line has none.
    CHECK(out.find("(50.0%)") < out.find(", about 0:00:00 left\n"));
    CHECK(out.find("left", out.find("steps: 2/2")) == std::string::npos);
  }
  SECTION("finish prints the final count when the last update did not") {
    const std::string out = capture_stderr([] {
      skv::Progress p("steps", 2, false, 1ms);
      std::this_thread::sleep_for(5ms);
      p.update(1);
      p.update(2);  // within the interval: not printed
      p.finish();
    });
    CHECK(count_lines(out) == 2);
    CHECK(out.find("steps: 2/2 (100.0%)") != std::string::npos);
  }
  SECTION("a run shorter than the interval prints nothing; quiet prints nothing") {
    CHECK(capture_stderr([] {
            skv::Progress p("steps", 2, false, std::chrono::hours(1));
            p.update(2);
            p.finish();
          }).empty());
    CHECK(capture_stderr([] {
            skv::Progress p("steps", 2, true, 1ms);
            std::this_thread::sleep_for(5ms);
            p.update(2);
            p.finish();
          }).empty());
  }
}
