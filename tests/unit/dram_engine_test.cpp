// DramEngine: exact command sequences, analytical checks, refresh, cut invariance, and the
// exactness of next_event_cycle() against a driver that calls the engine every cycle.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/DramConfigLoader.h"
#include "models/dram/AddressMapper.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramEngine.h"
#include "models/dram/RequestTrace.h"

using namespace skv::dram;

namespace {

const std::string kPresetDir = std::string(SKV_SOURCE_DIR) + "/configs/dram";
const char* const kPresets[] = {"hbm2-u55c", "lpddr4-3200", "lpddr5-6400", "ddr4-3200"};

DramConfig preset(const std::string& name) { return load_dram_preset(name, kPresetDir); }

// DDR4-3200 without refresh: one channel, so command sequences are easy to read. Requests
// enqueued at cycle 0 reach the scheduler at cycle 1 (frontend_latency_cycles 1).
DramConfig ddr4_no_refresh(PagePolicy page = PagePolicy::Open,
                           SchedulerKind sched = SchedulerKind::FrFcfs,
                           WritePolicy writes = WritePolicy::Drain) {
  DramConfig c = preset("ddr4-3200");
  c.controller.refresh = RefreshMode::None;
  c.controller.page_policy = page;
  c.controller.scheduler = sched;
  c.controller.write_policy = writes;
  return c;
}

struct Issued {
  std::uint64_t cycle;
  Command command;
  std::uint32_t row;
};

std::string describe(const std::vector<Issued>& v) {
  std::string s;
  for (const Issued& i : v) {
    s += std::string(command_name(i.command)) + "@" + std::to_string(i.cycle) + " ";
  }
  return s;
}

// Enqueues every request at cycle 0 (or as soon as the front end takes it), runs to the
// end and returns the commands issued.
std::vector<Issued> run_requests(DramEngine& e, const std::vector<Request>& reqs) {
  std::vector<Issued> log;
  e.set_command_observer([&log](const CommandRecord& r) {
    log.push_back(Issued{r.cycle, r.command, r.row});
  });
  for (const Request& r : reqs) e.enqueue(r, std::max(e.now(), e.accept_cycle()));
  e.drain();
  return log;
}

std::uint64_t addr(const DramEngine& e, std::uint32_t bank, std::uint32_t row,
                   std::uint32_t column) {
  DramAddress a;
  a.bank = bank;
  a.row = row;
  a.column = column;
  return e.mapper().encode(a);
}

struct StreamResult {
  std::uint64_t last_cycle;
  DramStats stats;
};

// `count` requests of `bytes` each from the generator, fed as fast as the front end takes them.
StreamResult stream(const DramConfig& cfg, TracePattern pattern, std::uint64_t count,
                    std::uint32_t bytes, std::uint32_t write_pct = 0) {
  DramEngine e(cfg);
  TraceSpec spec;
  spec.pattern = pattern;
  spec.count = count;
  spec.bytes = bytes;
  spec.write_pct = write_pct;
  spec.footprint = cfg.org.capacity_bytes();
  RequestGenerator gen(spec);
  TraceRequest r;
  std::uint64_t id = 0;
  std::vector<Completion> done;
  while (gen.next(r)) {
    e.enqueue(Request{id++, r.addr, r.bytes, r.is_write}, std::max(e.now(), e.accept_cycle()));
    if (id % 256 == 0) {
      done.clear();
      e.take_completions(done);
    }
  }
  const std::uint64_t end = e.drain();
  return StreamResult{end, e.stats()};
}

}  // namespace

