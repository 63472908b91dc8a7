#pragma once
// The rules of the Chrome / Perfetto trace-event JSON format that a timeline must keep,
// as a checker for tests: it returns every broken rule, one line each (empty: none).
//   - the top level is an object with a `traceEvents` array;
//   - every event is an object with a known phase `ph` and an integer `pid`;
//   - complete events (X) have a name, an integer tid, a timestamp `ts` >= 0 and a
//     duration `dur` >= 0; counter events (C) a name, `ts` >= 0 and numeric `args`;
//     instant events (i) a name and `ts` >= 0; metadata (M) a known name and `args.name`;
//   - per track (pid, tid), complete events start in time order and do not overlap
//     (a unit runs one operation at a time);
//   - every flow (s, t, f with an `id`) has its start and its end.

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace skv::test {

inline std::vector<std::string> trace_event_problems(const nlohmann::json& doc) {
  using nlohmann::json;
  std::vector<std::string> bad;
  if (!doc.is_object() || !doc.contains("traceEvents") || !doc["traceEvents"].is_array()) {
    return {"the top level is not an object with a traceEvents array"};
  }
  const std::set<std::string> phases = {"X", "C", "i", "M", "s", "t", "f"};
  std::map<std::pair<long long, long long>, std::pair<double, double>> last;  // start, end
  std::map<std::string, std::set<std::string>> flows;                         // id -> phases
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
    if (!e.contains("pid") || !e["pid"].is_number_integer()) bad.push_back(at + ": no integer pid");
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
    if (ph == "X") {
      if (!e.contains("tid") || !e["tid"].is_number_integer()) bad.push_back(at + ": no integer tid");
      if (!e.contains("dur") || !e["dur"].is_number() || e["dur"].get<double>() < 0) {
        bad.push_back(at + ": no duration >= 0");
        continue;
      }
      if (!timed || !e.contains("tid") || !e["pid"].is_number_integer()) continue;
      const auto track = std::make_pair(e["pid"].get<long long>(), e["tid"].get<long long>());
      const double ts = e["ts"].get<double>();
      const double end = ts + e["dur"].get<double>();
      const auto it = last.find(track);
      if (it != last.end()) {
        // Microseconds from whole picoseconds: equal ends may differ in the last bit.
        if (ts < it->second.first) bad.push_back(at + ": starts before the track's previous event");
        if (ts + 1e-6 < it->second.second) bad.push_back(at + ": overlaps the track's previous event");
      }
      last[track] = {ts, end};
    } else if (ph == "C") {
      if (!e.contains("args") || !e["args"].is_object() || e["args"].empty()) {
        bad.push_back(at + ": counter without values");
      } else {
        for (const auto& v : e["args"]) {
          if (!v.is_number()) bad.push_back(at + ": counter value not a number");
        }
      }
    } else if (ph == "s" || ph == "t" || ph == "f") {
      if (!e.contains("id")) {
        bad.push_back(at + ": flow event without id");
      } else {
        flows[e["id"].dump()].insert(ph);
      }
    }
  }
  for (const auto& [id, seen] : flows) {
    if (seen.count("s") == 0 || seen.count("f") == 0) bad.push_back("flow " + id + ": start or end missing");
  }
  return bad;
}

}  // namespace skv::test
