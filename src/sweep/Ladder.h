#pragma once
// `compare --ladder`: a speedup ladder from native attention to SwiftKV-MHA on the same
// trace and hardware (docs/sweeps.md, "The speedup ladder"). Rung 0 is native attention
// with its scores in DRAM, three softmax passes, an exp2 unit that is not pipelined and
// one head at a time; each further rung switches on one mechanism, by its one key, and
// keeps every other key (the PEs, SRAM, DRAM and clock of the hardware config among
// them); the last rung is the hardware config as given under `--algo swiftkv`. The
// leave-one-out rows take each mechanism back off the last rung.
//
// The rungs run as a sweep whose zip group sets the ladder's keys together (and an outer
// kv_len axis with --kv-lens). A rung the hardware cannot run as specified (scores forced
// on chip that do not fit, say) fails its run with an "infeasible" error and is reported
// as infeasible, never switched to something that runs.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sweep/Compare.h"
#include "sweep/SweepSpec.h"
#include "sweep/SweepSummary.h"

namespace skv::sweep {

inline constexpr const char* kLadderFile = "ladder.csv";  // compare --ladder: both tables

// One key a mechanism switches, and its values before and after the mechanism's rung.
struct KeySwitch {
  std::string key;  // an axis key: kAlgorithmAxis or a dotted hardware-config key
  std::string off;
  std::string on;
};

// One mechanism: the keys it switches (one, or one and the keys that must follow it).
struct Mechanism {
  std::string name;  // e.g. "scores on chip"
  std::vector<KeySwitch> keys;
  // Its keys are read by native attention only: taking it off a rung that runs another
  // algorithm changes nothing, so the leave-one-out row is not run.
  bool native_only = false;
  // "key: off -> on; ..." (or on -> off with `backwards`).
  std::string change(bool backwards = false) const;
};

// The ladder's keys, in the order of its zip group's axes.
const std::vector<std::string>& ladder_keys();

// A rung's (or leave-one-out row's) value of each of ladder_keys().
using LadderSetting = std::vector<std::string>;

struct LadderDesign {
  std::vector<Mechanism> mechanisms;  // in rung order
  std::vector<LadderSetting> rungs;   // rung 0 (all off), then one more mechanism on each
  // Per mechanism: the last rung with that mechanism off; nullopt when that changes
  // nothing (a native-only key while the last rung runs another algorithm).
  std::vector<std::optional<LadderSetting>> leave_one_out;
  // The settings to run, each once, and where each rung and row finds its own.
  std::vector<LadderSetting> distinct;
  std::vector<std::size_t> rung_point;
  std::vector<std::optional<std::size_t>> leave_one_out_point;
};

// The ladder up to a hardware config with `heads_in_parallel` heads side by side and
// `splitk_partitions` split-K partitions (resolved). The partitions must not exceed the
// heads (a rule of the config), so they switch with the heads: 1 with one head.
LadderDesign ladder_design(std::uint32_t heads_in_parallel, std::uint32_t splitk_partitions);

// The sweep that runs the ladder's distinct settings (per KV length with kv_lens).
// `in.algorithms` must be empty: the ladder sets its own.
SweepSpec ladder_spec(const CompareInputs& in, const LadderDesign& design);

// One row of ladder.csv and of the terminal tables.
struct LadderRow {
  std::string kv_len;    // empty with a trace file
  std::string table;     // "ladder" or "leave_one_out"
  std::size_t step = 0;  // rung number, or the mechanism's rung for a leave-one-out row
  std::string mechanism;
  std::string change;  // "attention.scores: dram -> sram"
  std::string algorithm;
  std::string status;  // done, infeasible, failed, pending, no_effect
  std::string reason;  // why not done
  std::optional<double> attention_cycles_per_step;
  std::optional<double> latency_per_step_mean_cycles;
  std::optional<double> attention_ns_per_step;
  std::optional<double> latency_per_step_mean_ns;
  std::optional<double> joules_per_token;  // with --energy
  // Ladder: the previous rung's figure over this one's (the rung's gain), and rung 0's
  // over this one's (cumulative). Leave-one-out: this row's figure over the last rung's
  // (the gain of the mechanism added last); cumulative empty.
  std::optional<double> attention_gain;
  std::optional<double> step_gain;
  std::optional<double> energy_gain;
  std::optional<double> cumulative_attention_gain;
  std::optional<double> cumulative_step_gain;
  std::optional<double> cumulative_energy_gain;
};

class Ladder {
 public:
  Ladder(SweepResults results, LadderDesign design);

  const std::vector<LadderRow>& rows() const { return rows_; }
  bool has_energy() const { return has_energy_; }
  // Points that failed for a reason other than infeasibility, and those infeasible.
  std::size_t failures() const;
  std::size_t infeasible() const;

  // The terminal tables, per KV length: the ladder, then leave-one-out.
  std::string ladder_table() const;
  std::string leave_one_out_table() const;
  // ladder.csv: header and rows from one list of fields.
  std::string csv() const;

 private:
  // A text table per KV length of the rows of `table` ("ladder" or "leave_one_out"): the
  // label columns, the figures every row has, then the table's own (`figures`).
  std::string tables_by_kv(
      const char* table, const std::vector<std::string>& header, std::size_t label_columns,
      const std::function<void(const LadderRow&, std::vector<std::string>&)>& figures) const;

  SweepResults results_;
  LadderDesign design_;
  std::vector<LadderRow> rows_;
  bool has_energy_ = false;
};

// Writes DIR/ladder.csv (atomically).
void write_ladder(const std::string& dir, const Ladder& ladder);

}  // namespace skv::sweep
