#pragma once
// One clock domain: integral cycles on a period of whole picoseconds.
// The SystemC time resolution is 1 ps (set by the simulation top level), so every
// cycle edge is an exact sc_time; the period is the configured frequency's period
// rounded to the picosecond, and reports use that period (docs/architecture.md).

#include <systemc>

#include <cmath>
#include <cstdint>

namespace skv::tlmx {

class ClockDomain {
 public:
  explicit ClockDomain(double mhz)
      : mhz_(mhz), period_ps_(static_cast<std::uint64_t>(std::llround(1e6 / mhz))) {}

  double mhz() const { return mhz_; }
  std::uint64_t period_ps() const { return period_ps_; }
  sc_core::sc_time period() const { return cycles(1); }
  sc_core::sc_time cycles(std::uint64_t n) const {
    return sc_core::sc_time::from_value(n * period_ps_);
  }
  // The first cycle edge at or after time t.
  std::uint64_t cycle_at_or_after(const sc_core::sc_time& t) const {
    return (t.value() + period_ps_ - 1) / period_ps_;
  }
  std::uint64_t now_cycle() const { return cycle_at_or_after(sc_core::sc_time_stamp()); }
  sc_core::sc_time time_of(std::uint64_t cycle) const { return cycles(cycle); }
  // Delay from now to the edge of `cycle` (zero if that edge is now or past).
  sc_core::sc_time until(std::uint64_t cycle) const {
    const std::uint64_t now = sc_core::sc_time_stamp().value();
    const std::uint64_t at = cycle * period_ps_;
    return sc_core::sc_time::from_value(at > now ? at - now : 0);
  }
  // Blocks the calling thread until the next edge at or after now (edge alignment).
  void align() const { sc_core::wait(until(now_cycle())); }

 private:
  double mhz_;
  std::uint64_t period_ps_;
};

}  // namespace skv::tlmx
