// ContextFilter's early end: a stop asked for while rows remain ends the trace there and
// says so (stopped()); one asked for after the last batch ends nothing, so a run
// interrupted during its last batch is complete, not marked incomplete with every step
// done.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "trace/ContextPolicy.h"

namespace {

using skv::trace::DecodeStep;

// Batches 0..n-1 of one row each.
class Batches : public skv::trace::BatchSource {
 public:
  explicit Batches(std::uint64_t n) : n_(n) {}
  bool next_batch(std::vector<DecodeStep>& out) override {
    if (next_ == n_) return false;
    out.assign(1, DecodeStep{});
    out[0].batch = next_;
    out[0].kv_len = 10 + next_++;
    return true;
  }
  const std::string& path() const override { return path_; }

 private:
  std::uint64_t n_;
  std::uint64_t next_ = 0;
  std::string path_ = "batches";
};

}  // namespace

TEST_CASE("context filter: a stop ends the trace only while rows remain", "[unit]") {
  bool stop = false;
  skv::trace::TraceInput input;
  input.stop_requested = [&stop] { return stop; };
  std::vector<DecodeStep> out;

  SECTION("asked for before the last batch: stopped, the rest not read") {
    Batches three(3);
    skv::trace::ContextFilter f(three, 4096, input);
    REQUIRE(f.next_batch(out));
    CHECK(out.at(0).batch == 0);
    stop = true;
    CHECK_FALSE(f.next_batch(out));
    CHECK(f.stopped());
    CHECK_FALSE(f.next_batch(out));  // and it stays stopped
  }
  SECTION("asked for during the last batch: the trace ended, not stopped") {
    Batches two(2);
    skv::trace::ContextFilter f(two, 4096, input);
    REQUIRE(f.next_batch(out));
    REQUIRE(f.next_batch(out));
    CHECK(out.at(0).batch == 1);
    stop = true;
    CHECK_FALSE(f.next_batch(out));
    CHECK_FALSE(f.stopped());
  }
}