TEST_CASE("an idle read takes the front end + tRCD + RL + burst, on every preset", "[dram]") {
  for (const char* name : kPresets) {
    INFO(name);
    const DramConfig cfg = preset(name);
    DramEngine e(cfg);
    e.enqueue(Request{42, 0, cfg.org.burst_bytes(), false}, 100);
    const auto& t = cfg.timing;
    // Arrival 100, front end 1: ACT at 101, RD at 101 + tRCD, last beat ends RL + burst later.
    REQUIRE(cfg.controller.frontend_latency_cycles == 1);
    const std::uint64_t expect = 101 + t.tRCD + t.RL + cfg.burst_cycles();
    // The wake-up bound: the next command (ACT at 101) plus the shortest column latency.
    CHECK(e.next_event_cycle() == 101 + std::min(t.RL, t.WL) + cfg.burst_cycles());
    e.run_until(expect - 1);
    CHECK(e.take_completions().empty());
    e.run_until(expect);
    const auto done = e.take_completions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].id == 42);
    CHECK(done[0].cycle == expect);
    CHECK(e.next_event_cycle() == kNever);
  }
  // HBM2 in numbers: front end 1 + tRCD 11 + RL 16 + burst 2 = 30; DDR4: 1 + 22 + 22 + 4 = 49.
  DramEngine h(preset("hbm2-u55c"));
  h.enqueue(Request{1, 0, 32, false}, 0);
  CHECK(h.drain() == 30);
  CHECK(h.stats().last_completion_cycle == 30);
  DramEngine d(preset("ddr4-3200"));
  d.enqueue(Request{1, 0, 64, false}, 0);
  CHECK(d.drain() == 49);
  CHECK(d.stats().read_latency_cycles.max() == 49);
}

TEST_CASE("front-end latency: cycles from arrival to the first command", "[dram]") {
  // DDR4 single read at cycle 10: ACT at 10 + L, RD tRCD 22 later, data ends RL 22 + burst 4
  // after the RD: completion 10 + L + 48.
  for (std::uint32_t latency : {0u, 1u, 3u}) {
    INFO(latency);
    DramConfig cfg = ddr4_no_refresh();
    cfg.controller.frontend_latency_cycles = latency;
    DramEngine e(cfg);
    std::vector<std::uint64_t> acts;
    e.set_command_observer([&acts](const CommandRecord& r) {
      if (r.command == Command::ACT) acts.push_back(r.cycle);
    });
    e.enqueue(Request{1, 0, 64, false}, 10);
    CHECK(e.can_accept());  // the front end takes the next request on the same cycle
    e.run_until(10 + latency + 48 - 1);
    CHECK(e.take_completions().empty());
    e.run_until(10 + latency + 48);
    const auto done = e.take_completions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].cycle == 10 + latency + 48);
    REQUIRE(acts.size() == 1);
    CHECK(acts[0] == 10 + latency);
  }
}

TEST_CASE("exact commands: ACT, RD, RD, PRE, ACT, RD (open page, FR-FCFS)", "[dram]") {
  DramEngine e(ddr4_no_refresh());
  const std::vector<Request> reqs = {{0, addr(e, 0, 0, 0), 64, false},
                                     {1, addr(e, 0, 0, 1), 64, false},
                                     {2, addr(e, 0, 1, 0), 64, false}};
  const auto log = run_requests(e, reqs);
  // ACT 1 (arrival 0 + front end 1); RD 1 + tRCD 22 = 23; RD 23 + tCCD_L 8 = 31;
  // PRE max(1 + tRAS 52, 31 + tRTP 12) = 53; ACT 53 + tRP 22 = 75 (= 1 + tRC 74);
  // RD 75 + tRCD 22 = 97.
  REQUIRE(log.size() == 6);
  CHECK(describe(log) == "ACT@1 RD@23 RD@31 PRE@53 ACT@75 RD@97 ");
  CHECK(log[4].row == 1);
  const DramStats& s = e.stats();
  CHECK(s.row_misses == 1);  // the first burst found the bank closed
  CHECK(s.row_hits == 1);
  CHECK(s.row_conflicts == 1);            // the third found row 0 open
  CHECK(s.last_completion_cycle == 123);  // 97 + RL 22 + burst 4
}

TEST_CASE("FR-FCFS serves a younger row hit before an older conflict, FCFS does not", "[dram]") {
  auto reqs = [](const DramEngine& e) {
    return std::vector<Request>{{0, addr(e, 0, 0, 0), 64, false},
                                {1, addr(e, 0, 1, 0), 64, false},
                                {2, addr(e, 0, 0, 1), 64, false}};
  };
  DramEngine fr(ddr4_no_refresh());
  // ACT 1 (front end), RD 23, the hit RD 31 (23 + tCCD_L), PRE 53 (1 + tRAS), ACT 75, RD 97.
  CHECK(describe(run_requests(fr, reqs(fr))) == "ACT@1 RD@23 RD@31 PRE@53 ACT@75 RD@97 ");
  DramEngine fc(ddr4_no_refresh(PagePolicy::Open, SchedulerKind::Fcfs));
  // In order: ACT 1, RD 23, PRE 53, ACT 75, RD 97, PRE max(75 + 52, 97 + 12) = 127,
  // ACT 127 + 22 = 149, RD 171.
  CHECK(describe(run_requests(fc, reqs(fc))) ==
        "ACT@1 RD@23 PRE@53 ACT@75 RD@97 PRE@127 ACT@149 RD@171 ");
}

