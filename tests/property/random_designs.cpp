// Seeded property test over random design points: each draw writes a hardware config
// (a shipped DRAM preset by name, or one of them inline with another controller), a
// small model, a decode trace and an attention algorithm, then asks the swiftkv-sim
// binary to validate them and, if validate accepts them, to run them. Every draw must
// either be refused by validate with one clear line per refused file, or run to the end
// with a report that counts every trace row.
//
// SKV_PROPERTY_SEED (default kDefaultSeed) and SKV_PROPERTY_DRAWS (default kDefaultDraws)
// choose the draws; each draw's generator is seeded from the seed and the draw's index
// alone, so draw N is the same file set whatever the draw count. SKV_PROPERTY_ONLY=N runs
// draw N alone. A failing draw's files are kept in <build dir>/property-failures/.

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/IntMath.h"
#include "support/RunCli.h"
#include "support/TempDir.h"

namespace fs = std::filesystem;
using skv::test::CliResult;
using skv::test::read_file;
using skv::test::run_cli_with_timeout;
using skv::test::source_path;
using skv::test::TempDir;

namespace {

constexpr std::uint64_t kDefaultSeed = 20250101;
constexpr std::uint64_t kDefaultDraws = 320;
constexpr auto kRunLimit = std::chrono::seconds(60);
constexpr unsigned kWorkers = 2;  // children running at a time
const std::string kErrorPrefix = "swiftkv-sim: error: ";

// ---- Random numbers: the raw 64-bit output of std::mt19937_64 (fixed by the standard)
// turned into ranges by our own arithmetic, so a seed draws the same designs everywhere.

// SplitMix64's finaliser: a draw's seed from the run's seed and the draw's index.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : gen_(seed) {}

  // Uniform in [lo, hi] (the modulo bias is below 2^-50 for these small spans).
  std::uint64_t range(std::uint64_t lo, std::uint64_t hi) { return lo + gen_() % (hi - lo + 1); }

  // Log-uniform in [lo, hi] (lo >= 1): a power of two first, then a value within it, so
  // small values are as likely as large ones.
  std::uint64_t log_range(std::uint64_t lo, std::uint64_t hi) {
    const unsigned e = static_cast<unsigned>(range(skv::floor_log2(lo), skv::floor_log2(hi)));
    const std::uint64_t from = std::max(lo, std::uint64_t{1} << e);
    const std::uint64_t to = std::min(hi, (std::uint64_t{1} << (e + 1)) - 1);
    return range(from, to);
  }

  // True with probability num / den.
  bool chance(std::uint64_t num, std::uint64_t den) { return range(1, den) <= num; }

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<std::size_t>(range(0, v.size() - 1))];
  }
  std::uint64_t pick(std::initializer_list<std::uint64_t> v) {
    return *(v.begin() + range(0, v.size() - 1));
  }

 private:
  std::mt19937_64 gen_;
};

// ---- The shipped DRAM presets.

struct Preset {
  std::string name;  // file stem, as `preset:` names it
  std::string text;
  std::uint64_t burst_bytes = 0;
};

// The whole-number value of the first line whose key (after its indentation) is `key`;
// 0 if there is none.
std::uint64_t value_of(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(' ');
    if (first == std::string::npos || line.compare(first, key.size() + 1, key + ":") != 0) continue;
    return std::strtoull(line.c_str() + first + key.size() + 1, nullptr, 10);
  }
  return 0;
}

std::vector<Preset> shipped_presets() {
  std::vector<Preset> out;
  for (const auto& e : fs::directory_iterator(source_path("configs/dram"))) {
    if (e.path().extension() != ".yaml") continue;
    Preset p;
    p.name = e.path().stem().string();
    p.text = read_file(e.path().string());
    p.burst_bytes = value_of(p.text, "bus_width_bits") / 8 * value_of(p.text, "burst_length");
    out.push_back(p);
  }
  std::sort(out.begin(), out.end(),
            [](const Preset& a, const Preset& b) { return a.name < b.name; });
  return out;
}

