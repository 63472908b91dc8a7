// The DRAM engine's completion calendar against a reference ordered set: same items, same
// (cycle, age) order, released at the same times, including far-future and late items.

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "models/dram/CompletionQueue.h"

using skv::dram::CompletionQueue;
using skv::dram::kNever;

namespace {

using Ref = std::set<std::tuple<std::uint64_t, std::uint64_t, std::uint32_t>>;  // cycle, seq, slot

std::vector<std::uint32_t> pop_ref(Ref& ref, std::uint64_t now) {
  std::vector<std::uint32_t> out;
  while (!ref.empty() && std::get<0>(*ref.begin()) <= now) {
    out.push_back(std::get<2>(*ref.begin()));
    ref.erase(ref.begin());
  }
  return out;
}

}  // namespace

TEST_CASE("completion queue: release order and times match an ordered set", "[dram]") {
  // Spreads below, near and well beyond the ring's kBuckets cycles (then the far heap).
  static_assert(CompletionQueue::kBuckets == 8192, "the spreads below are chosen around it");
  for (const std::uint64_t spread : {std::uint64_t{50}, std::uint64_t{7000}, std::uint64_t{30000}}) {
    INFO("completions up to " << spread << " cycles ahead");
    std::mt19937_64 rng(spread);
    CompletionQueue q;
    Ref ref;
    std::vector<std::uint32_t> free_slots;
    for (std::uint32_t s = 0; s < 300; ++s) free_slots.push_back(s);
    std::uint64_t now = 0;
    std::uint64_t seq = 0;
    std::uint64_t released = 0;
    for (int round = 0; round < 4000; ++round) {
      // A few pushes, mostly ahead of now, sometimes far beyond the ring, rarely late.
      const int pushes = static_cast<int>(rng() % 4);
      for (int k = 0; k < pushes && !free_slots.empty(); ++k) {
        const std::uint32_t slot = free_slots.back();
        free_slots.pop_back();
        std::uint64_t cycle = now + 1 + rng() % spread;
        if (rng() % 50 == 0 && now > 3) cycle = now - rng() % 3;  // already passed
        // Ages are not in cycle order, and equal cycles are common.
        const std::uint64_t age = seq + rng() % 8;
        seq += 8;
        q.push(cycle, age, slot);
        ref.insert({cycle, age, slot});
      }
      CHECK(q.size() == ref.size());
      CHECK(q.front_cycle() == (ref.empty() ? kNever : std::get<0>(*ref.begin())));
      // Time moves on by a little, or jumps.
      now += rng() % 10 == 0 ? rng() % (3 * spread) : rng() % 4;
      std::vector<std::uint32_t> got;
      q.pop_until(now, [&](std::uint32_t slot) { got.push_back(slot); });
      const std::vector<std::uint32_t> want = pop_ref(ref, now);
      REQUIRE(got == want);
      released += got.size();
      for (std::uint32_t s : got) free_slots.push_back(s);
    }
    CHECK(released > 3000);
    q.pop_until(kNever - 1, [&](std::uint32_t s) { free_slots.push_back(s); });
    CHECK(q.empty());
    CHECK(q.front_cycle() == kNever);
  }
}
