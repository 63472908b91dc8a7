#include "report/Energy.h"

#include <algorithm>

namespace skv::report {

namespace {

constexpr double kPico = 1e-12;
constexpr int kGemv = static_cast<int>(tlmx::OpClass::Gemv);
constexpr int kAttention = static_cast<int>(tlmx::OpClass::Attention);
constexpr int kOther = static_cast<int>(tlmx::OpClass::Other);

double u(std::uint64_t v) { return static_cast<double>(v); }

// Shares of a whole, by class: the weights normalised (all to `other` when they are 0).
std::array<double, 3> shares(const std::array<double, 3>& w) {
  const double sum = w[0] + w[1] + w[2];
  if (sum <= 0) return {0.0, 0.0, 1.0};
  return {w[0] / sum, w[1] / sum, w[2] / sum};
}

std::array<double, 3> one_class(int cls) {
  std::array<double, 3> s{};
  s[cls] = 1.0;
  return s;
}

}  // namespace

const char* energy_part_name(EnergyPart p) {
  switch (p) {
    case EnergyPart::Dynamic:
      return "dynamic";
    case EnergyPart::UnitStatic:
      return "unit_static";
    case EnergyPart::DramBackground:
      return "dram_background_refresh";
    case EnergyPart::BoardIdle:
      return "board_idle";
  }
  return "?";
}

const char* energy_unit_name(EnergyUnit u) {
  switch (u) {
    case EnergyUnit::Array:
      return "processor_array";
    case EnergyUnit::Attention:
      return "attention_pipeline";
    case EnergyUnit::KvSram:
      return "kv_sram";
    case EnergyUnit::Dram:
      return "dram";
    case EnergyUnit::Device:
      return "device";
    case EnergyUnit::Board:
      return "board";
  }
  return "?";
}

double Energy::total_j() const {
  double s = 0;
  for (const EnergyTerm& t : terms) s += t.joules;
  return s;
}
double Energy::part_j(EnergyPart p) const {
  double s = 0;
  for (const EnergyTerm& t : terms) s += t.part == p ? t.joules : 0.0;
  return s;
}
double Energy::unit_j(EnergyUnit un) const {
  double s = 0;
  for (const EnergyTerm& t : terms) s += t.unit == un ? t.joules : 0.0;
  return s;
}
double Energy::class_j(int cls) const {
  double s = 0;
  for (const EnergyTerm& t : terms) s += t.by_class[cls];
  return s;
}
double Energy::assumed_j() const {
  double s = 0;
  for (const EnergyTerm& t : terms) s += t.assumed ? t.joules : 0.0;
  return s;
}
const EnergyTerm* Energy::term(const std::string& name) const {
  for (const EnergyTerm& t : terms) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

DramCommandEnergy dram_command_energy(const dram::DramConfig& d, std::uint64_t dram_period_ps) {
  DramCommandEnergy e;
  const dram::DramPower& p = d.power;
  if (!p.stated()) return e;
  const double tck = u(dram_period_ps) * kPico;         // s
  const double va = p.vdd * p.devices_per_rank * 1e-3;  // V x devices x (mA to A)
  const auto& t = d.timing;
  // IDD0 is measured cycling one bank through ACT and PRE every tRC: the bank is active for
  // tRAS and precharged for the rest. Less the background over those spans (IDD3N, IDD2N),
  // what remains is the energy of the ACT and its PRE.
  e.act_pre = (p.idd0 * t.tRC - p.idd3n * t.tRAS - p.idd2n * (t.tRC - t.tRAS)) * va * tck;
  e.read_burst = (p.idd4r - p.idd3n) * d.burst_cycles() * va * tck;
  e.write_burst = (p.idd4w - p.idd3n) * d.burst_cycles() * va * tck;
  e.refresh_all = (p.idd5b - p.idd3n) * t.tRFC * va * tck;
  // A per-bank refresh refreshes one bank's share of the rows an all-bank refresh does.
  // tRFC may be 0 in a per-bank preset: then the per-bank figure is tRFCpb long.
  const double banks = u(d.org.banks_per_group) * d.org.bank_groups;
  e.refresh_bank = t.tRFC > 0 ? e.refresh_all / banks : (p.idd5b - p.idd3n) * t.tRFCpb * va * tck;
  e.active_cycle = p.idd3n * va * tck;
  e.precharged_cycle = p.idd2n * va * tck;
  return e;
}

Energy compute_energy(const config::EnergyConfig& e, const config::HwConfig& hw,
                      const sim::Counters& c, std::uint64_t accel_period_ps,
                      std::uint64_t dram_period_ps) {
  Energy out;
  const double time_s = u(c.cycles) * u(accel_period_ps) * kPico;
  out.time_s = time_s;
  const std::array<double, 3> by_time =
      shares({u(c.class_cycles[kGemv]), u(c.class_cycles[kAttention]), u(c.class_cycles[kOther])});
  const auto& dc = c.dram_ctrl;
  const std::array<double, 3> by_reads =
      shares({u(dc.read_bytes_by_owner(kGemv)), u(dc.read_bytes_by_owner(kAttention)),
              u(dc.read_bytes_by_owner(kOther))});
  const std::array<double, 3> by_writes =
      shares({u(dc.write_bytes_by_owner(kGemv)), u(dc.write_bytes_by_owner(kAttention)),
              u(dc.write_bytes_by_owner(kOther))});
  const std::array<double, 3> by_bytes =
      shares({u(dc.read_bytes_by_owner(kGemv) + dc.write_bytes_by_owner(kGemv)),
              u(dc.read_bytes_by_owner(kAttention) + dc.write_bytes_by_owner(kAttention)),
              u(dc.read_bytes_by_owner(kOther) + dc.write_bytes_by_owner(kOther))});

  auto add = [&](const char* name, const char* what, EnergyPart part, EnergyUnit unit,
                 double joules, const std::array<double, 3>& split, bool assumed) {
    EnergyTerm t{name, what, part, unit, joules, {}, assumed};
    for (int i = 0; i < 3; ++i) t.by_class[i] = joules * split[i];
    out.terms.push_back(t);
  };
  auto dyn = [&](const char* name, const char* what, EnergyUnit unit, std::uint64_t count,
                 double pj, const std::array<double, 3>& split, const char* key) {
    add(name, what, EnergyPart::Dynamic, unit, u(count) * pj * kPico, split, e.is_assumed(key));
  };
  auto stat = [&](const char* name, const char* what, EnergyPart part, EnergyUnit unit,
                  double watts, const char* key) {
    add(name, what, part, unit, watts * time_s, by_time, e.is_assumed(key));
  };

  // Dynamic: energy per action times the units' counters.
  const auto& a = c.array;
  const auto& at = c.attention;
  dyn("gemv_macs", "GEMV MAC slot-cycles x mac_pj", EnergyUnit::Array, a.mac_slot_cycles, e.mac_pj,
      one_class(kGemv), "mac_pj");
  dyn("weight_buffer_writes", "weight bytes written into the weight buffer x its pJ/byte",
      EnergyUnit::Array, a.weight_buffer_write_bytes, e.weight_buffer_write_pj_per_byte,
      one_class(kGemv), "weight_buffer_write_pj_per_byte");
  dyn("weight_buffer_reads", "weight bytes read from the weight buffer x its pJ/byte",
      EnergyUnit::Array, a.weight_buffer_read_bytes, e.weight_buffer_read_pj_per_byte,
      one_class(kGemv), "weight_buffer_read_pj_per_byte");
  dyn("vector_ops", "vector element operations x vector_op_pj", EnergyUnit::Array,
      a.vector_element_ops, e.vector_op_pj, one_class(kOther), "vector_op_pj");
  dyn("attention_macs", "FXP32 attention MACs x fxp32_mac_pj", EnergyUnit::Attention, at.fxp32_macs,
      e.fxp32_mac_pj, one_class(kAttention), "fxp32_mac_pj");
  dyn("exp2", "exp2 evaluations x exp2_pj", EnergyUnit::Attention, at.exp2_evals, e.exp2_pj,
      one_class(kAttention), "exp2_pj");
  dyn("divisions", "divisions x divide_pj", EnergyUnit::Attention, at.divisions, e.divide_pj,
      one_class(kAttention), "divide_pj");
  dyn("sram_reads", "KV SRAM bank-width reads x sram_read_pj", EnergyUnit::KvSram,
      c.sram.bank_reads, e.sram_read_pj, one_class(kAttention), "sram_read_pj");
  dyn("sram_writes", "KV SRAM bank-width writes x sram_write_pj", EnergyUnit::KvSram,
      c.sram.bank_writes, e.sram_write_pj, one_class(kAttention), "sram_write_pj");

  // DRAM commands from the DRAM preset's currents (not counted as assumed: each preset
  // cites where its currents come from), or all DRAM energy per bit when it states none.
  const auto& d = c.dram;
  const DramCommandEnergy de = dram_command_energy(hw.dram, dram_period_ps);
  const double bits = u(d.bytes_read + d.bytes_written) * 8.0;
  add("dram_activates", "ACT commands x (IDD0 over tRC less the background)", EnergyPart::Dynamic,
      EnergyUnit::Dram, u(d.act_commands) * de.act_pre, by_bytes, false);
  add("dram_reads", "read bursts x (IDD4R - IDD3N) over a burst", EnergyPart::Dynamic,
      EnergyUnit::Dram, u(d.rd_commands + d.rda_commands) * de.read_burst, by_reads, false);
  add("dram_writes", "write bursts x (IDD4W - IDD3N) over a burst", EnergyPart::Dynamic,
      EnergyUnit::Dram, u(d.wr_commands + d.wra_commands) * de.write_burst, by_writes, false);
  add("dram_per_bit",
      "DRAM bits moved x dram_pj_per_bit, only with a DRAM preset that states no currents",
      EnergyPart::Dynamic, EnergyUnit::Dram,
      hw.dram.power.stated() ? 0.0 : bits * e.dram_pj_per_bit * kPico, by_bytes,
      !hw.dram.power.stated() && e.is_assumed("dram_pj_per_bit"));
  add("dram_io", "DRAM bits moved x dram_io_pj_per_bit (the interface)", EnergyPart::Dynamic,
      EnergyUnit::Dram, bits * e.dram_io_pj_per_bit * kPico, by_bytes,
      e.is_assumed("dram_io_pj_per_bit"));

  // Static power over the whole span.
  stat("array_static", "the processor array's static power x time", EnergyPart::UnitStatic,
       EnergyUnit::Array, e.array_static_w, "array_static_w");
  stat("attention_static", "the attention pipeline's static power x time", EnergyPart::UnitStatic,
       EnergyUnit::Attention, e.attention_static_w, "attention_static_w");
  stat("kv_sram_static", "the KV SRAM's static power x time", EnergyPart::UnitStatic,
       EnergyUnit::KvSram, e.kv_sram_static_w, "kv_sram_static_w");
  stat("dram_controller_static", "the DRAM controller's static power x time",
       EnergyPart::UnitStatic, EnergyUnit::Dram, e.dram_controller_static_w,
       "dram_controller_static_w");
  stat("device_static", "the rest of the chip's static power x time", EnergyPart::UnitStatic,
       EnergyUnit::Device, e.device_static_w, "device_static_w");

  // DRAM background: every rank of every channel is in active standby (a bank open) or in
  // precharged standby for the whole span (power-down is not modelled); the engine counts
  // the active rank-cycles, and the rest of the span's rank-cycles are precharged.
  const double rank_cycles = dram_period_ps == 0
                                 ? 0.0
                                 : u(c.cycles) * u(accel_period_ps) / u(dram_period_ps) *
                                       hw.dram.org.channels * hw.dram.org.ranks;
  const double active = u(d.active_standby_rank_cycles);
  const double precharged = std::max(0.0, rank_cycles - active);
  add("dram_background",
      "rank-cycles in active standby x IDD3N, the rest in precharged standby x IDD2N",
      EnergyPart::DramBackground, EnergyUnit::Dram,
      active * de.active_cycle + precharged * de.precharged_cycle, by_time, false);
  add("dram_refresh", "refresh commands x (IDD5B - IDD3N) over tRFC (a bank's share per REFpb)",
      EnergyPart::DramBackground, EnergyUnit::Dram,
      u(d.ref_commands) * de.refresh_all + u(d.refpb_commands) * de.refresh_bank, by_time, false);

  stat("board_idle", "the board's idle power x time", EnergyPart::BoardIdle, EnergyUnit::Board,
       e.board_idle_w, "board_idle_w");
  return out;
}

std::vector<EnergyFigure> energy_figures() {
  std::vector<EnergyFigure> out = {
      {"total_j", "J", "energy of the run, the four parts together"},
      {"joules_per_token", "J/token", "total_j over the tokens (trace rows)"},
      {"tokens_per_joule", "tokens/J", "tokens (trace rows) over total_j"},
      {"average_w", "W", "total_j over the simulated time"},
  };
  for (int p = 0; p < kEnergyPartCount; ++p) {
    const std::string part = energy_part_name(static_cast<EnergyPart>(p));
    out.push_back({"parts_j." + part, "J", "the " + part + " part of total_j"});
  }
  for (int p = 0; p < kEnergyPartCount; ++p) {
    const std::string part = energy_part_name(static_cast<EnergyPart>(p));
    out.push_back({"parts_pct." + part, "%", "the " + part + " part's share of total_j"});
  }
  // The terms are compute_energy's own, whatever its counters.
  const Energy terms =
      compute_energy(config::EnergyConfig{}, config::HwConfig{}, sim::Counters{}, 1, 1);
  for (const EnergyTerm& t : terms.terms) {
    out.push_back({std::string("terms_j.") + t.name, "J", t.description});
  }
  for (int u = 0; u < kEnergyUnitCount; ++u) {
    const std::string unit = energy_unit_name(static_cast<EnergyUnit>(u));
    out.push_back({"by_unit_j." + unit, "J", "the terms booked to " + unit});
  }
  for (int c = 0; c < tlmx::kOpClassCount; ++c) {
    const std::string cls = tlmx::op_class_name(static_cast<tlmx::OpClass>(c));
    out.push_back({"by_operation_j." + cls, "J",
                   "the terms' joules spent on " + cls +
                       " operations (dynamic by the class's actions, static and background "
                       "by its share of time)"});
  }
  out.push_back({"assumed_j", "J", "the joules whose energy-preset value is an ASSUMPTION"});
  out.push_back({"assumption_share_pct", "%", "assumed_j's share of total_j"});
  out.push_back({"gops", "GOPS", "two operations per MAC (GEMV and attention) over the time"});
  out.push_back({"gops_per_w", "GOPS/W", "the same operations over total_j"});
  return out;
}

}  // namespace skv::report
