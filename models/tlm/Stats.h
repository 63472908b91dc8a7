#pragma once
// The stats registry: each counter of a unit is declared once, on one line, with its
// name, kind, unit and a one-line description, and every report is built by iterating
// the declarations (gem5's stats groups are the model).
//
//   #define SKV_ARRAY_STATS(X) X(gemv_ops, Sum, Count, "GEMV operations run") ...
//   struct Stats { SKV_DECLARE_STATS(SKV_ARRAY_STATS) };
//
// (one X(...) line per counter, continued with a backslash).
//
// declares one std::uint64_t member per counter, `kInfo` (the declarations as data),
// `for_each(f)` (f(info, value) for every counter in declaration order;
// `for_each_mutable` hands out references) and `merge_from(o)` (sums and integrals
// add, maxima and minima keep the larger and the smaller). `for_each_mutable` with
// `kInfo` is how a caller snapshots, subtracts or scales a group (sim/Counters.h).

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace skv::stats {

enum class Kind {
  Sum,           // a count or an amount that only grows
  TimeIntegral,  // a level summed over time (e.g. queue occupancy x cycles)
  Max,
  Min,
};
enum class Unit { Count, Bytes, AccelCycles, DramCycles, Ps, PJ, Macs };

inline const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Sum: return "sum";
    case Kind::TimeIntegral: return "time integral";
    case Kind::Max: return "maximum";
    case Kind::Min: return "minimum";
  }
  return "?";
}

inline const char* unit_name(Unit u) {
  switch (u) {
    case Unit::Count: return "count";
    case Unit::Bytes: return "bytes";
    case Unit::AccelCycles: return "accelerator cycles";
    case Unit::DramCycles: return "DRAM cycles";
    case Unit::Ps: return "ps";
    case Unit::PJ: return "pJ";
    case Unit::Macs: return "MACs";
  }
  return "?";
}

struct Info {
  const char* name;
  Kind kind;
  Unit unit;
  const char* description;
};

// Whether a value of this kind over a span is the difference of two snapshots taken at
// its ends (sums and integrals), or must be collected in a scope of its own (extremes).
inline bool subtractable(Kind k) { return k == Kind::Sum || k == Kind::TimeIntegral; }

inline std::uint64_t merged(Kind k, std::uint64_t a, std::uint64_t b) {
  switch (k) {
    case Kind::Max: return std::max(a, b);
    case Kind::Min: return std::min(a, b);
    case Kind::Sum:
    case Kind::TimeIntegral: break;
  }
  return a + b;
}

}  // namespace skv::stats

#define SKV_STAT_MEMBER_(name, kind, unit, description) std::uint64_t name = 0;
#define SKV_STAT_INFO_(name, kind, unit, description) \
  ::skv::stats::Info{#name, ::skv::stats::Kind::kind, ::skv::stats::Unit::unit, description},
#define SKV_STAT_VISIT_(name, kind, unit, description) f(kInfo[i++], name);
#define SKV_STAT_MERGE_(name, kind, unit, description) \
  name = ::skv::stats::merged(::skv::stats::Kind::kind, name, o.name);

#define SKV_DECLARE_STATS(LIST)                                            \
  LIST(SKV_STAT_MEMBER_)                                                   \
  static constexpr ::skv::stats::Info kInfo[] = {LIST(SKV_STAT_INFO_)};    \
  template <class F>                                                       \
  void for_each(F&& f) const {                                             \
    std::size_t i = 0;                                                     \
    LIST(SKV_STAT_VISIT_)                                                  \
  }                                                                        \
  template <class F>                                                       \
  void for_each_mutable(F&& f) {                                           \
    std::size_t i = 0;                                                     \
    LIST(SKV_STAT_VISIT_)                                                  \
  }                                                                        \
  template <class Self>                                                    \
  void merge_from(const Self& o) {                                         \
    LIST(SKV_STAT_MERGE_)                                                  \
  }
