#pragma once
// The requests whose completion cycle is fixed but not yet reached, released in (cycle, age)
// order as the engine's time passes.
//
// A calendar queue: a ring of kBuckets (8,192) one-cycle buckets covering the cycles
// [base, base + kBuckets), each a list kept in (cycle, age) order, with a bitmap of the
// non-empty ones; the rare completion further ahead waits in a min-heap and moves into the
// ring as the ring moves on. Most completions fall within a few hundred cycles of the
// present, so a push is a short list insertion and a release walks the bitmap, where a
// binary heap paid a mispredicted branch per level on every pop.
//
// Items are identified by the engine's request slot; a slot is in the queue at
// most once.

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "models/dram/DramTypes.h"

namespace skv::dram {

class CompletionQueue {
 public:
  // A power of two, and wider than the usual distance between a completion's push and the
  // driver's next collection (a driver taking completions every 1,024 requests of an
  // LPDDR4 stream pushes them up to ~4,000 cycles ahead of the last collection).
  static constexpr std::uint32_t kBuckets = 8192;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }

  // Adds request `slot` (age `seq`: smaller is older) completing at `cycle`. A cycle already
  // passed is released by the next pop_until().
  void push(std::uint64_t cycle, std::uint64_t seq, std::uint32_t slot) {
    // The common case inline: within the ring, after its bucket's last item (completions
    // mostly arrive in age order).
    if (slot < nodes_.size() && cycle >= base_ && cycle < base_ + kBuckets) {
      const std::uint32_t b = index(cycle);
      const std::uint32_t tail = tails_[b];
      if (tail == kNil || (nodes_[tail].cycle == cycle && nodes_[tail].seq < seq)) {
        Node& n = nodes_[slot];
        n.cycle = cycle;
        n.seq = seq;
        n.next = kNil;
        if (tail == kNil) {
          heads_[b] = slot;
          occupied_[b / 64] |= std::uint64_t{1} << (b % 64);
        } else {
          nodes_[tail].next = slot;
        }
        tails_[b] = slot;
        ++ring_count_;
        ++size_;
        return;
      }
    }
    push_slow(cycle, seq, slot);
  }

  // The earliest cycle held (kNever when empty).
  std::uint64_t front_cycle() const;

  // Removes every item with cycle <= now, calling f(slot) for each in (cycle, age) order.
  template <typename F>
  void pop_until(std::uint64_t now, F&& f) {
    for (;;) {
      if (ring_count_ == 0) {
        if (far_.empty() || far_.front().cycle > now) {
          // Nothing due: the ring moves up to the present (or the first far item).
          const std::uint64_t next = far_.empty() ? now + 1 : far_.front().cycle;
          move_base(std::max(base_, std::min(now + 1, next)));
          return;
        }
        move_base(far_.front().cycle);  // the earliest far item enters the ring
        continue;
      }
      const std::uint32_t b = first_bucket();
      std::uint32_t i = heads_[b];
      if (nodes_[i].cycle > now) {
        // The earliest item is not due: the ring can start at it (or at now + 1).
        move_base(std::max(base_, std::min(now + 1, nodes_[i].cycle)));
        return;
      }
      while (i != kNil && nodes_[i].cycle <= now) {
        const std::uint32_t next = nodes_[i].next;
        --ring_count_;
        --size_;
        f(i);
        i = next;
      }
      heads_[b] = i;
      if (i != kNil) return;  // the rest of this bucket is later than now (late items only)
      tails_[b] = kNil;
      occupied_[b / 64] &= ~(std::uint64_t{1} << (b % 64));
      // Everything left in the ring is later than this bucket's cycle.
      move_base(base_ + ((b - index(base_)) & (kBuckets - 1)) + 1);
    }
  }

 private:
  static constexpr std::uint32_t kNil = 0xFFFFFFFFu;
  struct Node {
    std::uint64_t cycle = 0;
    std::uint64_t seq = 0;
    std::uint32_t next = kNil;
  };
  struct Far {
    std::uint64_t cycle;
    std::uint64_t seq;
    std::uint32_t slot;
  };

  static std::uint32_t index(std::uint64_t cycle) {
    return static_cast<std::uint32_t>(cycle & (kBuckets - 1));
  }
  void push_slow(std::uint64_t cycle, std::uint64_t seq, std::uint32_t slot);
  void insert(std::uint32_t slot);       // into the ring, in (cycle, age) order
  std::uint32_t first_bucket() const;    // the non-empty bucket nearest after base_
  void move_base(std::uint64_t base);    // base_ = base; far items now in range move in

  std::vector<Node> nodes_;  // by slot
  std::vector<std::uint32_t> heads_ = std::vector<std::uint32_t>(kBuckets, kNil);
  std::vector<std::uint32_t> tails_ = std::vector<std::uint32_t>(kBuckets, kNil);
  std::array<std::uint64_t, kBuckets / 64> occupied_{};
  std::vector<Far> far_;  // min-heap on (cycle, seq): cycles >= base_ + kBuckets
  std::uint64_t base_ = 0;
  std::size_t ring_count_ = 0;
  std::size_t size_ = 0;
};

}  // namespace skv::dram
