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
// declares one member per counter (a std::uint64_t; a stats::Histogram for a Histogram),
// `kInfo` (the declarations as data), and
//   for_each(f)            f(info, value) for every scalar counter, in declaration order
//                          (`for_each_mutable` hands out references);
//   for_each_histogram(f)  f(info, histogram) for every histogram (and
//                          `for_each_histogram_mutable`);
//   merge_from(o)          every counter merged by its kind (below).
// `for_each_mutable` with `kInfo` is how a caller snapshots, subtracts or scales a group
// (sim/Counters.h): only sums and integrals can be subtracted; the other kinds are
// collected over a span of their own.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace skv::stats {

enum class Kind {
  Sum,           // a count or an amount that only grows
  TimeIntegral,  // a level summed over time (e.g. queue occupancy x cycles)
  Max,           // the largest value seen
  Min,           // the smallest value seen
  FirstStamp,    // the cycle something first happened (0: not yet)
  LastStamp,     // the cycle something last happened (0: not yet)
  Histogram,     // every value seen, in buckets (stats::Histogram)
};
enum class Unit { Count, Bytes, AccelCycles, DramCycles, Ps, PJ, Macs };

inline constexpr Kind kKinds[] = {Kind::Sum,        Kind::TimeIntegral, Kind::Max,      Kind::Min,
                                  Kind::FirstStamp, Kind::LastStamp,    Kind::Histogram};
inline constexpr Unit kUnits[] = {Unit::Count, Unit::Bytes, Unit::AccelCycles, Unit::DramCycles,
                                  Unit::Ps,    Unit::PJ,    Unit::Macs};

inline const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Sum:
      return "sum";
    case Kind::TimeIntegral:
      return "time integral";
    case Kind::Max:
      return "maximum";
    case Kind::Min:
      return "minimum";
    case Kind::FirstStamp:
      return "first-cycle stamp";
    case Kind::LastStamp:
      return "last-cycle stamp";
    case Kind::Histogram:
      return "histogram";
  }
  return "?";
}

inline const char* unit_name(Unit u) {
  switch (u) {
    case Unit::Count:
      return "count";
    case Unit::Bytes:
      return "bytes";
    case Unit::AccelCycles:
      return "accelerator cycles";
    case Unit::DramCycles:
      return "DRAM cycles";
    case Unit::Ps:
      return "ps";
    case Unit::PJ:
      return "pJ";
    case Unit::Macs:
      return "MACs";
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
// its ends (sums and integrals), or must be collected in a scope of its own (extremes,
// stamps and histograms).
inline bool subtractable(Kind k) { return k == Kind::Sum || k == Kind::TimeIntegral; }

// Two values of one scalar counter merged: sums and integrals add, maxima and last
// stamps keep the larger, minima the smaller, first stamps the earlier that is set.
inline std::uint64_t merged(Kind k, std::uint64_t a, std::uint64_t b) {
  switch (k) {
    case Kind::Max:
    case Kind::LastStamp:
      return std::max(a, b);
    case Kind::Min:
      return std::min(a, b);
    case Kind::FirstStamp:
      return a == 0 ? b : b == 0 ? a : std::min(a, b);
    case Kind::Sum:
    case Kind::TimeIntegral:
    case Kind::Histogram:
      break;
  }
  return a + b;
}

// Values in fixed log-linear buckets: exact below 128, then 64 buckets per power of two
// (a reported percentile is at most 1.6% above the true one). Memory is flat (3776
// counters, allocated at the first value) however many values are added.
class Histogram {
 public:
  Histogram();
  void add(std::uint64_t value);
  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
  }
  // Smallest bucket bound b with at least `pct` percent of values <= b (0 when empty).
  std::uint64_t percentile(double pct) const;
  void merge(const Histogram& other);

 private:
  static std::size_t bucket_of(std::uint64_t v);
  static std::uint64_t bucket_upper(std::size_t i);
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
};

// The value of a scalar counter of kind k before anything was seen: a minimum starts at
// the largest value, so that the first value seen replaces it; every other kind at 0.
constexpr std::uint64_t initial_value(Kind k) { return k == Kind::Min ? ~std::uint64_t{0} : 0; }

// The member type of a counter of kind K, and its initial value.
template <Kind K>
struct Storage {
  using type = std::uint64_t;
  static constexpr type initial() { return initial_value(K); }
};
template <>
struct Storage<Kind::Histogram> {
  using type = Histogram;
  static type initial() { return Histogram(); }
};

// The macro's visitors: each calls f for the members of its kind and skips the others.
template <class F, class V>
void visit_scalar(F& f, const Info& info, V& value) {
  if constexpr (!std::is_same_v<std::remove_const_t<V>, Histogram>) f(info, value);
}
template <class F, class V>
void visit_histogram(F& f, const Info& info, V& value) {
  if constexpr (std::is_same_v<std::remove_const_t<V>, Histogram>) f(info, value);
}
inline void merge_value(Kind k, std::uint64_t& a, std::uint64_t b) { a = merged(k, a, b); }
inline void merge_value(Kind, Histogram& a, const Histogram& b) { a.merge(b); }

// Keeps a group's sums and integrals and clears the rest (extremes, stamps, histograms):
// what a snapshot that is subtracted, scaled and interpolated carries (sim/Counters.h).
template <class Group>
void keep_subtractable(Group& g) {
  g.for_each_mutable([](const Info& info, std::uint64_t& v) {
    if (!subtractable(info.kind)) v = initial_value(info.kind);
  });
  g.for_each_histogram_mutable([](const Info&, Histogram& h) { h = Histogram(); });
}

// Moves `from`'s extremes (maxima, minima, stamps, histograms) into `into`, replacing
// those there, and clears them in `from`; sums and integrals stay as they were in both.
template <class Group>
void move_extremes(Group& into, Group& from) {
  std::vector<std::uint64_t*> src;
  from.for_each_mutable([&](const Info& info, std::uint64_t& v) {
    if (!subtractable(info.kind)) src.push_back(&v);
  });
  std::size_t i = 0;
  into.for_each_mutable([&](const Info& info, std::uint64_t& v) {
    if (subtractable(info.kind)) return;
    v = *src[i];
    *src[i++] = initial_value(info.kind);
  });
  std::vector<Histogram*> hist;
  from.for_each_histogram_mutable([&](const Info&, Histogram& h) { hist.push_back(&h); });
  i = 0;
  into.for_each_histogram_mutable([&](const Info&, Histogram& h) {
    h = std::move(*hist[i]);
    *hist[i++] = Histogram();
  });
}

// A group holding only `live`'s extremes, which are cleared in `live`: how a scope starts
// a segment (ScopeStack, below).
template <class Group>
Group take_extremes(Group& live) {
  Group out;
  move_extremes(out, live);
  return out;
}

// `from`'s extremes merged into `into` by their kinds; sums and integrals untouched.
template <class Group>
void merge_extremes(Group& into, const Group& from) {
  std::vector<std::uint64_t> values;
  from.for_each([&](const Info& info, std::uint64_t v) {
    if (!subtractable(info.kind)) values.push_back(v);
  });
  std::size_t i = 0;
  into.for_each_mutable([&](const Info& info, std::uint64_t& v) {
    if (!subtractable(info.kind)) v = merged(info.kind, v, values[i++]);
  });
  std::vector<const Histogram*> hist;
  from.for_each_histogram([&](const Info&, const Histogram& h) { hist.push_back(&h); });
  i = 0;
  into.for_each_histogram_mutable([&](const Info&, Histogram& h) { h.merge(*hist[i++]); });
}

// Extremes collected per segment, in scopes that nest (a batch, its layers, their
// operations). open() sets the extremes a group holds aside and clears them, so that what
// the group holds at close() is the segment's own; close() returns those and merges the
// set-aside values back, so that an enclosing scope, and the whole run, still see every
// value. A maximum of a level (a queue's occupancy) must be restarted from the level at
// open() by the owner: a cleared maximum would miss a level that never changes.
template <class Group>
class ScopeStack {
 public:
  void open(Group& live) { saved_.push_back(take_extremes(live)); }
  Group close(Group& live) {
    if (saved_.empty()) throw std::logic_error("stats: a scope closed that was never opened");
    Group segment = take_extremes(live);
    move_extremes(live, saved_.back());
    merge_extremes(live, segment);
    saved_.pop_back();
    return segment;
  }
  std::size_t depth() const { return saved_.size(); }
  // `g` with the extremes of every open scope's enclosing segments merged in: the values
  // over the whole run so far.
  void merge_saved_into(Group& g) const {
    for (const Group& s : saved_) merge_extremes(g, s);
  }

 private:
  std::vector<Group> saved_;
};

// How many counters of each sort a group declares.
template <class Group>
constexpr std::size_t count_declared() {
  return sizeof(Group::kInfo) / sizeof(Group::kInfo[0]);
}

}  // namespace skv::stats

