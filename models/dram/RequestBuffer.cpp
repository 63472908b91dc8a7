#include "models/dram/RequestBuffer.h"

#include <stdexcept>

#include "models/dram/TimingChecker.h"

namespace skv::dram {

RequestBuffer::RequestBuffer(std::uint32_t capacity, std::uint32_t banks)
    : capacity_(capacity), entries_(capacity), banks_(banks), active_words_((banks + 63) / 64) {
  if (capacity == 0 || capacity >= kNone) {
    throw std::invalid_argument("RequestBuffer: capacity out of range");
  }
  if (banks > kMaxBanks) throw std::invalid_argument("RequestBuffer: more than 256 banks");
  for (std::uint32_t i = 0; i < capacity; ++i) {
    entries_[i].next = static_cast<std::uint16_t>(i + 1 < capacity ? i + 1 : kNone);
  }
  free_ = 0;
}

bool RequestBuffer::push(const QueuedBurst& b, std::uint32_t open_row) {
  if (free_ == kNone) throw std::logic_error("RequestBuffer: push into a full buffer");
  const std::uint16_t i = free_;
  free_ = entries_[i].next;
  QueuedBurst& e = entries_[i];
  e = b;
  BankQueue& q = banks_[b.bank];
  e.prev = q.tail;
  e.next = kNone;
  if (q.tail != kNone) {
    entries_[q.tail].next = i;
  } else {
    q.head = i;
  }
  q.tail = i;
  if (q.count++ == 0) active_[b.bank / 64] |= std::uint64_t{1} << (b.bank % 64);
  if (b.row == open_row && q.hits++ == 0) q.first_hit = i;
  ++size_;
  if (!b.is_write) ++reads_;
  // Both tests are data-dependent: combined without a branch.
  return (q.head == i) | (q.first_hit == i);
}

void RequestBuffer::remove(std::uint16_t i, std::uint32_t open_row) {
  QueuedBurst& e = entries_[i];
  BankQueue& q = banks_[e.bank];
  if (e.row == open_row && q.hits > 0) {
    --q.hits;
    if (q.first_hit == i) q.first_hit = q.hits > 0 ? next_with_row(e.next, open_row) : kNone;
  }
  if (e.prev != kNone) {
    entries_[e.prev].next = e.next;
  } else {
    q.head = e.next;
  }
  if (e.next != kNone) {
    entries_[e.next].prev = e.prev;
  } else {
    q.tail = e.prev;
  }
  if (--q.count == 0) active_[e.bank / 64] &= ~(std::uint64_t{1} << (e.bank % 64));
  --size_;
  if (!e.is_write) --reads_;
  e.next = free_;
  free_ = i;
}

void RequestBuffer::set_open_row(std::uint32_t b, std::uint32_t open_row) {
  BankQueue& q = banks_[b];
  q.hits = 0;
  q.first_hit = kNone;
  if (open_row == TimingChecker::kClosed) return;
  for (std::uint16_t i = q.head; i != kNone; i = entries_[i].next) {
    if (entries_[i].row == open_row && q.hits++ == 0) q.first_hit = i;
  }
}

}  // namespace skv::dram