// `text` with the value of every `key:` line replaced by `value` (its comment dropped).
std::string with_value(const std::string& text, const std::string& key, const std::string& value) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos && line.compare(first, key.size() + 1, key + ":") == 0) {
      line = line.substr(0, first) + key + ": " + value;
    }
    out << line << '\n';
  }
  return out.str();
}

std::string indented(const std::string& text, const std::string& by) {
  std::istringstream in(text);
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) out << (line.empty() ? "" : by) << line << '\n';
  return out.str();
}

// ---- One draw: the file texts of a design point.

struct Draw {
  std::string hw;     // hw/draw.yaml
  std::string model;  // model.yaml
  std::string trace;  // decode.trace
  std::string algo;
  std::string preset;  // the preset used (by name or inline)
  std::uint64_t rows = 0;
  std::uint64_t batches = 0;
  std::string summary;  // one line for messages
};

Draw make_draw(std::uint64_t seed, std::uint64_t index, const std::vector<Preset>& presets) {
  Rng r(mix(seed ^ mix(index)));
  Draw d;
  std::ostringstream hw;
  std::ostringstream summary;

  // Hardware.
  const Preset& preset = r.pick(presets);
  d.preset = preset.name;
  const std::uint64_t rows = r.log_range(2, 128);
  const std::uint64_t cols = r.log_range(2, 128);
  const std::uint64_t macs = r.range(1, 8);
  std::uint64_t slots = r.range(1, 8);
  std::uint64_t heads_in_parallel = r.log_range(1, 16);
  std::uint64_t dot = r.log_range(1, 64);
  std::uint64_t accum = r.log_range(1, 64);
  // Most draws fit the attention multipliers on the array; one in ten is left as drawn.
  if (r.chance(9, 10)) {
    while (heads_in_parallel * (dot + accum) * slots > rows * cols * macs) {
      if (dot > 1 && dot >= accum) {
        dot /= 2;
      } else if (accum > 1) {
        accum /= 2;
      } else if (heads_in_parallel > 1) {
        heads_in_parallel /= 2;
      } else {
        slots = std::max<std::uint64_t>(1, slots / 2);
        if (slots == 1) break;
      }
    }
  }
  hw << "# property draw " << index << " of seed " << seed << "\n"
     << "name: property-" << seed << "-" << index << "\n"
     << "clock_mhz: " << r.pick({100, 200, 250, 300, 400, 500}) << "\n"
     << "processor_array:\n"
     << "  rows: " << rows << "\n"
     << "  cols: " << cols << "\n"
     << "  macs_per_pe_per_cycle: " << macs << "\n";
  if (r.chance(1, 4)) hw << "  weight_bits: " << r.pick({4, 8, 16}) << "\n";
  if (r.chance(1, 4)) hw << "  activation_bits: " << r.pick({8, 16}) << "\n";
  hw << "  fxp32_mac_slots: " << slots << "\n";
  if (r.chance(3, 4)) hw << "  vector_lanes: " << r.log_range(1, 256) << "\n";
  if (r.chance(1, 4)) hw << "  pipeline_fill_cycles: " << r.range(0, 300) << "\n";
  // One draw in four streams the O projection beside the attention, on the rows the
  // attention pipelines leave free: mostly the fewest rows that hold them (validate
  // refuses a partition that leaves the slices none), else any count (often refused).
  const bool o_streamed = r.chance(1, 4);
  if (o_streamed) {
    const std::uint64_t need = heads_in_parallel * (dot + accum) * slots;
    const std::uint64_t fewest = (need + cols * macs - 1) / (cols * macs);
    hw << "  attention_rows: "
       << (r.chance(3, 4) ? std::min(fewest + r.range(0, 2), rows) : r.range(0, rows)) << "\n";
  }
  hw << "attention:\n"
     << "  heads_in_parallel: " << heads_in_parallel << "\n"
     << "  dot_lanes: " << dot << "\n"
     << "  accum_lanes: " << accum << "\n"
     << "  max_latency_cycles: " << r.range(1, 4) << "\n"
     << "  exp2_latency_cycles: " << r.range(1, 8) << "\n"
     << "  accum_latency_cycles: " << r.range(1, 4) << "\n"
     << "  divide_latency_cycles: " << r.range(1, 40) << "\n"
     << "  divide_lanes: " << r.log_range(1, 16) << "\n"
     << "  tile_tokens: " << r.log_range(1, 256) << "\n";
  if (r.chance(1, 2)) hw << "  block_tokens: " << r.log_range(1, 256) << "\n";
  if (r.chance(1, 2)) hw << "  splitk_partitions: " << r.range(1, heads_in_parallel) << "\n";
  if (r.chance(1, 3)) hw << "  score_bits: " << r.range(8, 64) << "\n";
  const std::uint64_t capacity_kib = r.chance(1, 2) ? r.range(16, 256) : r.log_range(16, 4096);
  hw << "kv_sram:\n"
     << "  capacity_kib: " << capacity_kib << "\n"
     << "  banks: " << r.log_range(1, 32) << "\n"
     << "  bank_width_bytes: " << r.log_range(4, 128) << "\n"
     << "  ports: " << r.range(1, 4) << "\n"
     << "  access_latency_cycles: " << r.range(1, 8) << "\n";
  const std::uint64_t burst = preset.burst_bytes;
  const std::uint64_t request_bytes = burst * r.log_range((256 + burst - 1) / burst, 8192 / burst);
  const std::uint64_t max_batch = r.range(1, 4);
  hw << "memory:\n"
     << "  request_bytes: " << request_bytes << "\n"
     << "  max_outstanding: " << r.log_range(1, 128) << "\n"
     << "  max_batch: " << max_batch << "\n";
  const bool inline_dram = value_of(preset.text, "queue_depth") != 0 && r.chance(1, 4);
  if (inline_dram) {
    std::string text = with_value(preset.text, "queue_depth", std::to_string(r.log_range(1, 64)));
    text = with_value(
        text, "page_policy",
        r.pick(std::vector<std::string>{"open", "closed", "open_adaptive", "closed_adaptive"}));
    text = with_value(text, "scheduler", r.pick(std::vector<std::string>{"frfcfs", "fcfs"}));
    hw << "dram:\n" << indented(text, "  ");
  } else {
    hw << "dram:\n  preset: " << preset.name << "\n";
  }
  if (o_streamed) {
    hw << "overlap:\n  o_projection: head_streamed\n";
    if (r.chance(1, 2)) hw << "  weights: next_op\n";
  }
  d.hw = hw.str();

  // Model.
  const std::uint64_t heads = r.pick({1, 2, 4, 8});
  std::vector<std::uint64_t> divisors;
  for (std::uint64_t k = 1; k <= heads; k *= 2) divisors.push_back(k);
  const std::uint64_t kv_heads = r.pick(divisors);
  const std::uint64_t head_dim = r.pick({16, 32, 64, 128});
  const std::uint64_t hidden = r.chance(3, 4) ? heads * head_dim : r.log_range(16, 1024);
  const std::uint64_t layers = r.range(1, 2);
  const std::uint64_t max_context = r.log_range(64, 1024);
  std::ostringstream model;
  model << "# property draw " << index << " of seed " << seed << "\n"
        << "name: model-" << index << "\n"
        << "layers: " << layers << "\n"
        << "hidden_size: " << hidden << "\n"
        << "heads: " << heads << "\n"
        << "kv_heads: " << kv_heads << "\n"
        << "head_dim: " << head_dim << "\n"
        << "ffn_size: " << (r.chance(3, 4) ? hidden * r.range(1, 4) : r.log_range(16, 2048)) << "\n"
        << "ffn_kind: " << (r.chance(1, 2) ? "gated_silu" : "gelu") << "\n"
        << "vocab_size: " << r.range(64, 2000) << "\n"
        << "max_context: " << max_context << "\n"
        << "weight_bits: " << r.pick({4, 8, 16, 32}) << "\n"
        << "activation_bits: " << r.pick({4, 8, 16, 32}) << "\n"
        << "kv_bits: " << r.pick({8, 16, 32}) << "\n";
  d.model = model.str();

  // Trace: 1 to 3 batches of 1 to max_batch rows; a request of the previous batch goes on
  // decoding (next step, one more token) or stops, and new requests start anywhere below
  // max_context - batches, so every row has kv_len + 1 <= max_context.
  struct Live {
    std::uint64_t request, step, kv_len;
  };
  const std::uint64_t batches = r.range(1, 3);
  std::ostringstream trace;
  trace << "# swiftkv-decode-trace v1\n# property draw " << index << " of seed " << seed << "\n"
        << "batch,request,step,kv_len\n";
  std::vector<Live> live;
  std::uint64_t next_request = r.range(0, 5);
  std::uint64_t batch_id = r.range(0, 3);
  for (std::uint64_t b = 0; b < batches; ++b) {
    const std::uint64_t n = r.range(1, max_batch);
    std::vector<Live> batch;
    for (const Live& l : live) {
      if (batch.size() < n && r.chance(2, 3))
        batch.push_back({l.request, l.step + 1, l.kv_len + 1});
    }
    while (batch.size() < n) {
      batch.push_back({next_request, 0, r.range(0, max_context - 1 - batches)});
      next_request += r.range(1, 3);
    }
    if (batch.size() > 1 && r.chance(1, 3)) std::swap(batch.front(), batch.back());
    for (const Live& l : batch) {
      trace << batch_id << ',' << l.request << ',' << l.step << ',' << l.kv_len << '\n';
    }
    d.rows += batch.size();
    live = batch;
    batch_id += r.range(1, 3);
  }
  d.batches = batches;
  d.trace = trace.str();
  d.algo = r.pick(std::vector<std::string>{"swiftkv", "native", "flash", "flashdecoding"});

  summary << d.algo << " on " << rows << "x" << cols << ", DRAM " << preset.name
          << (inline_dram ? " (inline)" : "") << ", request_bytes " << request_bytes << ", KV SRAM "
          << capacity_kib << " KiB; model " << layers << " layers, " << heads << "/" << kv_heads
          << " heads of " << head_dim << ", max_context " << max_context << "; " << d.rows
          << " rows in " << batches << " batches"
          << (o_streamed ? "; O projection head-streamed" : "");
  d.summary = summary.str();
  return d;
}

