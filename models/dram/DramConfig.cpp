#include "models/dram/DramConfig.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "models/dram/AddressMapper.h"

namespace skv::dram {

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::uint32_t u32(config::Node& n, const char* key, std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint32_t>(n.get_uint(key, lo, hi));
}
std::uint32_t u32_or(config::Node& n, const char* key, std::uint32_t lo, std::uint32_t hi,
                     std::uint32_t fallback) {
  return static_cast<std::uint32_t>(n.get_uint_or(key, lo, hi, fallback));
}

}  // namespace

std::string to_string(PagePolicy p) {
  switch (p) {
    case PagePolicy::Open:
      return "open";
    case PagePolicy::Closed:
      return "closed";
    case PagePolicy::OpenAdaptive:
      return "open_adaptive";
    case PagePolicy::ClosedAdaptive:
      return "closed_adaptive";
  }
  return "?";
}
std::string to_string(SchedulerKind s) { return s == SchedulerKind::FrFcfs ? "frfcfs" : "fcfs"; }
std::string to_string(RefreshMode r) {
  switch (r) {
    case RefreshMode::None:
      return "none";
    case RefreshMode::AllBank:
      return "all_bank";
    case RefreshMode::PerBank:
      return "per_bank";
  }
  return "?";
}

std::vector<ConfigProblem> check_dram_config(const DramConfig& c) {
  std::vector<ConfigProblem> out;
  auto bad = [&out](const char* section, const char* key, std::string reason) {
    out.push_back(ConfigProblem{section, key, std::move(reason)});
  };
  const auto& o = c.org;
  const auto& t = c.timing;
  if (!(c.clock_mhz > 0)) bad("", "clock_mhz", "must be positive");
  // Power-of-two counts keep the address mapping a pure bit-field split.
  const std::pair<const char*, std::uint64_t> counts[] = {{"channels", o.channels},
                                                          {"ranks", o.ranks},
                                                          {"bank_groups", o.bank_groups},
                                                          {"banks_per_group", o.banks_per_group},
                                                          {"rows", o.rows},
                                                          {"columns", o.columns}};
  for (const auto& [key, v] : counts) {
    if (!is_pow2(v)) bad("organisation", key, fmt::format("{} is not a power of two", v));
  }
  if (o.ranks > 16) bad("organisation", "ranks", "at most 16 ranks per channel");
  if (o.banks() > 256) {
    bad("organisation", "banks_per_group",
        fmt::format("{} banks per channel (allowed: at most 256)", o.banks()));
  }
  if (o.bus_width_bits % 8 != 0 || o.bus_width_bits == 0) {
    bad("organisation", "bus_width_bits", "must be a positive multiple of 8");
  }
  if (o.data_rate == 0 || o.burst_length % o.data_rate != 0) {
    bad("organisation", "burst_length",
        fmt::format("{} beats is not a whole number of clock cycles at {} beats per cycle",
                    o.burst_length, o.data_rate));
  }
  if (!is_pow2(o.burst_length)) bad("organisation", "burst_length", "must be a power of two");
  if (o.columns % o.burst_length != 0) {
    bad("organisation", "columns",
        fmt::format("{} columns is not a whole number of bursts of {}", o.columns, o.burst_length));
  }
  if (t.tRC < t.tRAS + t.tRP) {
    bad("timing", "tRC", fmt::format("{} is less than tRAS + tRP = {}", t.tRC, t.tRAS + t.tRP));
  }
  if (t.tCCD_L < t.tCCD_S) bad("timing", "tCCD_L", "must not be less than tCCD_S");
  if (t.tRRD_L < t.tRRD_S) bad("timing", "tRRD_L", "must not be less than tRRD_S");
  if (t.tWTR_L < t.tWTR_S) bad("timing", "tWTR_L", "must not be less than tWTR_S");
  if (t.tCCD_S == 0) bad("timing", "tCCD_S", "must be at least 1");
  if (t.RL == 0) bad("timing", "RL", "must be at least 1");
  switch (c.controller.refresh) {
    case RefreshMode::None:
      break;
    case RefreshMode::AllBank:
      if (t.tREFI == 0 || t.tRFC == 0) {
        bad("timing", "tREFI", "all-bank refresh needs tREFI and tRFC above 0");
      } else if (t.tRFC >= t.tREFI) {
        bad("timing", "tRFC", "must be less than tREFI");
      }
      break;
    case RefreshMode::PerBank:
      if (t.tREFIpb == 0 || t.tRFCpb == 0) {
        bad("timing", "tREFIpb", "per-bank refresh needs tREFIpb and tRFCpb above 0");
      } else if (o.banks_per_rank() > 64) {
        bad("controller", "refresh", "per-bank refresh supports at most 64 banks per rank");
      } else if (t.tRFCpb >= t.tREFIpb * o.banks_per_rank()) {
        bad("timing", "tRFCpb", "must be less than tREFIpb times the banks per rank");
      }
      break;
  }
  if (c.controller.queue_depth == 0 || c.controller.queue_depth > 4096) {
    bad("controller", "queue_depth", "must be in [1, 4096]");
  }
  const std::string map_err = address_mapping_error(c.controller.address_mapping, o);
  if (!map_err.empty()) bad("controller", "address_mapping", map_err);
  const auto& b = c.command_bus;
  if (b.act_cycles == 0 || b.column_cycles == 0 || b.precharge_cycles == 0 ||
      b.refresh_cycles == 0) {
    bad("command_bus", "act_cycles", "every command takes at least one cycle");
  }
  return out;
}