TEST_CASE("closed page: every access is ACT + RDA", "[dram]") {
  DramEngine e(ddr4_no_refresh(PagePolicy::Closed));
  const std::vector<Request> reqs = {{0, addr(e, 0, 0, 0), 64, false},
                                     {1, addr(e, 0, 0, 1), 64, false}};
  // ACT 1; RDA at 23 precharges at max(1 + tRAS 52, 23 + tRTP 12) = 53; ACT 53 + tRP 22 = 75;
  // RDA 97.
  CHECK(describe(run_requests(e, reqs)) == "ACT@1 RDA@23 ACT@75 RDA@97 ");
  CHECK(e.stats().row_misses == 2);

  // Closed-adaptive keeps the row open while another queued burst hits it.
  DramEngine a(ddr4_no_refresh(PagePolicy::ClosedAdaptive));
  CHECK(describe(run_requests(a, {{0, addr(a, 0, 0, 0), 64, false},
                                  {1, addr(a, 0, 0, 1), 64, false}})) == "ACT@1 RD@23 RDA@31 ");
}

TEST_CASE("writes: WR then RD waits for the write data and tWTR_L", "[dram]") {
  // One shared queue: the older write goes first.
  DramEngine e(ddr4_no_refresh(PagePolicy::Open, SchedulerKind::FrFcfs, WritePolicy::Shared));
  const std::vector<Request> reqs = {{0, addr(e, 0, 0, 0), 64, true},
                                     {1, addr(e, 0, 0, 1), 64, false}};
  // ACT 1; WR 1 + tRCDW 22 = 23; RD 23 + WL 16 + burst 4 + tWTR_L 12 = 55.
  CHECK(describe(run_requests(e, reqs)) == "ACT@1 WR@23 RD@55 ");
  CHECK(e.stats().bytes_written == 64);
  CHECK(e.stats().bytes_read == 64);
  CHECK(e.stats().write_to_read_turnarounds == 1);
  // Write draining: both arrive on cycle 1; with a read waiting and one write queued (below
  // the high watermark) the read goes first: ACT 1, RD 23, then no read is left and the
  // write is drained: WR 23 + tRTW 12 = 35.
  DramEngine d(ddr4_no_refresh());
  CHECK(describe(run_requests(d, {{0, addr(d, 0, 0, 0), 64, true},
                                  {1, addr(d, 0, 0, 1), 64, false}})) == "ACT@1 RD@23 WR@35 ");
  CHECK(d.stats().read_to_write_turnarounds == 1);
  CHECK(d.stats().write_drains == 1);
}

TEST_CASE("a request of many bursts completes after its last burst", "[dram]") {
  DramEngine e(ddr4_no_refresh());
  // 256 B = 4 bursts of 64 B in four bank groups (mapping ...CoBg), reaching the scheduler
  // at 1: ACT 1, 5, 9, 13 (tRRD_S 4); RD 23, 27, 31, 35; the last data ends 35 + 22 + 4 = 61.
  e.enqueue(Request{9, 0, 256, false}, 0);
  e.run_until(60);
  CHECK(e.take_completions().empty());
  e.run_until(61);
  const auto done = e.take_completions();
  REQUIRE(done.size() == 1);
  CHECK(done[0].cycle == 61);
}

TEST_CASE("refresh: a read at the due cycle waits tRFC, long runs refresh every tREFI", "[dram]") {
  const DramConfig cfg = preset("ddr4-3200");
  DramEngine e(cfg);
  e.enqueue(Request{1, 0, 64, false}, 12480);
  // REF at its due cycle 12480 (tREFI; banks already closed), so the read reaching the
  // scheduler at 12481 waits: ACT 12480 + tRFC 560 = 13040, RD 13062, data ends
  // 13062 + 22 + 4 = 13088.
  e.run_until(13087);
  CHECK(e.take_completions().empty());
  e.drain();
  CHECK(e.stats().refreshes == 1);
  CHECK(e.stats().last_completion_cycle == 13088);

  for (const char* name : kPresets) {
    INFO(name);
    const DramConfig c = preset(name);
    const StreamResult r = stream(c, TracePattern::Sequential, 20000, 64);
    const std::uint64_t interval =
        c.controller.refresh == RefreshMode::PerBank ? c.timing.tREFIpb : c.timing.tREFI;
    // One refresh per interval and channel (or rank), give or take the one in progress.
    const std::uint64_t per_channel = r.last_cycle / interval;
    CHECK(r.stats.refreshes >= (per_channel - 1) * c.org.channels);
    CHECK(r.stats.refreshes <= (per_channel + 1) * c.org.channels);
  }
}