#define SKV_STAT_MEMBER_(name, kind, unit, description)        \
  ::skv::stats::Storage<::skv::stats::Kind::kind>::type name = \
      ::skv::stats::Storage<::skv::stats::Kind::kind>::initial();
#define SKV_STAT_INFO_(name, kind, unit, description) \
  ::skv::stats::Info{#name, ::skv::stats::Kind::kind, ::skv::stats::Unit::unit, description},
#define SKV_STAT_VISIT_(name, kind, unit, description) \
  ::skv::stats::visit_scalar(f, kInfo[i++], name);
#define SKV_STAT_VISIT_HISTOGRAM_(name, kind, unit, description) \
  ::skv::stats::visit_histogram(f, kInfo[i++], name);
#define SKV_STAT_MERGE_(name, kind, unit, description) \
  ::skv::stats::merge_value(::skv::stats::Kind::kind, name, o.name);

#define SKV_DECLARE_STATS(LIST)                                         \
  LIST(SKV_STAT_MEMBER_)                                                \
  static constexpr ::skv::stats::Info kInfo[] = {LIST(SKV_STAT_INFO_)}; \
  template <class F>                                                    \
  void for_each(F&& f) const {                                          \
    std::size_t i = 0;                                                  \
    LIST(SKV_STAT_VISIT_)                                               \
  }                                                                     \
  template <class F>                                                    \
  void for_each_mutable(F&& f) {                                        \
    std::size_t i = 0;                                                  \
    LIST(SKV_STAT_VISIT_)                                               \
  }                                                                     \
  template <class F>                                                    \
  void for_each_histogram(F&& f) const {                                \
    std::size_t i = 0;                                                  \
    LIST(SKV_STAT_VISIT_HISTOGRAM_)                                     \
  }                                                                     \
  template <class F>                                                    \
  void for_each_histogram_mutable(F&& f) {                              \
    std::size_t i = 0;                                                  \
    LIST(SKV_STAT_VISIT_HISTOGRAM_)                                     \
  }                                                                     \
  template <class Self>                                                 \
  void merge_from(const Self& o) {                                      \
    LIST(SKV_STAT_MERGE_)                                               \
  }
