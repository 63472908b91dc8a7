#include "report/Timeline.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

namespace skv::report {

namespace {

using nlohmann::json;

constexpr int kPidArray = 1, kPidAttention = 2, kPidSram = 3, kPidDram = 4;
constexpr int kTidOps = 1, kTidPasses = 2;                   // array, attention
constexpr int kTidPort = 1, kTidStalls = 2, kTidFills = 10;  // kv_sram (+ lane)
constexpr int kTidRequests = 10;  // dram: + 10 x role + lane; channel groups from 1

const char* role_name(tlmx::MemoryRole r) {
  switch (r) {
    case tlmx::MemoryRole::Weights:
      return "requests: weights";
    case tlmx::MemoryRole::KvFill:
      return "requests: kv fill";
    case tlmx::MemoryRole::KvWriteback:
      return "requests: kv write-back";
    case tlmx::MemoryRole::WeightsAhead:
      return "requests: weights ahead";
    case tlmx::MemoryRole::KvAhead:
      return "requests: kv ahead";
  }
  return "?";
}

// Lanes for slices that may overlap, so that each track's slices never do: a slice takes
// the first lane whose last slice has ended. `spans` must be sorted by start.
std::vector<int> pack_lanes(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& spans) {
  std::vector<std::uint64_t> lane_end;
  std::vector<int> lane(spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    std::size_t l = 0;
    while (l < lane_end.size() && lane_end[l] > spans[i].first) ++l;
    if (l == lane_end.size()) lane_end.push_back(0);
    lane_end[l] = spans[i].second;
    lane[i] = static_cast<int>(l);
  }
  return lane;
}

// The events of one file, kept per track and written track by track in time order.
class EventSink {
 public:
  void name_process(int pid, const std::string& name) {
    meta_.push_back(
        {{"ph", "M"}, {"pid", pid}, {"name", "process_name"}, {"args", {{"name", name}}}});
    meta_.push_back({{"ph", "M"},
                     {"pid", pid},
                     {"name", "process_sort_index"},
                     {"args", {{"sort_index", pid}}}});
    process_[pid] = name;
  }
  void name_thread(int pid, int tid, const std::string& name) {
    if (!thread_.emplace(std::make_pair(pid, tid), name).second) return;
    meta_.push_back({{"ph", "M"},
                     {"pid", pid},
                     {"tid", tid},
                     {"name", "thread_name"},
                     {"args", {{"name", name}}}});
    meta_.push_back({{"ph", "M"},
                     {"pid", pid},
                     {"tid", tid},
                     {"name", "thread_sort_index"},
                     {"args", {{"sort_index", tid}}}});
  }
  void on_thread(int pid, int tid, json e) {
    e["pid"] = pid;
    e["tid"] = tid;
    tracks_[{pid, tid}].push_back(std::move(e));
  }
  void counter(int pid, const std::string& name, double ts, json args) {
    counters_[{pid, name}].push_back(
        {{"ph", "C"}, {"pid", pid}, {"name", name}, {"ts", ts}, {"args", std::move(args)}});
  }
  // Every event, and how many of each kind each track holds.
  std::pair<json, json> finish() {
    json events = meta_;
    json counts = json::object();
    auto by_ts = [](const json& a, const json& b) {
      return a.at("ts").get<double>() < b.at("ts").get<double>();
    };
    for (auto& [track, list] : tracks_) {
      std::stable_sort(list.begin(), list.end(), by_ts);
      json& c = counts[process_[track.first] + "/" + thread_[track]];
      if (!c.is_object()) c = json::object();
      for (auto& e : list) {
        const std::string ph = e.at("ph").get<std::string>();
        c[ph] = (c.contains(ph) ? c[ph].get<std::uint64_t>() : 0) + 1;
        events.push_back(std::move(e));
      }
    }
    for (auto& [track, list] : counters_) {
      std::stable_sort(list.begin(), list.end(), by_ts);
      counts[process_[track.first] + "/" + track.second]["C"] = list.size();
      for (auto& e : list) events.push_back(std::move(e));
    }
    return {std::move(events), std::move(counts)};
  }

