#pragma once
// Fixed-width time bins whose number stays bounded however long the recording runs: the
// width starts at `base_width_ps` and doubles (adjacent bins merged in pairs) whenever a
// time would need bin `max_bins` or beyond. So a span T ends up in bins of width
// base x 2^k, the smallest such width with T / width < max_bins: between max_bins / 2
// and max_bins bins for any span longer than max_bins / 2 base widths.
//
// Two kinds of series share the bins: sums (counts added at a time, e.g. DRAM bursts)
// and one level (a value that holds until it changes, e.g. bytes staged), of which each
// bin keeps its largest value.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace skv::report {

class TimeBins {
 public:
  TimeBins(std::uint64_t base_width_ps, std::size_t max_bins, std::size_t sum_series);

  // Times are picoseconds from the start of the first bin. Sums may arrive in any order;
  // level changes in time order.
  void add(std::size_t series, std::uint64_t t_ps, std::uint64_t amount);
  void set_level(std::uint64_t t_ps, std::uint64_t value);
  // Widens the bins until `t_ps` falls into one (so that the bins cover a span).
  void cover(std::uint64_t t_ps);

  std::uint64_t width_ps() const { return width_ps_; }
  std::size_t max_bins() const { return max_bins_; }
  std::size_t bins() const { return bins_; }
  std::size_t series() const { return series_; }
  std::uint64_t sum(std::size_t bin, std::size_t series) const {
    return sums_[bin * series_ + series];
  }
  std::uint64_t total(std::size_t series) const;
  // The level's largest value in each bin: the value it entered the bin with, or any it
  // took inside it.
  std::vector<std::uint64_t> level_max() const;

 private:
  struct Level {
    bool changed = false;
    std::uint64_t max = 0;   // of the changes inside the bin
    std::uint64_t last = 0;  // the last change inside the bin
  };
  std::size_t bin_of(std::uint64_t t_ps);

  std::uint64_t width_ps_;
  std::size_t max_bins_;
  std::size_t series_;
  std::size_t bins_ = 0;  // bins in use: up to the latest time seen
  std::vector<std::uint64_t> sums_;
  std::vector<Level> levels_;
};

}  // namespace skv::report