TEST_CASE("sequential reads reach 90% of peak on every preset, random ones do not", "[dram]") {
  for (const char* name : kPresets) {
    INFO(name);
    const DramConfig cfg = preset(name);
    const double peak = cfg.peak_bandwidth_bytes_per_s();
    const StreamResult seq = stream(cfg, TracePattern::Sequential, 40000, 64);
    const double seq_bw = seq.stats.busy_span_bandwidth_bytes_per_s(cfg);
    CHECK(seq_bw >= 0.9 * peak);
    CHECK(seq.stats.row_hit_rate_pct() > 90.0);
    const StreamResult rnd = stream(cfg, TracePattern::Random, 20000, 64);
    const double rnd_bw = rnd.stats.busy_span_bandwidth_bytes_per_s(cfg);
    CHECK(rnd.stats.row_conflicts > rnd.stats.row_hits);
    CHECK(rnd_bw < 0.7 * seq_bw);
    CHECK(rnd.stats.read_latency_cycles.percentile(50) >
          cfg.timing.tRCD + cfg.timing.RL + cfg.burst_cycles());
  }
}

TEST_CASE("a stream cut into 64 B or 4 KiB requests takes the same cycles", "[dram]") {
  for (const char* name : kPresets) {
    INFO(name);
    DramConfig cfg = preset(name);
    for (std::uint32_t write_pct : {0u, 30u}) {
      // 2 MiB either way; with writes the generator draws R/W per request, so only the
      // all-read stream is the same byte stream in both cuts.
      if (write_pct > 0) continue;
      const StreamResult small = stream(cfg, TracePattern::Sequential, 32768, 64);
      const StreamResult large = stream(cfg, TracePattern::Sequential, 512, 4096);
      CHECK(small.last_cycle == large.last_cycle);
      CHECK(small.stats.command_counts() == large.stats.command_counts());
      CHECK(small.stats.row_hits == large.stats.row_hits);
      CHECK(small.stats.data_bus_busy_cycles == large.stats.data_bus_busy_cycles);
      CHECK(small.stats.bytes_read == large.stats.bytes_read);
    }
  }
}

namespace {

struct Arrival {
  std::uint64_t cycle;
  Request req;
};

std::vector<Arrival> mixed_arrivals(const DramConfig& cfg, std::uint64_t n, std::uint64_t seed) {
  TraceSpec spec;
  spec.pattern = TracePattern::Random;
  spec.count = n;
  spec.bytes = 64;
  spec.write_pct = 30;
  spec.footprint = 1u << 20;  // 1 MiB: some hits, many conflicts
  spec.seed = seed;
  RequestGenerator gen(spec);
  std::vector<Arrival> out;
  TraceRequest r;
  std::uint64_t cycle = 0;
  std::uint64_t state = seed;
  while (gen.next(r)) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    cycle += (state >> 60) % 5;  // bursts of back-to-back arrivals and small gaps
    const std::uint32_t bytes = ((state >> 40) & 3) == 0 ? 256u : 64u;
    out.push_back(Arrival{cycle, Request{out.size(), r.addr, bytes, r.is_write}});
  }
  (void)cfg;
  return out;
}

struct Seen {
  std::uint64_t id;
  std::uint64_t cycle;     // completion cycle
  std::uint64_t observed;  // the cycle at which the driver saw it
  bool operator==(const Seen& o) const {
    return id == o.id && cycle == o.cycle && observed == o.observed;
  }
};

// The reference: one call per cycle.
std::vector<Seen> drive_every_cycle(const DramConfig& cfg, const std::vector<Arrival>& in,
                                    std::vector<std::uint64_t>& accepted_at) {
  DramEngine e(cfg);
  std::vector<Seen> seen;
  std::size_t next = 0;
  for (std::uint64_t cyc = 0; next < in.size() || e.outstanding() > 0; ++cyc) {
    e.run_until(cyc);
    for (const Completion& c : e.take_completions()) seen.push_back({c.id, c.cycle, cyc});
    while (next < in.size() && in[next].cycle <= cyc && e.can_accept()) {
      e.enqueue(in[next].req, cyc);
      accepted_at.push_back(cyc);
      ++next;
    }
  }
  return seen;
}

