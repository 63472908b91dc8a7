#include "report/TimeBins.h"

#include <algorithm>
#include <stdexcept>

namespace skv::report {

TimeBins::TimeBins(std::uint64_t base_width_ps, std::size_t max_bins, std::size_t sum_series)
    : width_ps_(base_width_ps), max_bins_(max_bins), series_(sum_series) {
  if (base_width_ps == 0 || max_bins < 2) throw std::invalid_argument("TimeBins: empty bins");
}

void TimeBins::cover(std::uint64_t t_ps) {
  while (t_ps / width_ps_ >= max_bins_) {
    // Merge bins in pairs: bin i of the new width is bins 2i and 2i+1 of the old.
    const std::size_t merged = (bins_ + 1) / 2;
    for (std::size_t i = 0; i < merged; ++i) {
      for (std::size_t s = 0; s < series_; ++s) {
        const std::uint64_t b = 2 * i + 1 < bins_ ? sums_[(2 * i + 1) * series_ + s] : 0;
        sums_[i * series_ + s] = sums_[2 * i * series_ + s] + b;
      }
      Level l = levels_[2 * i];
      if (2 * i + 1 < bins_ && levels_[2 * i + 1].changed) {
        const Level& b = levels_[2 * i + 1];
        l.max = l.changed ? std::max(l.max, b.max) : b.max;
        l.last = b.last;
        l.changed = true;
      }
      levels_[i] = l;
    }
    bins_ = merged;
    sums_.resize(bins_ * series_);
    levels_.resize(bins_);
    width_ps_ *= 2;
  }
  const std::size_t need = static_cast<std::size_t>(t_ps / width_ps_) + 1;
  if (need > bins_) {
    bins_ = need;
    sums_.resize(bins_ * series_, 0);
    levels_.resize(bins_);
  }
}

std::size_t TimeBins::bin_of(std::uint64_t t_ps) {
  cover(t_ps);
  return static_cast<std::size_t>(t_ps / width_ps_);
}

void TimeBins::add(std::size_t series, std::uint64_t t_ps, std::uint64_t amount) {
  const std::size_t b = bin_of(t_ps);
  sums_[b * series_ + series] += amount;
}

void TimeBins::set_level(std::uint64_t t_ps, std::uint64_t value) {
  Level& l = levels_[bin_of(t_ps)];
  l.max = l.changed ? std::max(l.max, value) : value;
  l.last = value;
  l.changed = true;
}

std::uint64_t TimeBins::total(std::size_t series) const {
  std::uint64_t t = 0;
  for (std::size_t b = 0; b < bins_; ++b) t += sums_[b * series_ + series];
  return t;
}

std::vector<std::uint64_t> TimeBins::level_max() const {
  std::vector<std::uint64_t> out(bins_, 0);
  std::uint64_t held = 0;  // the value carried into the bin
  for (std::size_t b = 0; b < bins_; ++b) {
    out[b] = levels_[b].changed ? std::max(held, levels_[b].max) : held;
    if (levels_[b].changed) held = levels_[b].last;
  }
  return out;
}

}  // namespace skv::report
