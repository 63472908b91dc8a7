#include "sim/Counters.h"

#include "models/top/Accelerator.h"

#include <fmt/format.h>

#include <stdexcept>
#include <vector>

namespace skv::sim {

namespace {

__extension__ using i128 = __int128;  // exact products of two 64-bit values

// How many values a Counters holds (the length of counter_values()).
std::size_t counter_count() {
  static const std::size_t n = [] {
    std::size_t k = 0;
    Counters().visit([&k](const char*, const char*, stats::Kind, const std::uint64_t&) { ++k; });
    return k;
  }();
  return n;
}

}  // namespace

Counters& Counters::operator+=(const Counters& o) {
  const std::vector<std::uint64_t> ov = counter_values(o);
  std::size_t i = 0;
  visit([&](const char*, const char*, stats::Kind k, std::uint64_t& v) {
    v = stats::merged(k, v, ov[i++]);
  });
  return *this;
}

CounterSums::CounterSums() {
  const Counters zero;
  zero.visit([this](const char*, const char*, stats::Kind k, const std::uint64_t& v) {
    kinds_.push_back(k);
    sums_.push_back(v);
  });
}

void CounterSums::add(const std::vector<std::uint64_t>& values) {
  if (values.size() != sums_.size()) {
    throw std::logic_error(
        fmt::format("CounterSums: {} values for {} counters", values.size(), sums_.size()));
  }
  for (std::size_t i = 0; i < sums_.size(); ++i) {
    sums_[i] = stats::merged(kinds_[i], sums_[i], values[i]);
  }
}

Counters counters_from_values(const std::vector<std::uint64_t>& values) {
  if (values.size() != counter_count()) {
    throw std::logic_error(fmt::format("counters_from_values: {} values for {} counters",
                                       values.size(), counter_count()));
  }
  Counters c;
  std::size_t i = 0;
  c.visit([&](const char*, const char*, stats::Kind, std::uint64_t& v) { v = values[i++]; });
  return c;
}

Counters Counters::operator-(const Counters& earlier) const {
  Counters d = *this;
  const std::vector<std::uint64_t> ev = counter_values(earlier);
  std::size_t i = 0;
  d.visit([&](const char* g, const char* n, stats::Kind k, std::uint64_t& v) {
    const std::uint64_t e = ev[i++];
    if (!stats::subtractable(k)) {
      throw std::logic_error(fmt::format("{}.{} is a {}: it cannot be taken as a difference",
                                         g, n, stats::kind_name(k)));
    }
    if (v < e) {
      throw std::logic_error(fmt::format("{}.{} went down from {} to {} between two snapshots",
                                         g, n, e, v));
    }
    v -= e;
  });
  return d;
}

Counters Counters::times(std::uint64_t n) const {
  Counters d = *this;
  d.visit([n](const char* g, const char* name, stats::Kind k, std::uint64_t& v) {
    if (!stats::subtractable(k)) {
      throw std::logic_error(fmt::format("{}.{} is a {}: it cannot be scaled", g, name,
                                         stats::kind_name(k)));
    }
    v *= n;
  });
  return d;
}

Counters Counters::scaled(std::uint64_t num, std::uint64_t den) const {
  if (den == 0) throw std::logic_error("Counters::scaled: by a fraction over 0");
  Counters d = *this;
  d.visit([num, den](const char* g, const char* name, stats::Kind k, std::uint64_t& v) {
    if (!stats::subtractable(k)) {
      throw std::logic_error(
          fmt::format("{}.{} is a {}: it cannot be scaled", g, name, stats::kind_name(k)));
    }
    const i128 n = static_cast<i128>(v) * num;
    v = static_cast<std::uint64_t>((2 * n + den) / (2 * static_cast<i128>(den)));
  });
  return d;
}

Counters interpolate(const Counters& a, std::uint64_t x0, const Counters& b, std::uint64_t x1,
                     std::uint64_t x) {
  if (!(x0 < x1) || x < x0 || x > x1) {
    throw std::logic_error(fmt::format("interpolate: {} is not within [{}, {}]", x, x0, x1));
  }
  Counters r = a;
  const std::vector<std::uint64_t> bv = counter_values(b);
  const auto span = static_cast<i128>(x1 - x0);
  const auto at = static_cast<i128>(x - x0);
  std::size_t i = 0;
  r.visit([&](const char*, const char*, stats::Kind, std::uint64_t& v) {
    const auto v0 = static_cast<i128>(v);
    const auto v1 = static_cast<i128>(bv[i++]);
    const i128 num = (v1 - v0) * at;  // |v1 - v0| < 2^64, at <= a context length
    // round(num / span), halves away from zero
    const i128 q = num >= 0 ? (2 * num + span) / (2 * span) : -((-2 * num + span) / (2 * span));
    v = static_cast<std::uint64_t>(v0 + q);
  });
  return r;
}

Counters interpolate_path(const Counters& base, const std::vector<PathStep>& steps) {
  std::vector<std::vector<std::uint64_t>> from;
  std::vector<std::vector<std::uint64_t>> to;
  for (const PathStep& s : steps) {
    if (s.den == 0 || s.num > s.den) {
      throw std::logic_error(
          fmt::format("interpolate_path: a step taken {} / {} of the way", s.num, s.den));
    }
    from.push_back(counter_values(*s.from));
    to.push_back(counter_values(*s.to));
  }
  Counters r = base;
  std::size_t i = 0;
  r.visit([&](const char*, const char*, stats::Kind, std::uint64_t& v) {
    i128 sum = static_cast<i128>(v);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto span = static_cast<i128>(steps[k].den);
      // |to - from| < 2^64, num <= den <= a context length
      const i128 num = (static_cast<i128>(to[k][i]) - static_cast<i128>(from[k][i])) *
                       static_cast<i128>(steps[k].num);
      sum += num >= 0 ? (2 * num + span) / (2 * span) : -((-2 * num + span) / (2 * span));
    }
    v = sum < 0 ? 0 : static_cast<std::uint64_t>(sum);
    ++i;
  });
  return r;
}