 private:
  json meta_ = json::array();
  std::map<int, std::string> process_;
  std::map<std::pair<int, int>, std::string> thread_;
  std::map<std::pair<int, int>, std::vector<json>> tracks_;
  std::map<std::pair<int, std::string>, std::vector<json>> counters_;
};

}  // namespace

Timeline::Timeline(const TimelineSettings& settings)
    : batch_(settings.batch),
      settings_(settings),
      channels_per_group_((std::max<std::uint32_t>(1, settings.dram_channels) +
                           TimelineSettings::kChannelGroups - 1) /
                          TimelineSettings::kChannelGroups),
      groups_((std::max<std::uint32_t>(1, settings.dram_channels) + channels_per_group_ - 1) /
              channels_per_group_),
      bins_(std::max<std::uint64_t>(1, settings.accel_period_ps), settings.max_bins,
            std::size_t{groups_} * tlmx::kDramActivityCount) {}

void Timeline::add(const sim::OpRecord& op) {
  if (!batch_) batch_ = op.batch;
  if (op.batch != *batch_) return;
  // In the order the operations started, which op_started_ps_ indexes.
  const auto at =
      std::upper_bound(ops_.begin(), ops_.end(), op.seq,
                       [](std::uint64_t seq, const sim::OpRecord& o) { return seq < o.seq; });
  ops_.insert(at, op);
  // The bins reach the batch's end, counted or not.
  const std::uint64_t end_ps = op.end_cycle * settings_.accel_period_ps;
  if (origin_ps_ && end_ps > *origin_ps_) bins_.cover(end_ps - *origin_ps_ - 1);
}

void Timeline::operation_started(std::uint64_t batch, std::uint64_t, std::uint64_t ps) {
  if (!batch_) batch_ = batch;
  if (batch == *batch_) {
    if (!origin_ps_) {
      // The operation's start cycle is the first edge at or after its issue.
      const std::uint64_t period = std::max<std::uint64_t>(1, settings_.accel_period_ps);
      origin_ps_ = (ps + period - 1) / period * period;
      bins_.set_level(0, staging_before_);
    }
    op_started_ps_.push_back(ps);
  } else if (origin_ps_ && closed_ps_ == UINT64_MAX) {
    closed_ps_ = ps;  // the batch has finished: nothing later belongs to it
  }
}

void Timeline::RequestGroup::add(const RequestGroup& o) {
  first_issued_ps = std::min(first_issued_ps, o.first_issued_ps);
  first_answered_ps = std::min(first_answered_ps, o.first_answered_ps);
  last_answered_ps = std::max(last_answered_ps, o.last_answered_ps);
  requests += o.requests;
  bytes += o.bytes;
}

void Timeline::memory_request(tlmx::MemoryRole role, tlmx::OpKind owner, std::uint64_t ticket, bool,
                              std::uint32_t bytes, std::uint64_t issued_ps,
                              std::uint64_t answered_ps) {
  if (!in_window(issued_ps)) return;
  const auto it = std::upper_bound(op_started_ps_.begin(), op_started_ps_.end(), issued_ps);
  const std::size_t op = static_cast<std::size_t>(it - op_started_ps_.begin()) - 1;
  // (in_window: at or after the batch's first operation, so `op` is one of its own)
  const bool at_start = op < op_started_ps_.size() && issued_ps == op_started_ps_[op];
  groups_by_op_[static_cast<int>(role)][{op, owner, at_start}].add(
      RequestGroup{issued_ps, answered_ps, answered_ps, 1, bytes});
  if (role != tlmx::MemoryRole::KvFill) return;
  // Tiles are staged in ticket order: the last one starting at or before the ticket.
  const auto t =
      std::upper_bound(tiles_.begin(), tiles_.end(), ticket,
                       [](std::uint64_t k, const TileFill& f) { return k < f.first_ticket; });
  if (t == tiles_.begin()) return;
  TileFill& f = *(t - 1);
  if (ticket > f.last_ticket) return;
  f.first_issued_ps = std::min(f.first_issued_ps, issued_ps);
  f.last_answered_ps = std::max(f.last_answered_ps, answered_ps);
  ++f.requests;
  f.bytes += bytes;
}

std::array<Timeline::ByConsumer, tlmx::kMemoryRoleCount> Timeline::groups_by_consumer() const {
  std::array<ByConsumer, tlmx::kMemoryRoleCount> out;
  for (int role = 0; role < tlmx::kMemoryRoleCount; ++role) {
    const auto r = static_cast<tlmx::MemoryRole>(role);
    const bool ahead = r == tlmx::MemoryRole::WeightsAhead || r == tlmx::MemoryRole::KvAhead;
    for (const auto& [key, g] : groups_by_op_[role]) {
      const std::size_t during = key.during;
      const tlmx::OpKind owner = key.owner;
      // A request sent on demand serves the last operation of its kind started by then
      // (an attention's K/V fills go on while the O projection's slices run beside it);
      // one sent ahead, the next operation of its kind (the sequencer starts one GEMV
      // and one attention at a time, so that is the one it was fetched for; the K/V of
      // several rows fetched ahead of one layer go to the first row's attention).
      std::size_t consumer = during;
      auto to = r;
      if (during >= ops_.size()) {
        consumer = ops_.size();  // an operation not recorded: nothing to name
      } else if (ahead && key.at_start && ops_[during].kind == owner) {
        // Sent in the instant its operation started, before the promotion: not ahead of
        // it (weight_prefetch.prefetched_bytes counts what was sent before that instant).
        // Everything in the K/V prefetch space stays on its track.
        if (r == tlmx::MemoryRole::WeightsAhead) to = tlmx::MemoryRole::Weights;
      } else if (ahead) {
        consumer = ops_.size();
        for (std::size_t j = during + 1; j < ops_.size(); ++j) {
          if (ops_[j].kind == owner) {
            consumer = j;
            break;
          }
        }
      } else {
        for (std::size_t j = during + 1; j-- > 0;) {
          if (ops_[j].kind == owner) {
            consumer = j;
            break;
          }
        }
      }
      out[static_cast<int>(to)][consumer].add(g);
    }
  }
  return out;
}

void Timeline::tile_staged(std::uint64_t first_ticket, std::uint64_t last_ticket, bool demand,
                           std::uint64_t ps) {
  if (!in_window(ps)) return;
  tiles_.push_back(TileFill{first_ticket, last_ticket, demand, ps});
}

void Timeline::sram_stall(std::uint64_t from_ps, std::uint64_t to_ps) {
  if (!in_window(from_ps)) return;
  if (!stalls_.empty() && from_ps <= stalls_.back().to_ps) {
    stalls_.back().to_ps = std::max(stalls_.back().to_ps, to_ps);
    ++stalls_.back().a;
    return;
  }
  stalls_.push_back(Span{from_ps, to_ps, 1});
}

void Timeline::sram_staging(std::uint64_t bytes, std::uint64_t ps) {
  if (!origin_ps_ || ps < *origin_ps_) {
    staging_before_ = bytes;
    return;
  }
  if (ps < closed_ps_) bins_.set_level(ps - *origin_ps_, bytes);
}

void Timeline::sram_port(bool write, std::uint64_t bytes, std::uint64_t from_ps,
                         std::uint64_t to_ps) {
  if (!in_window(from_ps)) return;
  Span s{from_ps, to_ps, bytes};
  s.flag = write;
  port_.push_back(s);
}

void Timeline::head_pass(std::uint32_t first_head, std::uint32_t heads, std::uint64_t tiles,
                         std::uint64_t from_ps, std::uint64_t to_ps) {
  if (!in_window(from_ps)) return;
  passes_.push_back(Span{from_ps, to_ps, first_head, heads, tiles});
}

void Timeline::dram_command(std::uint32_t channel, tlmx::DramActivity what, std::uint64_t ps) {
  if (!in_window(ps)) return;
  const std::size_t series = std::size_t{channel / channels_per_group_} * tlmx::kDramActivityCount +
                             static_cast<std::size_t>(what);
  bins_.add(series, ps - *origin_ps_, 1);
}

nlohmann::json Timeline::to_json() const {
  EventSink sink;
  const std::uint64_t period = settings_.accel_period_ps;
  const std::uint64_t zero = ops_.empty() ? 0 : ops_.front().start_cycle * period;
  std::uint64_t end = zero;
  for (const auto& op : ops_) end = std::max(end, op.end_cycle * period);
  // Trace-event times are microseconds; whole picoseconds over 1e6.
  auto us = [zero, end](std::uint64_t ps) {
    const std::uint64_t at = std::min(std::max(ps, zero), end);
    return static_cast<double>(at - zero) / 1e6;
  };
  auto slice = [&](const std::string& name, const char* cat, std::uint64_t from_ps,
                   std::uint64_t to_ps, json args) {
    return json{{"ph", "X"},
                {"name", name},
                {"cat", cat},
                {"ts", us(from_ps)},
                {"dur", us(std::max(from_ps, to_ps)) - us(from_ps)},
                {"args", std::move(args)}};
  };

  sink.name_process(kPidArray, "processor_array");
  sink.name_process(kPidAttention, "attention_pipeline");
  sink.name_process(kPidSram, "kv_sram");
  sink.name_process(kPidDram, "dram_controller");
  sink.name_thread(kPidArray, kTidOps, "operations");
  sink.name_thread(kPidAttention, kTidOps, "operations");

  // Operations, and where each one's slice is (for its flows).
  std::vector<std::pair<int, std::uint64_t>> op_track(ops_.size());
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const auto& op = ops_[i];
    const int pid = std::strcmp(op.unit, "processor_array") == 0 ? kPidArray : kPidAttention;
    op_track[i] = {pid, op.start_cycle * period};
    json e =
        slice(op.name, tlmx::op_class_name(op.cls), op.start_cycle * period, op.end_cycle * period,
              {{"layer", op.layer},
               {"start_cycle", op.start_cycle},
               {"cycles", op.end_cycle - op.start_cycle}});
    sink.on_thread(pid, kTidOps, std::move(e));
  }