// ---- Running a draw.

struct Paths {
  std::string hw, model, trace, out;
  std::vector<std::string> files;  // every input a message may name
};

Paths write_draw(const fs::path& root, const Draw& d, const std::vector<Preset>& presets) {
  auto write = [&root](const std::string& rel, const std::string& text) {
    const fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + p.string());
    return p.string();
  };
  Paths p;
  p.hw = write("hw/draw.yaml", d.hw);
  p.model = write("model.yaml", d.model);
  p.trace = write("decode.trace", d.trace);
  p.out = (root / "out").string();
  p.files = {p.hw, p.model, p.trace};
  for (const Preset& pr : presets) p.files.push_back(write("dram/" + pr.name + ".yaml", pr.text));
  return p;
}

std::vector<std::string> validate_pair_args(const Paths& p, const Draw& d) {
  return {"validate", "--hw", p.hw, "--model", p.model, "--algo", d.algo};
}
std::vector<std::string> validate_files_args(const Paths& p) {
  return {"validate", p.hw, p.model, p.trace};
}
std::vector<std::string> run_args(const Paths& p, const Draw& d) {
  return {"run",   "--hw",   p.hw,   "--model", p.model, "--trace",
          p.trace, "--algo", d.algo, "-o",      p.out,   "-q"};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string first_line(const std::string& text) {
  const auto lines = lines_of(text);
  return lines.empty() ? "(nothing on stderr)" : lines.front();
}

// "SIGSEGV (11)" (strsignal is not safe to call from the worker threads).
std::string signal_name(int sig) {
  static const std::map<int, const char*> kNames = {
      {SIGSEGV, "SIGSEGV"}, {SIGABRT, "SIGABRT"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
      {SIGILL, "SIGILL"},   {SIGKILL, "SIGKILL"}, {SIGTERM, "SIGTERM"}, {SIGPIPE, "SIGPIPE"}};
  const auto it = kNames.find(sig);
  return std::string(it == kNames.end() ? "signal" : it->second) + " (" + std::to_string(sig) + ")";
}

// How a child that did not finish normally ended; "" if it exited.
std::string abnormal_end(const CliResult& r, const std::string& what) {
  if (r.hung) {
    return what + " still running after " + std::to_string(kRunLimit.count()) +
           " s (killed); stderr: " + first_line(r.err);
  }
  if (r.signal != 0) {
    return what + " killed by " + signal_name(r.signal) + "; stderr: " + first_line(r.err);
  }
  return "";
}

// The file an error line names ("" if it names none of `files`).
std::string named_file(const std::string& line, const std::vector<std::string>& files) {
  if (line.rfind(kErrorPrefix, 0) != 0) return "";
  const std::string rest = line.substr(kErrorPrefix.size());
  for (const auto& f : files) {
    if (rest.rfind(f + ":", 0) == 0) return f;
  }
  return "";
}

// What `validate` said, checked for form: exit 0 with one "ok:" line per item and nothing
// on stderr, or exit 1 with one "swiftkv-sim: error: <file>..." line per refused item.
struct Verdict {
  std::string failure;              // a finding, one line; "" if the output is well-formed
  std::vector<std::string> errors;  // the error lines
  std::vector<std::string> ok;      // the ok lines
};

Verdict check_validate(const CliResult& r, const std::string& what, std::size_t items,
                       const std::vector<std::string>& files) {
  Verdict v;
  v.failure = abnormal_end(r, what);
  if (!v.failure.empty()) return v;
  if (r.exit_code != 0 && r.exit_code != 1) {
    v.failure = what + " exited " + std::to_string(r.exit_code) + ": " + first_line(r.err);
    return v;
  }
  for (const auto& l : lines_of(r.out)) {
    if (l.rfind("ok: ", 0) == 0) v.ok.push_back(l);
  }
  v.errors = r.err_lines();
  if (!r.err.empty() && r.err.back() != '\n') {
    v.failure = what + ": stderr does not end with a newline: " + first_line(r.err);
    return v;
  }
  for (const auto& l : v.errors) {
    if (named_file(l, files).empty()) {
      v.failure = what +
                  ": error line not of the form 'swiftkv-sim: error: <file>: ...' naming "
                  "one of the draw's files: " +
                  l;
      return v;
    }
  }
  if (r.exit_code == 0 && !v.errors.empty()) {
    v.failure = what + " exited 0 but wrote: " + v.errors.front();
  } else if (r.exit_code == 1 && v.errors.empty()) {
    v.failure = what + " exited 1 without an error line";
  } else if (v.ok.size() + v.errors.size() != items) {
    v.failure = what + ": " + std::to_string(v.ok.size()) + " ok lines and " +
                std::to_string(v.errors.size()) + " error lines for " + std::to_string(items) +
                " items" + (v.errors.empty() ? "" : "; first error: " + v.errors.front());
  }
  return v;
}

bool has_ok_for(const Verdict& v, const std::string& file) {
  return std::any_of(v.ok.begin(), v.ok.end(),
                     [&](const std::string& l) { return l.rfind("ok: " + file + ": ", 0) == 0; });
}

// "<file name>: <key>" of "swiftkv-sim: error: <file>[:<line>]: <key>: ...", for the
// tally of refusals.
std::string rejected_key(const std::string& line, const std::vector<std::string>& files) {
  const std::string file = named_file(line, files);
  std::string rest = line.substr(kErrorPrefix.size() + file.size() + 1);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits > 0 && digits < rest.size() && rest[digits] == ':') rest = rest.substr(digits + 1);
  const auto first = rest.find_first_not_of(' ');
  rest = first == std::string::npos ? "" : rest.substr(first);
  return fs::path(file).filename().string() + ": " + rest.substr(0, rest.find(':'));
}

struct Outcome {
  enum class Kind { Ran, Rejected, Failed } kind = Kind::Failed;
  std::string reason;  // Failed: the one-line finding; Rejected: the refused key
  std::string kept;    // Failed: where the files are
  std::string summary;
};

std::string command_line(const std::vector<std::string>& args) {
  std::string s = "swiftkv-sim";
  for (const auto& a : args) s += " " + a;
  return s;
}

// Copies a failing draw's files to keep/seed-S-draw-N with the reason, the commands
// (on the kept copies) and the failing child's output.
std::string keep_failure(const fs::path& from, const fs::path& keep_root, std::uint64_t seed,
                         std::uint64_t index, const Draw& d, const std::vector<Preset>& presets,
                         const std::string& reason, const CliResult* child) {
  const fs::path dest =
      keep_root / ("seed-" + std::to_string(seed) + "-draw-" + std::to_string(index));
  std::error_code ec;
  fs::remove_all(dest, ec);
  fs::create_directories(dest);
  fs::copy(from, dest, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const Paths kept = write_draw(dest, d, presets);
  std::ofstream(dest / "reason.txt")
      << "seed " << seed << ", draw " << index << ": " << reason << "\n"
      << d.summary << "\n";
  std::ofstream(dest / "commands.txt")
      << command_line(validate_pair_args(kept, d)) << "\n"
      << command_line(validate_files_args(kept)) << "\n"
      << command_line(run_args(kept, d)) << "\n"
      << "# or: SKV_PROPERTY_SEED=" << seed << " SKV_PROPERTY_ONLY=" << index
      << " ctest --test-dir build/release -L property\n";
  if (child) {
    std::ofstream(dest / "child.stdout") << child->out;
    std::ofstream(dest / "child.stderr") << child->err;
  }
  return dest.string();
}

Outcome check_draw(std::uint64_t seed, std::uint64_t index, const std::vector<Preset>& presets,
                   const fs::path& keep_root) {
  const Draw d = make_draw(seed, index, presets);
  TempDir dir;
  const Paths p = write_draw(dir.path(), d, presets);
  Outcome o;
  o.summary = d.summary;
  auto fail = [&](const std::string& reason, const CliResult* child) {
    o.kind = Outcome::Kind::Failed;
    o.reason = reason;
    o.kept = keep_failure(dir.path(), keep_root, seed, index, d, presets, reason, child);
    return o;
  };

  const CliResult pair = run_cli_with_timeout(validate_pair_args(p, d), kRunLimit);
  const Verdict vp = check_validate(pair, "validate --hw --model --algo", 1, p.files);
  if (!vp.failure.empty()) return fail(vp.failure, &pair);
  const CliResult files = run_cli_with_timeout(validate_files_args(p), kRunLimit);
  const Verdict vf = check_validate(files, "validate hw model trace", 3, p.files);
  if (!vf.failure.empty()) return fail(vf.failure, &files);

  // The trace is well-formed by construction, and validate counts its rows.
  const std::string trace_ok =
      "ok: " + p.trace + ": decode trace, " + std::to_string(d.rows) + " steps";
  if (std::find(vf.ok.begin(), vf.ok.end(), trace_ok) == vf.ok.end()) {
    return fail("validate did not report '" + trace_ok + "'" +
                    (vf.errors.empty() ? "" : "; first error: " + vf.errors.front()),
                &files);
  }
  // A pair validate accepts is made of files validate accepts, and a file validate
  // refuses makes the pair refused.
  const bool files_ok = has_ok_for(vf, p.hw) && has_ok_for(vf, p.model);
  if (pair.exit_code == 0 && !files_ok) {
    return fail("validate --hw --model accepted the pair but validate refused a file: " +
                    (vf.errors.empty() ? std::string("?") : vf.errors.front()),
                &files);
  }
  if (pair.exit_code != 0 || files.exit_code != 0) {
    o.kind = Outcome::Kind::Rejected;
    o.reason = rejected_key(vp.errors.empty() ? vf.errors.front() : vp.errors.front(), p.files);
    return o;
  }

  const CliResult run = run_cli_with_timeout(run_args(p, d), kRunLimit);
  const std::string end = abnormal_end(run, "run");
  if (!end.empty()) return fail(end, &run);
  if (run.exit_code != 0) {
    return fail("run exited " + std::to_string(run.exit_code) + ": " + first_line(run.err), &run);
  }
  if (!run.err.empty()) return fail("run wrote to stderr: " + first_line(run.err), &run);
  bool have_report = false;
  const std::string report = read_file(p.out + "/report.json", &have_report);
  if (!have_report) return fail("run exited 0 without " + p.out + "/report.json", &run);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(report);
  } catch (const std::exception& e) {
    return fail(std::string("report.json does not parse: ") + e.what(), &run);
  }
  auto total = [&j](const char* key) -> std::uint64_t {
    const auto totals = j.find("totals");
    if (totals == j.end() || !totals->is_object()) return 0;
    const auto v = totals->find(key);
    return v != totals->end() && v->is_number_unsigned() ? v->get<std::uint64_t>() : 0;
  };
  const std::uint64_t steps = total("decode_steps");
  const std::uint64_t batches = total("batches");
  if (steps != d.rows || batches != d.batches) {
    return fail("report.json counts " + std::to_string(steps) + " decode steps in " +
                    std::to_string(batches) + " batches; the trace has " + std::to_string(d.rows) +
                    " rows in " + std::to_string(d.batches) + " batches",
                &run);
  }
  const std::size_t csv_lines = lines_of(read_file(p.out + "/steps.csv")).size();
  if (csv_lines != d.rows + 1) {
    return fail("steps.csv has " + std::to_string(csv_lines) + " lines for " +
                    std::to_string(d.rows) + " rows",
                &run);
  }
  o.kind = Outcome::Kind::Ran;
  return o;
}

// A whole number from the environment variable `name`, or `fallback` if it is unset.
std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v, &end, 10);
  if (*end != '\0' || errno != 0 || v[0] == '-') {
    throw std::runtime_error(std::string(name) + "='" + v + "' is not a whole number");
  }
  return n;
}

}  // namespace