nlohmann::json to_json(const Counters& c) {
  nlohmann::json j = nlohmann::json::object();
  c.visit([&j](const char* g, const char* n, stats::Kind, const std::uint64_t& v) { j[g][n] = v; });
  return j;
}

Counters counters_from_json(const nlohmann::json& j) {
  Counters c;
  c.visit([&j](const char* g, const char* n, stats::Kind, std::uint64_t& v) {
    if (!j.is_object() || !j.contains(g) || !j[g].is_object() || !j[g].contains(n) ||
        !j[g][n].is_number_unsigned()) {
      throw std::runtime_error(fmt::format("counter {}.{} is missing or not a count", g, n));
    }
    v = j[g][n].get<std::uint64_t>();
  });
  return c;
}

Counters snapshot(Accelerator& top, const std::array<std::uint64_t, tlmx::kOpClassCount>& cls,
                  std::uint64_t cycle) {
  top.dram.advance_to_now();
  Counters c;
  c.array = top.array.stats();
  c.attention = top.attention.stats();
  c.sram = top.kv_sram.stats();
  c.dram = top.dram.engine().stats();
  stats::keep_subtractable(c.dram);
  const DramController::Stats& ctrl = top.dram.stats();
  // Bytes at the cut are the bytes the controller has accepted: posted writes (appended
  // k and v, spilled scores) complete after the operation that wrote them has ended, and
  // belong to it. Over a drained run the two are equal.
  c.dram.bytes_read = c.dram.bytes_written = 0;
  for (int i = 0; i < tlmx::kOpClassCount; ++i) {
    c.dram.bytes_read += ctrl.read_bytes_by_owner(i);
    c.dram.bytes_written += ctrl.write_bytes_by_owner(i);
  }
  c.dram_ctrl = ctrl;
  c.sequencer = top.sequencer.stats();
  c.weight_prefetch = top.array.prefetch_stats();
  stats::keep_subtractable(c.weight_prefetch);
  c.kv_prefetch = top.kv_sram.prefetch_stats();
  stats::keep_subtractable(c.kv_prefetch);
  c.dram_arbitration = top.dram.arbitration_stats();
  stats::keep_subtractable(c.dram_arbitration);
  c.o_projection = top.array.beside_stats();
  c.class_cycles = cls;
  c.cycles = cycle;
  return c;
}


void counter_values(const Counters& c, std::vector<std::uint64_t>& out) {
  out.clear();
  out.reserve(counter_count());
  c.visit([&out](const char*, const char*, stats::Kind, const std::uint64_t& x) {
    out.push_back(x);
  });
}

std::vector<std::uint64_t> counter_values(const Counters& c) {
  std::vector<std::uint64_t> v;
  counter_values(c, v);
  return v;
}

std::vector<std::string> counter_names() {
  std::vector<std::string> names;
  Counters().visit([&names](const char* g, const char* n, stats::Kind, const std::uint64_t&) {
    names.push_back(std::string(g) + "." + n);
  });
  return names;
}

}  // namespace skv::sim
