#pragma once
// The bursts one channel's scheduler holds (at most queue_depth of them), kept per bank in
// arrival order so a scheduler looks at the banks that have work, not at every entry.

#include <array>
#include <cstdint>
#include <vector>

namespace skv::dram {

struct QueuedBurst {
  std::uint64_t seq = 0;      // global arrival order of bursts: smaller is older
  std::uint32_t request = 0;  // the engine's request slot
  std::uint32_t row = 0;
  std::uint32_t column = 0;
  std::uint16_t bank = 0;  // flat bank index within the channel
  bool is_write = false;
  std::uint8_t outcome = 0;  // RowOutcome once the first command was issued for it
  std::uint16_t next = 0;    // links of the bank's list (kNone at the ends)
  std::uint16_t prev = 0;
};

// How a burst found its row when the scheduler first acted for it.
enum RowOutcome : std::uint8_t { kUnserved = 0, kRowHit, kRowMiss, kRowConflict };

class RequestBuffer {
 public:
  static constexpr std::uint16_t kNone = 0xFFFF;
  static constexpr std::uint32_t kMaxBanks = 256;

  struct BankQueue {
    std::uint16_t head = kNone;
    std::uint16_t tail = kNone;
    std::uint16_t count = 0;
    std::uint16_t hits = 0;           // entries whose row is the bank's open row
    std::uint16_t first_hit = kNone;  // the oldest of them
  };

  RequestBuffer(std::uint32_t capacity, std::uint32_t banks);

  bool full() const { return size_ == capacity_; }
  bool empty() const { return size_ == 0; }
  std::uint32_t size() const { return size_; }
  std::uint32_t reads() const { return reads_; }
  std::uint32_t writes() const { return size_ - reads_; }

  // Appends a burst to its bank's list; `open_row` is that bank's open row (or none). True
  // when the burst leads its bank: its only burst, or the oldest one hitting the open row
  // (what a scheduler's choice for the bank rests on); a burst behind those leaves it alone.
  bool push(const QueuedBurst& b, std::uint32_t open_row);
  // Removes an entry; `open_row` is its bank's open row (to keep the hit count).
  void remove(std::uint16_t index, std::uint32_t open_row);

  QueuedBurst& entry(std::uint16_t i) { return entries_[i]; }
  const QueuedBurst& entry(std::uint16_t i) const { return entries_[i]; }
  const BankQueue& bank(std::uint32_t b) const { return banks_[b]; }

  // The bank's open row changed: recount its hits (ACT) or clear them (precharge).
  void set_open_row(std::uint32_t b, std::uint32_t open_row);
  // First entry at or after `from` in its bank's list whose row is `row`, or kNone.
  std::uint16_t next_with_row(std::uint16_t from, std::uint32_t row) const {
    for (std::uint16_t i = from; i != kNone; i = entries_[i].next) {
      if (entries_[i].row == row) return i;
    }
    return kNone;
  }

  // The set of banks with queued bursts: bit b%64 of word b/64 (for a scheduler's own loop).
  const std::uint64_t* active_banks() const { return active_.data(); }
  std::uint32_t active_bank_words() const { return active_words_; }

  // Calls f(bank) for every bank with queued bursts, in bank order.
  template <typename F>
  void for_each_active_bank(F&& f) const {
    for (std::uint32_t w = 0; w < active_words_; ++w) {
      std::uint64_t bits = active_[w];
      while (bits != 0) {
        const auto bit = static_cast<std::uint32_t>(__builtin_ctzll(bits));
        f(w * 64 + bit);
        bits &= bits - 1;
      }
    }
  }

 private:
  std::uint32_t capacity_;
  std::uint32_t size_ = 0;
  std::uint32_t reads_ = 0;
  std::uint16_t free_ = kNone;  // free entries, linked through `next`
  std::vector<QueuedBurst> entries_;
  std::vector<BankQueue> banks_;
  std::array<std::uint64_t, kMaxBanks / 64> active_{};  // banks with count > 0
  std::uint32_t active_words_ = 1;                      // words of active_ in use
};

}  // namespace skv::dram