TEST_CASE("random designs: a seed and a draw index give the same files every time", "[property]") {
  const auto presets = shipped_presets();
  REQUIRE(presets.size() >= 2);
  for (const Preset& p : presets) {
    INFO(p.name);
    CHECK((p.burst_bytes == 32 || p.burst_bytes == 64));
  }
  std::map<std::string, int> algos;
  for (std::uint64_t i = 0; i < 20; ++i) {
    const Draw a = make_draw(kDefaultSeed, i, presets);
    const Draw b = make_draw(kDefaultSeed, i, presets);
    CHECK(a.hw == b.hw);
    CHECK(a.model == b.model);
    CHECK(a.trace == b.trace);
    CHECK(a.algo == b.algo);
    ++algos[a.algo];
  }
  CHECK(algos.size() > 1);
  // Our ranges on the generator's raw output, not the library's distributions.
  Rng r(1);
  for (int i = 0; i < 1000; ++i) {
    const auto x = r.range(3, 9);
    CHECK((x >= 3 && x <= 9));
    const auto y = r.log_range(16, 4096);
    CHECK((y >= 16 && y <= 4096));
  }
}

TEST_CASE("run_program_with_timeout: a child past its limit is killed and reported as hung",
          "[property]") {
  using std::chrono::milliseconds;
  const auto start = std::chrono::steady_clock::now();
  const CliResult slow =
      skv::test::run_program_with_timeout("/bin/sleep", {"30"}, milliseconds(300));
  CHECK(slow.hung);
  CHECK(slow.signal == SIGKILL);
  // A child that closes its output and goes on running is caught too.
  const CliResult quiet = skv::test::run_program_with_timeout(
      "/bin/sh", {"-c", "exec >&- 2>&-; sleep 30"}, milliseconds(300));
  CHECK(quiet.hung);
  CHECK(quiet.signal == SIGKILL);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));

  const CliResult quick = skv::test::run_program_with_timeout("/bin/sh", {"-c", "echo hi; exit 3"},
                                                              milliseconds(10000));
  CHECK_FALSE(quick.hung);
  CHECK(quick.exit_code == 3);
  CHECK(quick.out == "hi\n");
}