  // Attention: head passes.
  if (!passes_.empty()) sink.name_thread(kPidAttention, kTidPasses, "head passes");
  for (const auto& p : passes_) {
    const std::string name =
        p.b == 1 ? "head " + std::to_string(p.a)
                 : "heads " + std::to_string(p.a) + "-" + std::to_string(p.a + p.b - 1);
    sink.on_thread(kPidAttention, kTidPasses,
                   slice(name, "head_pass", p.from_ps, p.to_ps,
                         {{"first_head", p.a}, {"heads", p.b}, {"tiles", p.c}}));
  }

  // KV SRAM: port, stalls, tile fills (in lanes: a tile is fetched while the one before
  // it is read).
  if (!port_.empty()) sink.name_thread(kPidSram, kTidPort, "port: reads, writes");
  for (const auto& p : port_) {
    sink.on_thread(
        kPidSram, kTidPort,
        slice(p.flag ? "write" : "read", "sram_port", p.from_ps, p.to_ps, {{"bytes", p.a}}));
  }
  if (!stalls_.empty()) sink.name_thread(kPidSram, kTidStalls, "stalls");
  for (const auto& s : stalls_) {
    sink.on_thread(kPidSram, kTidStalls,
                   slice("stall", "sram_stall", s.from_ps, s.to_ps, {{"waits", s.a}}));
  }
  {
    std::vector<const TileFill*> fills;
    for (const auto& f : tiles_) {
      if (f.requests != 0) fills.push_back(&f);
    }
    std::stable_sort(fills.begin(), fills.end(), [](const TileFill* a, const TileFill* b) {
      return a->first_issued_ps < b->first_issued_ps;
    });
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    for (const auto* f : fills) spans.emplace_back(f->first_issued_ps, f->last_answered_ps);
    const std::vector<int> lanes = pack_lanes(spans);
    for (std::size_t i = 0; i < fills.size(); ++i) {
      const int tid = kTidFills + lanes[i];
      sink.name_thread(kPidSram, tid,
                       lanes[i] == 0 ? "tile fills" : "tile fills " + std::to_string(lanes[i] + 1));
      sink.on_thread(kPidSram, tid,
                     slice(fills[i]->demand ? "demand fill" : "tile fill", "sram_fill",
                           spans[i].first, spans[i].second,
                           {{"requests", fills[i]->requests},
                            {"bytes", fills[i]->bytes},
                            {"staged_us", us(fills[i]->staged_ps)}}));
    }
  }

