#include "config/DramConfigLoader.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <set>

#include "common/Error.h"

namespace skv::dram {

namespace {

std::uint32_t u32(config::Node& n, const char* key, std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint32_t>(n.get_uint(key, lo, hi));
}
std::uint32_t u32_or(config::Node& n, const char* key, std::uint32_t lo, std::uint32_t hi,
                     std::uint32_t fallback) {
  return static_cast<std::uint32_t>(n.get_uint_or(key, lo, hi, fallback));
}

}  // namespace

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
  const std::string writes = ctl.get_enum_or("write_policy", {"drain", "shared"}, "drain");
  c.controller.write_policy = writes == "shared" ? WritePolicy::Shared : WritePolicy::Drain;
  // Without the keys: a write queue as deep as the read queue, drained from 80% of it down
  // to 20% (rounded to whole bursts: 26 and 6 of 32).
  const std::uint32_t wq = u32_or(ctl, "write_queue_depth", 1, 4096, c.controller.queue_depth);
  c.controller.write_queue_depth = wq;
  c.controller.write_high_watermark =
      u32_or(ctl, "write_high_watermark", 1, 4096, (wq * 4 + 4) / 5);
  c.controller.write_low_watermark = u32_or(ctl, "write_low_watermark", 0, 4095, wq / 5);
  c.controller.frontend_latency_cycles = u32_or(ctl, "frontend_latency_cycles", 0, 1000, 1);
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

std::string dram_preset_file(const std::string& name, const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path file = fs::path(dir) / (name + ".yaml");
  std::error_code ec;
  if (fs::is_regular_file(file, ec)) return file.lexically_normal().string();
  std::set<std::string> known;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") known.insert(e.path().stem().string());
  }
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw InputError(fmt::format("no DRAM preset '{}' in {} (known: {})", name,
                               fs::path(dir).lexically_normal().string(),
                               list.empty() ? "none" : list));
}

DramConfig load_dram_preset(const std::string& name_or_path, const std::string& config_dir) {
  namespace fs = std::filesystem;
  const fs::path given(name_or_path);
  const bool looks_like_file =
      given.has_parent_path() || given.extension() == ".yaml" || given.extension() == ".yml";
  std::string file = name_or_path;
  if (!looks_like_file && !fs::is_regular_file(given)) {
    try {
      file = dram_preset_file(name_or_path, config_dir);
    } catch (const InputError& e) {
      throw InputError(fmt::format("--dram: {}; or give a path to a .yaml file", e.what()));
    }
  }
  config::Node root = config::Node::load_file(file);
  return load_dram_config(root);
}

}  // namespace skv::dram
