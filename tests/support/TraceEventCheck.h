#pragma once
// The rules of the Chrome / Perfetto trace-event JSON format that a timeline must keep,
// as a checker for tests: it returns every broken rule, one line each (empty: none).
//   - the top level is an object with a `traceEvents` array;
//   - every event is an object with a known phase `ph` and an integer `pid`;
//   - complete events (X) have a name, an integer tid, a timestamp `ts` >= 0 and a
//     duration `dur` >= 0; counter events (C) a name, `ts` >= 0 and numeric `args`;
//     instant events (i) a name and `ts` >= 0; metadata (M) a known name and `args.name`
//     (or `args.sort_index`); flow events (s, t, f) a name, an integer tid, `ts` >= 0, an id;
//   - per track (pid, tid), events come in time order, and complete events do not
//     overlap (each track shows one thing at a time); per counter (pid, name), samples
//     come in time order;
//   - every flow has its start and its end, does not end before it starts, and each of
//     its ends lies inside a complete event of its own track (what the viewer binds it to).

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace skv::test {

inline std::vector<std::string> trace_event_problems(const nlohmann::json& doc) {
  using nlohmann::json;
  using Track = std::pair<long long, long long>;
  std::vector<std::string> bad;
  if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) {
    return {"the top level is not an object with a traceEvents array"};
  }
  const std::set<std::string> phases = {"X", "C", "i", "M", "s", "t", "f"};
  // Microseconds from whole picoseconds: equal times may differ in the last bit.
  constexpr double kSlack = 1e-6;
  std::map<Track, std::pair<double, double>> last_slice;  // start, end
  std::map<Track, double> last_ts;                        // any timed event
  std::map<std::pair<long long, std::string>, double> last_sample;
  std::map<Track, std::vector<std::pair<double, double>>> slices;
  struct FlowEnd {
    Track track;
    double ts;
  };
  std::map<std::string, std::map<std::string, FlowEnd>> flows;  // id -> phase -> end
  std::size_t index = 0;
  for (const json& e : doc["traceEvents"]) {
    const std::string at = "event " + std::to_string(index++);
    if (!e.is_object()) {
      bad.push_back(at + ": not an object");
      continue;
    }
    const std::string ph = e.value("ph", std::string());
    if (phases.count(ph) == 0) {
      bad.push_back(at + ": unknown phase '" + ph + "'");
      continue;
    }
    const bool has_pid = e.contains("pid") && e["pid"].is_number_integer();
    if (!has_pid) bad.push_back(at + ": no integer pid");
    const bool named = e.contains("name") && e["name"].is_string() && !e["name"].get<std::string>().empty();
    const bool timed = e.contains("ts") && e["ts"].is_number() && e["ts"].get<double>() >= 0;
    if (ph == "M") {
      const std::string n = e.value("name", std::string());
      if (n != "process_name" && n != "thread_name" && n != "process_sort_index" &&
          n != "thread_sort_index") {
        bad.push_back(at + ": unknown metadata '" + n + "'");
      }
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty()) {
        bad.push_back(at + ": metadata without args");
      }
      continue;
    }
    if (!named) bad.push_back(at + ": no name");
    if (!timed) bad.push_back(at + ": no timestamp >= 0");
    const bool threaded = ph != "C";
    const bool has_tid = e.contains("tid") && e["tid"].is_number_integer();
    if (threaded && ph != "i" && !has_tid) bad.push_back(at + ": no integer tid");
    if (ph == "C") {
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty()) {
        bad.push_back(at + ": counter without values");
      } else {
        for (const auto& v : e["args"]) {
          if (!v.is_number()) bad.push_back(at + ": counter value not a number");
        }
      }
      if (timed && has_pid && named) {
        const auto key = std::make_pair(e["pid"].get<long long>(), e["name"].get<std::string>());
        const double ts = e["ts"].get<double>();
        const auto it = last_sample.find(key);
        if (it != last_sample.end() && ts < it->second) {
          bad.push_back(at + ": counter sample earlier than the counter's previous one");
        }
        last_sample[key] = ts;
      }
      continue;
    }
    if (ph == "X" && (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0)) {
      bad.push_back(at + ": no duration >= 0");
      continue;
    }
    if ((ph == "s" || ph == "t" || ph == "f") && !e.contains("id")) {
      bad.push_back(at + ": flow event without id");
      continue;
    }
    if (!timed || !has_tid || !has_pid) continue;
    const Track track{e["pid"].get<long long>(), e["tid"].get<long long>()};
    const double ts = e["ts"].get<double>();
    if (ph == "X") {
      const double end = ts + e["dur"].get<double>();
      const auto before = last_ts.find(track);
      if (before != last_ts.end() && ts + kSlack < before->second) {
        bad.push_back(at + ": starts before the track's previous event");
      }
      const auto it = last_slice.find(track);
      if (it != last_slice.end() && ts + kSlack < it->second.second) {
        bad.push_back(at + ": overlaps the track's previous event");
      }
      last_slice[track] = {ts, end};
      slices[track].emplace_back(ts, end);
    } else {
      const auto it = last_ts.find(track);
      if (it != last_ts.end() && ts + kSlack < it->second) {
        bad.push_back(at + ": earlier than the track's previous event");
      }
      if (ph != "i") flows[e["id"].dump()][ph] = FlowEnd{track, ts};
    }
    last_ts[track] = std::max(last_ts.count(track) ? last_ts[track] : 0.0, ts);
  }
  auto inside_a_slice = [&](const FlowEnd& f) {
    const auto it = slices.find(f.track);
    if (it == slices.end()) return false;
    for (const auto& [from, to] : it->second) {
      if (from - kSlack <= f.ts && f.ts <= to + kSlack) return true;
    }
    return false;
  };
  for (const auto& [id, ends] : flows) {
    if (ends.count("s") == 0 || ends.count("f") == 0) {
      bad.push_back("flow " + id + ": start or end missing");
      continue;
    }
    if (ends.at("f").ts + kSlack < ends.at("s").ts) {
      bad.push_back("flow " + id + ": ends before it starts");
    }
    for (const auto& [ph, end] : ends) {
      if (!inside_a_slice(end)) {
        bad.push_back("flow " + id + ": its '" + ph + "' is inside no slice of its track");
      }
    }
  }
  return bad;
}

}  // namespace skv::test