  // DRAM: request groups per stream and operation, with a flow from each group of reads
  // to its operation.
  std::uint64_t flow_id = 0;
  const auto by_consumer = groups_by_consumer();
  for (int r = 0; r < tlmx::kMemoryRoleCount; ++r) {
    const auto role = static_cast<tlmx::MemoryRole>(r);
    std::vector<std::pair<std::size_t, const RequestGroup*>> groups;
    for (const auto& [op, g] : by_consumer[r]) groups.emplace_back(op, &g);
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
    for (const auto& [op, g] : groups) spans.emplace_back(g->first_issued_ps, g->last_answered_ps);
    const std::vector<int> lanes = pack_lanes(spans);
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const auto& [op, g] = groups[i];
      const int tid = kTidRequests + 10 * r + lanes[i];
      sink.name_thread(
          kPidDram, tid,
          std::string(role_name(role)) + (lanes[i] == 0 ? "" : " " + std::to_string(lanes[i] + 1)));
      const bool known_op = op < ops_.size();
      const std::string name = known_op ? ops_[op].name : "requests";
      sink.on_thread(kPidDram, tid,
                     slice(name, "dram_requests", g->first_issued_ps, g->last_answered_ps,
                           {{"requests", g->requests}, {"bytes", g->bytes}}));
      if (role == tlmx::MemoryRole::KvWriteback || !known_op) continue;
      // The operation waits for this data: an arrow from its first answer to the
      // operation at that time.
      const auto& o = ops_[op];
      const std::uint64_t at =
          std::min(std::max(g->first_answered_ps, o.start_cycle * period), o.end_cycle * period);
      const std::uint64_t id = ++flow_id;
      sink.on_thread(kPidDram, tid,
                     {{"ph", "s"},
                      {"name", "data"},
                      {"cat", "dram_flow"},
                      {"id", id},
                      {"ts", us(g->first_answered_ps)}});
      sink.on_thread(op_track[op].first, kTidOps,
                     {{"ph", "f"},
                      {"bp", "e"},
                      {"name", "data"},
                      {"cat", "dram_flow"},
                      {"id", id},
                      {"ts", us(at)}});
    }
  }

  // Binned: each channel group's commands, DRAM bandwidth and SRAM staging, per bin.
  const std::size_t kinds = tlmx::kDramActivityCount;
  const std::uint64_t width = bins_.width_ps();
  const std::size_t bins =
      end > zero ? std::min<std::size_t>(bins_.bins(), (end - zero + width - 1) / width) : 0;
  const std::vector<std::uint64_t> staging = bins_.level_max();
  const auto burst = static_cast<double>(settings_.dram_burst_bytes);
  for (std::uint32_t g = 0; g < groups_; ++g) {
    const std::uint32_t first = g * channels_per_group_;
    const std::uint32_t last = std::min(settings_.dram_channels, first + channels_per_group_) - 1;
    sink.name_thread(kPidDram, static_cast<int>(g) + 1,
                     first == last
                         ? "channel " + std::to_string(first)
                         : "channels " + std::to_string(first) + "-" + std::to_string(last));
  }
  for (std::size_t b = 0; b < bins; ++b) {
    const std::uint64_t from = zero + b * width;
    const std::uint64_t to = std::min(end, from + width);
    std::uint64_t read = 0, write = 0;
    for (std::uint32_t g = 0; g < groups_; ++g) {
      const std::uint64_t rd = bins_.sum(b, g * kinds + 0);
      const std::uint64_t wr = bins_.sum(b, g * kinds + 1);
      const std::uint64_t ref = bins_.sum(b, g * kinds + 2);
      read += rd;
      write += wr;
      if (rd + wr + ref == 0) continue;
      const char* name = rd != 0 && wr != 0 ? "read+write"
                         : rd != 0          ? "read"
                         : wr != 0          ? "write"
                                            : "refresh";
      sink.on_thread(kPidDram, static_cast<int>(g) + 1,
                     slice(name, "dram_bin", from, to,
                           {{"read_bursts", rd}, {"write_bursts", wr}, {"refreshes", ref}}));
    }
    // Bytes per picosecond x 1000 = GB/s.
    const double ps = static_cast<double>(to - from);
    sink.counter(kPidDram, "bandwidth GB/s", us(from),
                 {{"read", static_cast<double>(read) * burst * 1000.0 / ps},
                  {"write", static_cast<double>(write) * burst * 1000.0 / ps}});
    sink.counter(kPidSram, "staging bytes", us(from),
                 {{"bytes", b < staging.size() ? staging[b] : 0}});
  }
  if (bins != 0) {
    sink.counter(kPidDram, "bandwidth GB/s", us(end), {{"read", 0.0}, {"write", 0.0}});
    sink.counter(kPidSram, "staging bytes", us(end), {{"bytes", staging[bins - 1]}});
  }

  auto [events, counts] = sink.finish();
  std::uint64_t bursts[tlmx::kDramActivityCount] = {};
  for (std::uint32_t g = 0; g < groups_; ++g) {
    for (std::size_t k = 0; k < kinds; ++k) bursts[k] += bins_.total(g * kinds + k);
  }
  return json{
      {"traceEvents", std::move(events)},
      {"displayTimeUnit", "ns"},
      {"otherData",
       {{"batch", batch()},
        {"accelerator_period_ps", period},
        {"aggregation",
         "DRAM commands counted per channel group in fixed time bins (one slice per group and "
         "bin with any command, one bandwidth and one staging sample per bin); DRAM requests "
         "grouped per stream and operation (one slice each, one flow per operation that "
         "waited for reads); K/V fills per tile; SRAM port time per tile or append; adjacent "
         "stalls merged"},
        {"bin_width_ps", width},
        {"bins", bins},
        {"max_bins", bins_.max_bins()},
        {"dram_channels", settings_.dram_channels},
        {"channels_per_group", channels_per_group_},
        {"dram_read_bursts", bursts[0]},
        {"dram_write_bursts", bursts[1]},
        {"dram_refreshes", bursts[2]},
        {"flows", flow_id},
        {"events_per_track", std::move(counts)}}}};
}

}  // namespace skv::report
