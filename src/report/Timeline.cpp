#include "report/Timeline.h"

#include <cstring>

namespace skv::report {

Timeline::Timeline(std::optional<std::uint64_t> batch, std::uint64_t accel_period_ps)
    : batch_(batch), period_ps_(accel_period_ps) {}

void Timeline::add(const sim::OpRecord& op) {
  if (!batch_) batch_ = op.batch;
  if (op.batch == *batch_) ops_.push_back(op);
}

nlohmann::json Timeline::to_json() const {
  using nlohmann::json;
  static constexpr const char* kUnits[] = {"processor_array", "attention_pipeline"};
  json events = json::array();
  for (int i = 0; i < 2; ++i) {
    events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", i + 1}, {"name", "thread_name"},
                      {"args", {{"name", kUnits[i]}}}});
  }
  events.push_back({{"ph", "M"}, {"pid", 1}, {"name", "process_name"},
                    {"args", {{"name", "swiftkv-sim accelerator"}}}});
  const std::uint64_t origin = ops_.empty() ? 0 : ops_.front().start_cycle;
  // Trace-event times are microseconds; cycles times whole picoseconds are exact.
  auto us = [this](std::uint64_t cycles) {
    return static_cast<double>(cycles * period_ps_) / 1e6;
  };
  for (const auto& op : ops_) {
    const int tid = std::strcmp(op.unit, kUnits[0]) == 0 ? 1 : 2;
    events.push_back({{"ph", "X"},
                      {"pid", 1},
                      {"tid", tid},
                      {"name", op.name},
                      {"cat", tlmx::op_class_name(op.cls)},
                      {"ts", us(op.start_cycle - origin)},
                      {"dur", us(op.end_cycle - op.start_cycle)},
                      {"args",
                       {{"layer", op.layer},
                        {"start_cycle", op.start_cycle},
                        {"cycles", op.end_cycle - op.start_cycle}}}});
  }
  return json{{"traceEvents", events},
              {"displayTimeUnit", "ns"},
              {"otherData", {{"batch", batch()}, {"accelerator_period_ps", period_ps_}}}};
}

}  // namespace skv::report
