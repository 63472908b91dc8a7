#include "models/dram/CompletionQueue.h"

namespace skv::dram {

namespace {

bool far_later(const std::uint64_t ac, const std::uint64_t as, const std::uint64_t bc,
               const std::uint64_t bs) {
  return ac != bc ? ac > bc : as > bs;
}

}  // namespace

void CompletionQueue::push_slow(std::uint64_t cycle, std::uint64_t seq, std::uint32_t slot) {
  if (slot >= nodes_.size()) nodes_.resize(std::size_t{slot} + 1);
  ++size_;
  if (cycle >= base_ + kBuckets) {
    far_.push_back(Far{cycle, seq, slot});
    std::push_heap(far_.begin(), far_.end(), [](const Far& a, const Far& b) {
      return far_later(a.cycle, a.seq, b.cycle, b.seq);
    });
    return;
  }
  nodes_[slot].cycle = cycle;
  nodes_[slot].seq = seq;
  insert(slot);
}

void CompletionQueue::insert(std::uint32_t slot) {
  Node& n = nodes_[slot];
  // A cycle already passed joins the present's bucket, ahead of the items due then.
  const std::uint32_t b = index(n.cycle < base_ ? base_ : n.cycle);
  auto after = [&n](const Node& o) {
    return o.cycle != n.cycle ? o.cycle > n.cycle : o.seq > n.seq;
  };
  if (heads_[b] != kNil && !after(nodes_[tails_[b]])) {
    // Completions mostly arrive in age order: the new one usually goes last.
    nodes_[tails_[b]].next = slot;
    n.next = kNil;
    tails_[b] = slot;
  } else {
    std::uint32_t* link = &heads_[b];
    while (*link != kNil && !after(nodes_[*link])) link = &nodes_[*link].next;
    n.next = *link;
    *link = slot;
    if (n.next == kNil) tails_[b] = slot;
  }
  occupied_[b / 64] |= std::uint64_t{1} << (b % 64);
  ++ring_count_;
}

std::uint32_t CompletionQueue::first_bucket() const {
  // Buckets from base_'s to the end of the array, then from the start.
  const std::uint32_t start = index(base_);
  constexpr std::uint32_t kWords = kBuckets / 64;
  for (std::uint32_t k = 0; k <= kWords; ++k) {
    const std::uint32_t w = (start / 64 + k) % kWords;
    std::uint64_t bits = occupied_[w];
    if (k == 0) bits &= ~std::uint64_t{0} << (start % 64);            // at or after start
    if (k == kWords) bits &= (std::uint64_t{1} << (start % 64)) - 1;  // wrapped: before start
    if (bits != 0) return w * 64 + static_cast<std::uint32_t>(__builtin_ctzll(bits));
  }
  return 0;  // not reached while ring_count_ > 0
}

void CompletionQueue::move_base(std::uint64_t base) {
  base_ = base;
  const auto later = [](const Far& a, const Far& b) {
    return far_later(a.cycle, a.seq, b.cycle, b.seq);
  };
  while (!far_.empty() && far_.front().cycle < base_ + kBuckets) {
    const Far f = far_.front();
    std::pop_heap(far_.begin(), far_.end(), later);
    far_.pop_back();
    nodes_[f.slot].cycle = f.cycle;
    nodes_[f.slot].seq = f.seq;
    insert(f.slot);
  }
}

std::uint64_t CompletionQueue::front_cycle() const {
  if (ring_count_ > 0) return nodes_[heads_[first_bucket()]].cycle;
  return far_.empty() ? kNever : far_.front().cycle;
}

}  // namespace skv::dram
