#include "models/dram/DramConfig.h"

#include <fmt/format.h>

#include "config/ConfigNode.h"

namespace skv::dram {

namespace {

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

std::uint32_t u32(config::Node& n, const char* key, std::uint32_t lo, std::uint32_t hi) {
  return static_cast<std::uint32_t>(n.get_uint(key, lo, hi));
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
  c.org.burst_length = u32(org, "burst_length", 2, 64);
  if (c.org.bus_width_bits % 8 != 0) org.fail("bus_width_bits", "must be a multiple of 8");
  if (c.org.burst_length % 2 != 0) {
    org.fail("burst_length", "must be even (data moves on both clock edges)");
  }
  org.finish();

  config::Node t = node.child("timing");
  auto& tm = c.timing;
  tm.tRCD = u32(t, "tRCD", 1, 1000);
  tm.tRCDW = static_cast<std::uint32_t>(t.get_uint_or("tRCDW", 1, 1000, tm.tRCD));
  tm.tRP = u32(t, "tRP", 1, 1000);
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
  tm.tWTR_S = u32(t, "tWTR_S", 1, 1000);
  tm.tWTR_L = u32(t, "tWTR_L", 1, 1000);
  tm.tRTW = u32(t, "tRTW", 1, 1000);
  tm.tREFI = u32(t, "tREFI", 0, 1000000);
  tm.tRFC = u32(t, "tRFC", 0, 100000);
  if (tm.tRC < tm.tRAS + tm.tRP) {
    t.fail("tRC", fmt::format("{} is less than tRAS + tRP = {}", tm.tRC, tm.tRAS + tm.tRP));
  }
  if (tm.tCCD_L < tm.tCCD_S) t.fail("tCCD_L", "must not be less than tCCD_S");
  if (tm.tREFI != 0 && tm.tRFC >= tm.tREFI) t.fail("tRFC", "must be less than tREFI");
  t.finish();

  config::Node ctl = node.child("controller");
  c.page_policy = ctl.get_enum("page_policy", {"open", "closed"}) == "open" ? PagePolicy::Open
                                                                            : PagePolicy::Closed;
  c.queue_depth = u32(ctl, "queue_depth", 1, 4096);
  c.interleave_bytes = u32(ctl, "interleave_bytes", 1, 1u << 20);
  if (!is_pow2(c.interleave_bytes) || c.interleave_bytes < c.org.burst_bytes()) {
    ctl.fail("interleave_bytes", fmt::format("must be a power of two of at least one burst ({} bytes)",
                                             c.org.burst_bytes()));
  }
  ctl.finish();
  node.finish();
  return c;
}

}  // namespace skv::dram
