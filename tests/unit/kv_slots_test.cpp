// KV-cache slots follow requests, not their position in a batch.

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "models/sequencer/KvSlots.h"

using skv::sim::KvSlots;
using skv::trace::DecodeStep;

namespace {

std::vector<DecodeStep> batch(std::uint64_t id, const std::vector<std::uint64_t>& requests) {
  std::vector<DecodeStep> rows;
  for (std::uint64_t r : requests) rows.push_back(DecodeStep{id, r, 0, 16, 0});
  return rows;
}

using Slots = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("KV slots: a request keeps its slot while the batch around it changes", "[sim]") {
  KvSlots s(4);
  CHECK(s.assign(batch(0, {10, 11, 12})) == Slots{0, 1, 2});
  // Same requests in another order: same slots.
  CHECK(s.assign(batch(1, {12, 10, 11})) == Slots{2, 0, 1});
  // 10 finished: its slot 0 is free; 13 is new and takes it; 11 and 12 stay put.
  CHECK(s.assign(batch(2, {11, 13, 12})) == Slots{1, 0, 2});
  // Two new requests take the lowest free slots: 2 (which 12 left) and 3.
  CHECK(s.assign(batch(3, {14, 13, 11, 15})) == Slots{2, 0, 1, 3});
  // A batch of one after all that: 13 keeps slot 0.
  CHECK(s.assign(batch(4, {13})) == Slots{0});
  // A request that comes back after missing a batch is new: its old cache is gone.
  CHECK(s.assign(batch(5, {11})) == Slots{0});
}
