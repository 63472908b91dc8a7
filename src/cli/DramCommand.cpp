// `swiftkv-sim dram`: a memory request trace replayed straight into the DRAM timing core
// (no SystemC), and `swiftkv-sim dram gen`: sequential and random request traces.
//
// Presets: --dram takes a file path (anything naming an existing file or ending in .yaml)
// or a preset name, looked up as <config-dir>/<name>.yaml; --config-dir defaults to
// configs/dram relative to the working directory (run from the repository root).

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/Commands.h"
#include "common/Error.h"
#include "common/InputFile.h"
#include "common/Progress.h"
#include "config/DramConfigLoader.h"
#include "models/dram/DramConfig.h"
#include "models/dram/DramEngine.h"
#include "models/dram/DramStats.h"
#include "models/dram/Replay.h"
#include "models/dram/RequestTrace.h"

namespace skv::cli {

namespace {

// The `dram --json` file's layout: 2 since its counters come from the stats registry
// (commands as <type>_commands, latencies as histograms, busy_span_bandwidth_pct).
constexpr int kDramReportVersion = 2;

struct ReplayOptions {
  std::string dram;
  std::string trace;
  std::string json;
  std::string config_dir = "configs/dram";
  std::string command_log;
  std::uint32_t default_bytes = 64;
  bool quiet = false;
};

struct GenOptions {
  std::string pattern = "seq";
  std::uint64_t count = 0;
  std::string out;
  std::uint32_t bytes = 64;
  std::uint32_t write_pct = 0;
  std::uint64_t seed = 1;
  std::string start = "0";
  std::string footprint = "1G";
  std::uint64_t interval = 0;
};

std::uint64_t count_lines(const std::string& path) {
  check_readable_file(path, "request trace");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open request trace", path));
  std::vector<char> buf(1 << 16);
  std::uint64_t n = 0;
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    const auto got = static_cast<std::size_t>(in.gcount());
    for (std::size_t i = 0; i < got; ++i) n += buf[i] == '\n';
  }
  return n;
}

// "4096", "0x1000", "64K", "1G" (binary multiples).
std::uint64_t parse_bytes(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  std::uint64_t v = 0;
  const auto first = text.find_first_not_of(" \t");
  if (first != std::string::npos && text[first] == '-') {
    throw InputError(fmt::format("{}: '{}' is negative (allowed: a byte count >= 0)", option, text));
  }
  try {
    v = std::stoull(text, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string suffix = text.substr(used);
  std::uint64_t mult = 1;
  if (suffix == "K" || suffix == "KiB")
    mult = 1ull << 10;
  else if (suffix == "M" || suffix == "MiB")
    mult = 1ull << 20;
  else if (suffix == "G" || suffix == "GiB")
    mult = 1ull << 30;
  else if (!suffix.empty() || used == 0) {
    throw InputError(
        fmt::format("{}: '{}' is not a byte count (allowed: an integer, decimal or "
                    "0x hex, optionally followed by K, M or G)",
                    option, text));
  }
  if (v > std::numeric_limits<std::uint64_t>::max() / mult) {
    throw InputError(fmt::format("{}: '{}' is more than 2^64 bytes (allowed: up to 16 EiB - 1)",
                                 option, text));
  }
  return v * mult;
}

int replay(const ReplayOptions& o) {
  const dram::DramConfig cfg = dram::load_dram_preset(o.dram, o.config_dir);
  const std::uint64_t lines = count_lines(o.trace);
  dram::RequestTraceReader reader(o.trace, o.default_bytes);
  dram::DramEngine engine(cfg);

  std::unique_ptr<std::ofstream> log;
  if (!o.command_log.empty()) {
    log = std::make_unique<std::ofstream>(o.command_log);
    if (!*log) throw InputError(fmt::format("{}: cannot write the command log", o.command_log));
    *log << "# cycle channel rank bank_group bank command row column\n";
    engine.set_command_observer([&log](const dram::CommandRecord& r) {
      *log << fmt::format("{} {} {} {} {} {} {} {}\n", r.cycle, r.channel, r.rank, r.bank_group,
                          r.bank, dram::command_name(r.command), r.row, r.column);
    });
  }

  Progress progress("dram: requests", lines, o.quiet);
  const auto wall_start = std::chrono::steady_clock::now();
  const std::uint64_t id = dram::replay_requests(
      engine,
      [&reader, &o, &cfg](dram::TraceRequest& r) {
        if (!reader.next(r)) return false;
        const std::string why = dram::outside_device(r, cfg.org.capacity_bytes());
        if (!why.empty()) {
          throw InputError(fmt::format("{}:{}: DRAM {}: {}", o.trace, reader.line(), cfg.name,
                                       why));
        }
        return true;
      },
      [&](std::uint64_t) { progress.update(reader.line()); });
  progress.finish();
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (id == 0) throw InputError(fmt::format("{}: no requests in the trace", o.trace));

  const dram::DramStats& s = engine.stats();
  fmt::print("{}", dram::format_table(s, cfg));
  fmt::print("  {:<28} {:.3f} s ({:.2f} M requests/s simulated)\n", "wall time", wall_s,
             wall_s > 0 ? static_cast<double>(id) / wall_s * 1e-6 : 0.0);
  if (!o.json.empty()) {
    nlohmann::json j = {{"command", "dram"},
                        {"format_version", kDramReportVersion},
                        {"trace", o.trace},
                        {"dram", dram::to_json(s, cfg)},
                        {"wall_time_s", wall_s}};
    std::ofstream out(o.json);
    out << j.dump(2) << '\n';
    out.close();
    if (!out) throw InputError(write_error(o.json, "the statistics", errno));
    fmt::print("  {:<28} {}\n", "wrote", o.json);
  }
  return 0;
}

int generate(const GenOptions& o) {
  dram::TraceSpec spec;
  spec.pattern = o.pattern == "seq" ? dram::TracePattern::Sequential : dram::TracePattern::Random;
  spec.count = o.count;
  spec.bytes = o.bytes;
  spec.write_pct = o.write_pct;
  spec.seed = o.seed;
  spec.start = parse_bytes("--start", o.start);
  spec.footprint = parse_bytes("--footprint", o.footprint);
  spec.interval_cycles = o.interval;
  if (spec.start > std::numeric_limits<std::uint64_t>::max() - spec.footprint) {
    throw InputError(fmt::format(
        "--start: 0x{:x} plus --footprint {} bytes runs past the 64-bit address space "
        "(allowed: --start + --footprint <= 2^64)",
        spec.start, spec.footprint));
  }
  if (spec.interval_cycles != 0 && spec.count - 1 > dram::kMaxIssueCycle / spec.interval_cycles) {
    throw InputError(fmt::format(
        "--interval: {} cycles times {} requests is past the latest issue cycle a trace may "
        "give ({})",
        spec.interval_cycles, spec.count, dram::kMaxIssueCycle));
  }
  if (spec.footprint < spec.bytes) {
    throw InputError(fmt::format("--footprint: {} bytes is less than one request of {} bytes",
                                 spec.footprint, spec.bytes));
  }
  std::ofstream out(o.out);
  if (!out) throw InputError(write_error(o.out, "the trace", errno));
  dram::write_trace(out, spec);
  out.close();
  if (!out) throw InputError(write_error(o.out, "the trace", errno));
  fmt::print("wrote {} requests to {}\n", spec.count, o.out);
  return 0;
}

}  // namespace

void add_dram_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReplayOptions>();
  auto g = std::make_shared<GenOptions>();
  CLI::App* sub = app.add_subcommand(
      "dram", "Replay a memory request trace through the DRAM controller model (docs/dram.md)");
  sub->add_option("--dram", o->dram,
                  "DRAM preset name (looked up in --config-dir) or path to a preset .yaml");
  sub->add_option("--trace", o->trace, "Request trace: CYCLE R|W ADDRESS [BYTES] per line");
  sub->add_option("--json", o->json, "Write the statistics as JSON to this file");
  sub->add_option("--config-dir", o->config_dir, "Where preset names are looked up")
      ->capture_default_str();
  sub->add_option("--bytes", o->default_bytes, "Size of requests whose line gives none")
      ->check(CLI::Range(1u, 1u << 24))
      ->capture_default_str();
  sub->add_option("--command-log", o->command_log,
                  "Write every DRAM command (cycle, channel, rank, group, bank, command, row, "
                  "column) to this file");
  sub->add_flag("-q,--quiet", o->quiet, "No progress output");

  CLI::App* gen = sub->add_subcommand("gen", "Write a sequential or random request trace");
  gen->add_option("--pattern", g->pattern, "Address pattern")
      ->check(CLI::IsMember({"seq", "random"}))
      ->capture_default_str();
  // 2^32 requests: a trace of some 80 GiB.
  gen->add_option("--count", g->count, "Number of requests")
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  gen->add_option("--out", g->out, "Output trace file")->required();
  gen->add_option("--bytes", g->bytes, "Bytes per request (random addresses align to it)")
      ->check(CLI::Range(1u, 1u << 24))
      ->capture_default_str();
  gen->add_option("--write-pct", g->write_pct, "Percentage of writes")
      ->check(CLI::Range(0u, 100u))
      ->capture_default_str();
  gen->add_option("--seed", g->seed, "Random seed")->capture_default_str();
  gen->add_option("--start", g->start, "First byte address (e.g. 0x40000000)")
      ->capture_default_str();
  gen->add_option("--footprint", g->footprint,
                  "Address range in bytes from --start (K, M, G suffixes)")
      ->capture_default_str();
  gen->add_option("--interval", g->interval,
                  "Cycles between issue cycles (0: all at cycle 0, as fast as accepted)")
      ->capture_default_str();
  gen->callback([g, &exit_code] { exit_code = generate(*g); });

  sub->callback([sub, gen, o, &exit_code] {
    if (gen->parsed()) return;
    if (o->dram.empty() || o->trace.empty()) {
      throw CLI::RequiredError("dram: --dram and --trace (or the subcommand gen)");
    }
    exit_code = replay(*o);
  });
}

}  // namespace skv::cli