DramConfig load_dram_config(config::Node& node) {
  DramConfig c;
  c.name = node.get_string("name");
  c.clock_mhz = node.get_double("clock_mhz", 1.0, 10000.0);

  config::Node org = node.child("organisation");
  c.org.channels = u32(org, "channels", 1, 1024);
  c.org.ranks = u32(org, "ranks", 1, 16);
  c.org.bank_groups = u32(org, "bank_groups", 1, 64);
  c.org.banks_per_group = u32(org, "banks_per_group", 1, 64);
  c.org.rows = org.get_uint("rows", 1, std::uint64_t{1} << 24);
  c.org.columns = u32(org, "columns", 1, 1u << 16);
  c.org.bus_width_bits = u32(org, "bus_width_bits", 8, 1024);
  c.org.burst_length = u32(org, "burst_length", 1, 64);
  c.org.data_rate = u32_or(org, "data_rate", 1, 16, 2);

  config::Node t = node.child("timing");
  auto& tm = c.timing;
  tm.tRCD = u32(t, "tRCD", 1, 1000);
  tm.tRCDW = u32_or(t, "tRCDW", 1, 1000, tm.tRCD);
  tm.tRP = u32(t, "tRP", 1, 1000);
  tm.tRPab = u32_or(t, "tRPab", 1, 1000, tm.tRP);
  tm.tRAS = u32(t, "tRAS", 1, 1000);
  tm.tRC = u32(t, "tRC", 1, 2000);
  tm.tRTP = u32(t, "tRTP", 1, 1000);
  tm.tWR = u32(t, "tWR", 1, 1000);
  tm.RL = u32(t, "RL", 1, 1000);
  tm.WL = u32(t, "WL", 0, 1000);
  tm.tCCD_S = u32(t, "tCCD_S", 1, 1000);
  tm.tCCD_L = u32(t, "tCCD_L", 1, 1000);
  tm.tRRD_S = u32(t, "tRRD_S", 1, 1000);
  tm.tRRD_L = u32(t, "tRRD_L", 1, 1000);
  tm.tFAW = u32(t, "tFAW", 0, 2000);
  tm.tWTR_S = u32(t, "tWTR_S", 0, 1000);
  tm.tWTR_L = u32(t, "tWTR_L", 0, 1000);
  tm.tRTW = u32(t, "tRTW", 1, 1000);
  tm.tRTRS = u32_or(t, "tRTRS", 0, 100, 1);
  tm.tREFI = u32_or(t, "tREFI", 0, 1000000, 0);
  tm.tRFC = u32_or(t, "tRFC", 0, 100000, 0);
  tm.tREFIpb = u32_or(t, "tREFIpb", 0, 1000000,
                      c.org.banks_per_rank() == 0 ? 0 : tm.tREFI / c.org.banks_per_rank());
  tm.tRFCpb = u32_or(t, "tRFCpb", 0, 100000, 0);
  tm.tPBR2PBR = u32_or(t, "tPBR2PBR", 0, 10000, tm.tRRD_S);
  tm.tPBR2ACT = u32_or(t, "tPBR2ACT", 0, 10000, tm.tRRD_S);

  if (auto bus = node.optional_child("command_bus")) {
    c.command_bus.dual = bus->get_bool_or("dual", false);
    c.command_bus.act_cycles = u32_or(*bus, "act_cycles", 1, 16, 1);
    c.command_bus.column_cycles = u32_or(*bus, "column_cycles", 1, 16, 1);
    c.command_bus.precharge_cycles = u32_or(*bus, "precharge_cycles", 1, 16, 1);
    c.command_bus.refresh_cycles = u32_or(*bus, "refresh_cycles", 1, 16, 1);
    bus->finish();
  }

  config::Node ctl = node.child("controller");
  const std::string sched = ctl.get_enum_or("scheduler", {"frfcfs", "fcfs"}, "frfcfs");
  c.controller.scheduler = sched == "fcfs" ? SchedulerKind::Fcfs : SchedulerKind::FrFcfs;
  static const std::map<std::string, PagePolicy> kPolicies = {
      {"open", PagePolicy::Open},
      {"closed", PagePolicy::Closed},
      {"open_adaptive", PagePolicy::OpenAdaptive},
      {"closed_adaptive", PagePolicy::ClosedAdaptive}};
  c.controller.page_policy = kPolicies.at(
      ctl.get_enum("page_policy", {"open", "closed", "open_adaptive", "closed_adaptive"}));
  const std::string refresh = ctl.get_enum_or("refresh", {"all_bank", "per_bank", "none"},
                                              tm.tREFI > 0 ? "all_bank" : "none");
  c.controller.refresh = refresh == "all_bank"   ? RefreshMode::AllBank
                         : refresh == "per_bank" ? RefreshMode::PerBank
                                                 : RefreshMode::None;
  c.controller.queue_depth = u32(ctl, "queue_depth", 1, 4096);
  c.controller.address_mapping = ctl.get_string_or("address_mapping", c.controller.address_mapping);

  // One rule set for files and for configs built in code (check_dram_config).
  const std::vector<ConfigProblem> problems = check_dram_config(c);
  if (!problems.empty()) {
    const ConfigProblem& p = problems.front();
    if (p.section == "organisation") org.fail(p.key, p.reason);
    if (p.section == "timing") t.fail(p.key, p.reason);
    if (p.section == "controller") ctl.fail(p.key, p.reason);
    if (p.section == "command_bus") node.fail("command_bus", p.reason);
    node.fail(p.key, p.reason);
  }
  org.finish();
  t.finish();
  ctl.finish();
  node.finish();
  return c;
}

DramConfig load_dram_preset(const std::string& name_or_path, const std::string& config_dir) {
  namespace fs = std::filesystem;
  const fs::path given(name_or_path);
  const bool looks_like_file =
      given.has_parent_path() || given.extension() == ".yaml" || given.extension() == ".yml";
  fs::path file;
  if (looks_like_file || fs::is_regular_file(given)) {
    file = given;
  } else {
    file = fs::path(config_dir) / (name_or_path + ".yaml");
    if (!fs::exists(file)) {
      std::set<std::string> known;
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(config_dir, ec)) {
        if (e.path().extension() == ".yaml") known.insert(e.path().stem().string());
      }
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InputError(fmt::format(
          "DRAM preset '{}': no file {} (presets in {}: {}; or give a path to a .yaml file)",
          name_or_path, file.string(), config_dir, list.empty() ? "none" : list));
    }
  }
  config::Node root = config::Node::load_file(file.string());
  return load_dram_config(root);
}

}  // namespace skv::dram