// The fast driver: sleeps until next_event_cycle() or the next arrival.
std::vector<Seen> drive_by_events(const DramConfig& cfg, const std::vector<Arrival>& in,
                                  std::vector<std::uint64_t>& accepted_at, std::uint64_t& wakeups) {
  DramEngine e(cfg);
  std::vector<Seen> seen;
  std::size_t next = 0;
  std::uint64_t cyc = 0;
  while (next < in.size() || e.outstanding() > 0) {
    ++wakeups;
    e.run_until(cyc);
    for (const Completion& c : e.take_completions()) seen.push_back({c.id, c.cycle, cyc});
    while (next < in.size() && in[next].cycle <= cyc && e.can_accept()) {
      e.enqueue(in[next].req, cyc);
      accepted_at.push_back(cyc);
      ++next;
    }
    std::uint64_t wake = e.next_event_cycle();
    if (next < in.size() && e.can_accept() && in[next].cycle < wake) wake = in[next].cycle;
    if (wake == kNever) break;
    REQUIRE(wake > cyc);  // progress: nothing left to do at this cycle
    cyc = wake;
  }
  return seen;
}

}  // namespace

TEST_CASE("next_event_cycle is exact: waking only then matches a call every cycle", "[dram]") {
  for (const char* variant :
       {"hbm2-u55c", "ddr4-3200", "lpddr4-3200", "ddr4-3200 shared", "ddr4-3200 2 ranks"}) {
    INFO(variant);
    const std::string v = variant;
    DramConfig cfg = preset(v.substr(0, v.find(' ')));
    cfg.controller.queue_depth = 4;  // the front end blocks often
    // Small write queue: drain mode starts and ends often.
    cfg.controller.write_queue_depth = 4;
    cfg.controller.write_high_watermark = 3;
    cfg.controller.write_low_watermark = 1;
    if (v.find("shared") != std::string::npos) cfg.controller.write_policy = WritePolicy::Shared;
    if (v.find("2 ranks") != std::string::npos) cfg.org.ranks = 2;
    const auto arrivals = mixed_arrivals(cfg, 400, 7);
    std::vector<std::uint64_t> acc_ref;
    std::vector<std::uint64_t> acc_fast;
    std::uint64_t wakeups = 0;
    const auto ref = drive_every_cycle(cfg, arrivals, acc_ref);
    const auto fast = drive_by_events(cfg, arrivals, acc_fast, wakeups);
    REQUIRE(ref.size() == arrivals.size());
    CHECK(acc_fast == acc_ref);
    CHECK(fast == ref);
    // Every completion was seen on its own cycle.
    for (const Seen& s : ref) CHECK(s.observed == s.cycle);
    // One wake-up per completion, acceptance or arrival at most, not one per cycle.
    CHECK(wakeups <= 3 * arrivals.size() + 1);
    CHECK(wakeups < ref.back().cycle);
  }
}

TEST_CASE("a long sequential stream needs one wake-up per completion, not per command", "[dram]") {
  const DramConfig cfg = preset("hbm2-u55c");
  DramEngine e(cfg);
  std::uint64_t wakeups = 0;
  std::uint64_t sent = 0;
  std::uint64_t cmds = 0;
  e.set_command_observer([&cmds](const CommandRecord&) { ++cmds; });
  std::uint64_t cyc = 0;
  const std::uint64_t n = 2000;
  while (sent < n || e.outstanding() > 0) {
    ++wakeups;
    e.run_until(cyc);
    e.take_completions();
    while (sent < n && e.can_accept()) {
      e.enqueue(Request{sent, sent * 4096, 4096, false}, cyc);
      ++sent;
    }
    const std::uint64_t next = e.next_event_cycle();
    if (next == kNever) break;
    cyc = next;
  }
  // 2000 requests of 128 bursts: ~256,000 column commands, a few thousand wake-ups.
  CHECK(cmds > 250000);
  CHECK(wakeups < 3 * n);
}

