#pragma once
// Every counter of the accelerator at one instant, as one value: the units' stats
// groups (common/Stats.h), the DRAM controller's counters by owner, the DRAM
// figures the run reports, and the cycles booked to each class of operation. Two
// snapshots taken at the ends of a span subtract to what happened in the span; spans
// add, scale (a span reused n times) and interpolate (the fast mode, sim/FastMode.h).
//
// A snapshot is a cut at one accelerator cycle, with the DRAM engine advanced to it
// (snapshot() below).

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Stats.h"
#include "models/array/ProcessorArray.h"
#include "models/attention/AttentionPipeline.h"
#include "models/dram/DramStats.h"
#include "models/dram_controller/DramController.h"
#include "models/kv_sram/KvCacheSram.h"
#include "models/sequencer/DecodeSequencer.h"
#include "models/tlm/Ops.h"

namespace skv::sim {

class Accelerator;

// The groups of the registry (common/Stats.h), by their report names: what a run
// reports (RunResult) and what a snapshot carries (Counters) both hold them, and both
// are iterated group by group.
struct StatGroups {
  ProcessorArray::Stats array;
  AttentionPipeline::Stats attention;
  KvCacheSram::Stats sram;
  dram::DramStats dram;
  DramController::Stats dram_ctrl;
  DecodeSequencer::Stats sequencer;
  ProcessorArray::PrefetchStats weight_prefetch;  // the weight buffer under overlap
  KvCacheSram::PrefetchStats kv_prefetch;         // the KV SRAM's prefetch space
  DramController::ArbitrationStats dram_arbitration;  // demand and prefetch at the DRAM
  ProcessorArray::BesideStats o_projection;           // head-streamed O projection slices

  // Groups a report holds only for some designs: `weight_prefetch` only with
  // overlap.weights other than none, `kv_prefetch` only with overlap.kv other than none
  // (a run without overlap reports what it always did), `dram_arbitration` only with
  // either, `o_projection` only with overlap.o_projection: head_streamed.
  static bool overlap_only(const char* group) {
    return std::string_view(group) == "weight_prefetch" ||
           std::string_view(group) == "kv_prefetch" ||
           std::string_view(group) == "dram_arbitration" ||
           std::string_view(group) == "o_projection";
  }
  // Whether a run with `overlap` reports `group`.
  static bool reported(const char* group, const config::OverlapConfig& overlap) {
    if (std::string_view(group) == "weight_prefetch") {
      return overlap.weights != config::WeightOverlap::None;
    }
    if (std::string_view(group) == "kv_prefetch") return overlap.kv != config::KvOverlap::None;
    if (std::string_view(group) == "dram_arbitration") return overlap.any();
    if (std::string_view(group) == "o_projection") return overlap.head_streamed();
    return true;
  }

  // f(group, stats) for every group of the registry, in report order.
  template <class F>
  void visit_groups(F&& f) {
    f("processor_array", array);
    f("attention_pipeline", attention);
    f("kv_sram", sram);
    f("dram", dram);
    f("dram_controller", dram_ctrl);
    f("sequencer", sequencer);
    f("weight_prefetch", weight_prefetch);
    f("kv_prefetch", kv_prefetch);
    f("dram_arbitration", dram_arbitration);
    f("o_projection", o_projection);
  }
  template <class F>
  void visit_groups(F&& f) const {
    const_cast<StatGroups*>(this)->visit_groups(
        [&f](const char* g, auto& stats) { f(g, std::as_const(stats)); });
  }
};

// A snapshot carries each group's sums and integrals (stats::keep_subtractable), which
// are what subtract, scale and interpolate. Extremes, stamps and histograms are
// collected over a whole exact run only.
struct Counters : StatGroups {
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  std::uint64_t cycles = 0;  // the span's accelerator cycles