TEST_CASE("random designs: each is refused by validate in one line or runs to the end",
          "[property]") {
  const std::uint64_t seed = env_number("SKV_PROPERTY_SEED", kDefaultSeed);
  const std::uint64_t draws = env_number("SKV_PROPERTY_DRAWS", kDefaultDraws);
  const char* only_env = std::getenv("SKV_PROPERTY_ONLY");
  const bool only = only_env != nullptr && *only_env != '\0';
  const std::uint64_t only_index = env_number("SKV_PROPERTY_ONLY", 0);
  const auto presets = shipped_presets();
  REQUIRE_FALSE(presets.empty());
  const fs::path keep_root = fs::path(SKV_BINARY).parent_path() / "property-failures";

  std::vector<std::uint64_t> indices;
  if (only) {
    indices.push_back(only_index);
    std::cout << "property: seed " << seed << ", draw " << only_index << " only" << std::endl;
  } else {
    for (std::uint64_t i = 0; i < draws; ++i) indices.push_back(i);
    std::cout << "property: seed " << seed << ", " << draws << " draws" << std::endl;
  }

  // Up to kWorkers children at a time; each worker takes the next draw.
  std::vector<Outcome> outcomes(indices.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t k = next++; k < indices.size(); k = next++) {
      try {
        outcomes[k] = check_draw(seed, indices[k], presets, keep_root);
      } catch (const std::exception& e) {
        outcomes[k].kind = Outcome::Kind::Failed;
        outcomes[k].reason = std::string("test harness error: ") + e.what();
      }
    }
  };
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < kWorkers; ++w) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::size_t ran = 0;
  std::size_t rejected = 0;
  std::size_t failed = 0;
  std::map<std::string, std::size_t> by_key;
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const Outcome& o = outcomes[k];
    if (o.kind == Outcome::Kind::Ran) ++ran;
    if (o.kind == Outcome::Kind::Rejected) {
      ++rejected;
      ++by_key[o.reason];
    }
    if (o.kind == Outcome::Kind::Failed) {
      ++failed;
      std::cout << "property: FAILED draw " << indices[k] << " of seed " << seed << ": " << o.reason
                << "\n  " << o.summary << "\n  files kept in "
                << (o.kept.empty() ? "(none)" : o.kept) << std::endl;
      FAIL_CHECK("draw " << indices[k] << " of seed " << seed << ": " << o.reason << " (files in "
                         << o.kept << ")");
    }
  }
  std::cout << "property: " << indices.size() << " draws, " << ran << " ran, " << rejected
            << " rejected by validate, " << failed << " failed (" << std::fixed
            << std::setprecision(1) << seconds << " s)" << std::endl;
  for (const auto& [key, n] : by_key) std::cout << "  rejected at " << key << ": " << n << "\n";
  std::cout.flush();

  // With the default draw count or more, most draws must get through validate and run.
  if (!only && draws >= kDefaultDraws) {
    INFO("too few draws ran: tune the distributions toward valid designs");
    CHECK(ran >= 200);
    CHECK(ran * 3 >= indices.size() * 2);
  }
}