TEST_CASE("DRAM stats: JSON keys with units, table, latency histogram", "[dram]") {
  const DramConfig cfg = preset("lpddr4-3200");
  const StreamResult r = stream(cfg, TracePattern::Sequential, 2000, 64, 20);
  const nlohmann::json j = to_json(r.stats, cfg);
  for (const char* key :
       {"bytes_read", "bytes_written", "busy_span_bandwidth_bytes_per_s",
        "peak_bandwidth_bytes_per_s", "busy_span_bandwidth_pct", "row_hits", "row_misses",
        "row_conflicts", "row_hit_rate_pct", "queue_occupancy_mean_bursts", "refreshes",
        "rd_commands", "read_latency_cycles", "write_latency_cycles", "busy_span_cycles"}) {
    CHECK(j.contains(key));
  }
  CHECK(j["read_latency_cycles"].contains("p99"));
  CHECK(j["bytes_read"].get<std::uint64_t>() + j["bytes_written"].get<std::uint64_t>() ==
        2000 * 64);
  CHECK(j["rd_commands"].get<std::uint64_t>() + j["wr_commands"].get<std::uint64_t>() ==
        4000);  // 64 B = two 32 B bursts
  const std::string table = format_table(r.stats, cfg);
  CHECK(table.find("bandwidth") != std::string::npos);
  CHECK(table.find("p99") != std::string::npos);

  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.add(v);
  CHECK(h.percentile(50) == 50);  // exact below 128
  CHECK(h.percentile(99) == 99);
  CHECK(h.max() == 100);
  LatencyHistogram big;
  for (std::uint64_t v = 0; v < 100000; ++v) big.add(1000 + v % 1000);
  const auto p50 = big.percentile(50);  // true value 1499
  CHECK(p50 >= 1499);
  CHECK(static_cast<double>(p50) <= 1499 * 1.016 + 1);
}

// Extremes per segment: a request's latency goes to the scope open when it completes, its
// arrival and queue level to the scope open when it arrives; a queue maximum restarts from
// the level at the scope's start. The enclosing scope and the run see everything.
TEST_CASE("scopes: latencies, stamps and queue maxima per segment", "[dram]") {
  DramEngine e(ddr4_no_refresh());
  e.open_scope();  // outer, at 0
  // A: 256 B = 4 bursts at 100, as in "a request of many bursts": ACT 101, 105, 109, 113,
  // RD 123, 127, 131, 135; it completes at 135 + RL 22 + burst 4 = 161 (latency 61).
  e.enqueue(Request{1, 0, 256, false}, 100);
  e.run_until(102);
  e.open_scope();  // inner 1, at 102: A's 4 bursts are queued, none has its RD yet
  e.run_until(200);
  const DramStats in1 = e.close_scope();
  CHECK(in1.read_latency_cycles.count() == 1);
  CHECK(in1.read_latency_cycles.max() == 61);
  CHECK(in1.first_arrival_cycle == 0);  // nothing arrived in it
  CHECK(in1.last_completion_cycle == 161);
  CHECK(in1.queue_occupancy_max_bursts == 4);  // the level at its start
  CHECK(in1.elapsed_cycles == 200);
  CHECK(in1.bytes_read == 0);  // sums are not a scope's
  e.open_scope();              // inner 2, at 200
  // B: 64 B at 300 to A's open row: RD at 301, done 301 + 22 + 4 = 327 (latency 27).
  e.enqueue(Request{2, 0, 64, false}, 300);
  e.run_until(400);
  const DramStats in2 = e.close_scope();
  CHECK(in2.read_latency_cycles.count() == 1);
  CHECK(in2.read_latency_cycles.max() == 27);
  CHECK(in2.first_arrival_cycle == 300);
  CHECK(in2.last_completion_cycle == 327);
  CHECK(in2.queue_occupancy_max_bursts == 1);  // not inner 1's 4
  const DramStats outer = e.close_scope();
  CHECK(outer.read_latency_cycles.count() == 2);
  CHECK(outer.read_latency_cycles.sum() == 61 + 27);
  CHECK(outer.first_arrival_cycle == 100);
  CHECK(outer.last_completion_cycle == 327);
  CHECK(outer.queue_occupancy_max_bursts == 4);
  const DramStats& run = e.stats();
  CHECK(run.read_latency_cycles.count() == 2);
  CHECK(run.first_arrival_cycle == 100);
  CHECK(run.queue_occupancy_max_bursts == 4);
  CHECK(run.bytes_read == 256 + 64);
  CHECK_THROWS_AS(e.close_scope(), std::logic_error);
}