  // f(group, name, kind, value&) for every value a snapshot carries, in a fixed order.
  template <class F>
  void visit(F&& f) {
    visit_groups([&f](const char* g, auto& stats) {
      stats.for_each_mutable([&](const stats::Info& info, std::uint64_t& v) {
        if (stats::subtractable(info.kind)) f(g, info.name, info.kind, v);
      });
    });
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      f("class_cycles", tlmx::op_class_name(static_cast<tlmx::OpClass>(i)), stats::Kind::Sum,
        class_cycles[i]);
    }
    f("span", "cycles", stats::Kind::Sum, cycles);
  }
  template <class F>
  void visit(F&& f) const {
    const_cast<Counters*>(this)->visit(
        [&f](const char* g, const char* n, stats::Kind k, std::uint64_t& v) {
          f(g, n, k, static_cast<const std::uint64_t&>(v));
        });
  }

  Counters& operator+=(const Counters& o);
  // What happened between snapshot `earlier` and this one. Sums and integrals subtract;
  // throws std::logic_error for a value that went down or cannot be subtracted (an
  // extreme, which needs a scope of its own).
  Counters operator-(const Counters& earlier) const;
  Counters times(std::uint64_t n) const;
  // Every value x num / den, rounded to the nearest integer (halves away from zero):
  // exact for a value that is a multiple of den (the sum of den equal spans).
  Counters scaled(std::uint64_t num, std::uint64_t den) const;
};

// The value at x on the line through (x0, a) and (x1, b), x0 < x1, rounded to the
// nearest integer (halves away from zero): exact wherever the counter is affine in x.
Counters interpolate(const Counters& a, std::uint64_t x0, const Counters& b, std::uint64_t x1,
                     std::uint64_t x);

// One step of a path of spans (interpolate_path): the span from `from` to `to`, taken
// num / den of the way.
struct PathStep {
  const Counters* from = nullptr;
  const Counters* to = nullptr;
  std::uint64_t num = 0;
  std::uint64_t den = 1;
};

// base + the sum over `steps` of (to - from) x num / den, each step's term rounded to
// the nearest integer (halves away from zero); a value the terms' rounding would take
// below 0 is 0. Exact for a counter whose every term is a whole number (a counter affine
// in the KV lengths, sim/FastMode.h). One step from a to b, num = x - x0, den = x1 - x0,
// is interpolate(a, x0, b, x1, x).
Counters interpolate_path(const Counters& base, const std::vector<PathStep>& steps);

// Every counter of the accelerator now, at accelerator cycle `cycle`, with the cycles
// booked to each class of operation so far: sums and integrals only. A consistent cut:
// the DRAM engine is first advanced to now, so its counters cover every DRAM cycle
// before the cut (but for commands a channel that held up the front end had already
// decided for later cycles). The DRAM bytes are those the controller accepted (posted
// writes belong to the operation that wrote them).
Counters snapshot(Accelerator& top,
                  const std::array<std::uint64_t, tlmx::kOpClassCount>& class_cycles,
                  std::uint64_t cycle);

// A snapshot's values in visit() order, and their names ("group.name") in that order.
std::vector<std::uint64_t> counter_values(const Counters& c);
void counter_values(const Counters& c, std::vector<std::uint64_t>& out);  // reuses out
std::vector<std::string> counter_names();
// The Counters whose values in visit() order are `values`.
Counters counters_from_values(const std::vector<std::uint64_t>& values);

// A running total of Counters as their values in visit() order, each merged by its kind
// (Counters::operator+=): the same total, without walking the groups once per addend
// (the fast mode adds millions of batches).
class CounterSums {
 public:
  CounterSums();
  // Adds the values of one Counters (counter_values order).
  void add(const std::vector<std::uint64_t>& values);
  Counters total() const { return counters_from_values(sums_); }

 private:
  std::vector<stats::Kind> kinds_;
  std::vector<std::uint64_t> sums_;
};

nlohmann::json to_json(const Counters& c);
// Throws std::runtime_error naming the missing or malformed value.
Counters counters_from_json(const nlohmann::json& j);

}  // namespace skv::sim
