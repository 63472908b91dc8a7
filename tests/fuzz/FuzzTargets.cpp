#include "FuzzTargets.h"

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "common/Error.h"
#include "config/ConfigNode.h"
#include "config/DramConfigLoader.h"
#include "config/HwConfigLoader.h"
#include "config/ModelConfigLoader.h"
#include "models/dram/DramEngine.h"
#include "models/dram/Replay.h"
#include "models/dram/RequestTrace.h"
#include "sweep/SweepSpec.h"
#include "trace/ContextPolicy.h"
#include "trace/DecodeTrace.h"

// The sweep layer links the report layer, and through it libsystemc, which refers to
// sc_main. The fuzz binaries and fuzz_replay have a main of their own and never start a
// simulation, so this is never called (as tests/support/catch_main.cpp).
extern "C" int sc_main(int, char**) { return 1; }

namespace skv::fuzz {

namespace fs = std::filesystem;

namespace {

// An exception type no entry point catches (see finding()).
class Finding : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// The loaders that take a path read the input from a file in a folder of this process,
// laid out as configs/ is: hw/ and models/ beside a dram/ that is the shipped presets'
// folder, so that a hardware config's `dram: {preset: NAME}` finds them, and hw/ holds
// the reference hardware config, which the shipped variants (the seeds) name as `base`.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "skv-fuzz-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    fs::create_directories(dir_ / "hw");
    fs::create_directories(dir_ / "models");
    fs::create_directories(dir_ / "sweeps");
    fs::create_directory_symlink(fs::path(SKV_SOURCE_DIR) / "configs" / "dram", dir_ / "dram");
    fs::create_symlink(fs::path(SKV_SOURCE_DIR) / "configs" / "hw" / "swiftkv-mha-u55c.yaml",
                       dir_ / "hw" / "swiftkv-mha-u55c.yaml");
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // Writes `size` bytes to <dir>/<rel> and returns its path.
  std::string write(const std::string& rel, const std::uint8_t* data, std::size_t size) const {
    const std::string path = (dir_ / rel).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
    return path;
  }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }

 private:
  fs::path dir_;
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

// Runs `body`; bad input (InputError) is the expected way to refuse it. True when the
// input was accepted.
bool expect_input_errors(const std::function<void()>& body) {
  try {
    body();
    return true;
  } catch (const InputError&) {
    return false;
  }
}

// --- decode traces ---------------------------------------------------------------------

// The decode-trace reader, then the over-context filter (clip, at 4096 tokens) on what it
// accepts: batch ids increase, a batch's rows share its id and name distinct requests, the
// source lines increase, and a clipped row fits the context.
bool decode_trace(const std::uint8_t* data, std::size_t size) {
  return expect_input_errors([&] {
    std::istringstream in(text_of(data, size));
    trace::DecodeTraceReader reader(in, "fuzz.trace");
    constexpr std::uint64_t kContext = 4096;
    trace::TraceInput input;
    input.over_context = trace::OverContext::Clip;
    trace::ContextFilter filter(reader, kContext, input);
    std::vector<trace::DecodeStep> batch;
    bool first = true;
    std::uint64_t last_batch = 0;
    std::uint64_t last_line = 0;
    while (filter.next_batch(batch)) {
      if (batch.empty()) finding("an empty batch");
      if (!first && batch.front().batch <= last_batch) finding("batch ids do not increase");
      first = false;
      last_batch = batch.front().batch;
      std::set<std::uint64_t> requests;
      for (const auto& row : batch) {
        if (row.batch != last_batch) finding("a batch holds rows of another batch id");
        if (!requests.insert(row.request).second) finding("a request twice in one batch");
        if (row.line <= last_line) finding("source lines do not increase");
        last_line = row.line;
        if (row.kv_len >= kContext) finding("a clipped row does not fit the context");
      }
    }
  });
}

// --- request traces (trace import) -----------------------------------------------------

// A harness-only stop: the importer may expand one request into 2^24 rows, which is right
// but slow to fuzz; past this many rows the rest of the input is not looked at.
struct RowBudgetSpent {};
constexpr std::uint64_t kImportRowBudget = std::uint64_t{1} << 16;

// The request-CSV importer: every decode step it writes follows from its request's row
// (steps 0, 1, ... of a request, kv_len growing by one from ContextTokens, request ids
// increasing, batch ids 0, 1, ...) and stays within the tokens a request may reach; the written trace reads back.
bool request_csv(const std::uint8_t* data, std::size_t size) {
  return expect_input_errors([&] {
    std::istringstream in(text_of(data, size));
    std::ostringstream written;
    trace::DecodeStep last;
    std::uint64_t rows = 0;
    bool written_complete = true;
    try {
      trace::import_request_rows(in, "fuzz.csv", {}, [&](const trace::DecodeStep& row) {
        if (row.batch != rows) finding("batch ids are not 0, 1, 2, ...");
        if (rows > 0 && row.request == last.request) {
          if (row.step != last.step + 1 || row.kv_len != last.kv_len + 1) {
            finding("a request's steps do not follow each other");
          }
        } else if (row.step != 0 || (rows > 0 && row.request < last.request)) {
          // (a request with no generated tokens takes an id and writes no row)
          finding("a request does not start at step 0 after the one before");
        }
        if (row.kv_len >= trace::kMaxRequestTokens) finding("kv_len past the request limit");
        last = row;
        if (++rows > kImportRowBudget) throw RowBudgetSpent{};
        if (rows <= 4096) {
          written << row.batch << ',' << row.request << ',' << row.step << ',' << row.kv_len
                  << '\n';
        } else {
          written_complete = false;
        }
      });
    } catch (const RowBudgetSpent&) {
      return;
    }
    if (!written_complete || rows == 0) return;
    std::istringstream back(std::string(trace::kMagicV1) + "\n" + trace::kHeaderV1 + "\n" +
                            written.str());
    trace::DecodeTraceReader reader(back, "imported.trace");
    std::vector<trace::DecodeStep> batch;
    std::uint64_t read = 0;
    try {
      while (reader.next_batch(batch)) read += batch.size();
    } catch (const InputError& e) {
      finding(std::string("an imported trace does not read back: ") + e.what());
    }
    if (read != rows) finding("an imported trace reads back with another row count");
  });
}

// --- config files ----------------------------------------------------------------------

bool hw_config(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch().write("hw/fuzz.yaml", data, size);
  return expect_input_errors([&] { config::load_hw_config(path); });
}

bool model_config(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch().write("models/fuzz.yaml", data, size);
  return expect_input_errors([&] { config::load_model_config(path); });
}

// A DRAM preset, then an engine built from what the loader accepted.
bool dram_preset(const std::uint8_t* data, std::size_t size) {
  return expect_input_errors([&] {
    config::Node root = config::Node::load_string(text_of(data, size), "fuzz-dram.yaml");
    const dram::DramConfig cfg = dram::load_dram_config(root);
    dram::DramEngine engine(cfg);
    if (engine.stats().requests != 0) finding("a new engine has requests");
  });
}

// A sweep file, then its points (when there are at most 4096): one value per axis each,
// and a directory name of [A-Za-z0-9._-] alone, distinct across points.
bool sweep_file(const std::uint8_t* data, std::size_t size) {
  return expect_input_errors([&] {
    const sweep::SweepSpec spec = sweep::parse_sweep_spec(
        text_of(data, size), scratch().path("sweeps/fuzz.yaml"), scratch().path("sweeps"));
    if (spec.point_count() > 4096) return;
    const auto points = sweep::expand_points(spec);
    if (points.size() != spec.point_count()) finding("expand_points disagrees with point_count");
    std::set<std::string> names;
    for (const auto& p : points) {
      if (p.values.size() != spec.axes().size()) finding("a point without one value per axis");
      const std::string name = sweep::point_dir_name(spec, p);
      for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) finding("a point's directory name holds '" + std::string(1, c) + "'");
      }
      if (!names.insert(name).second) finding("two points with one directory name");
    }
  });
}

// --- DRAM request traces ---------------------------------------------------------------

// The DRAM request-trace reader, every request checked against the HBM2 preset's
// capacity (as `swiftkv-sim dram` does); the first 64 requests issued before cycle 20,000
// are then replayed through the engine, which must complete each of them with its bytes.
bool dram_requests(const std::uint8_t* data, std::size_t size) {
  static const dram::DramConfig cfg = dram::load_dram_preset(
      (fs::path(SKV_SOURCE_DIR) / "configs" / "dram" / "hbm2-u55c.yaml").string(), "");
  return expect_input_errors([&] {
    std::istringstream in(text_of(data, size));
    dram::RequestTraceReader reader(in, "fuzz.trace");
    std::vector<dram::TraceRequest> replay;
    dram::TraceRequest r;
    std::uint64_t last_cycle = 0;
    while (reader.next(r)) {
      if (r.cycle < last_cycle) finding("issue cycles go back");
      last_cycle = r.cycle;
      if (r.bytes == 0) finding("a request of 0 bytes");
      const std::string why = dram::outside_device(r, cfg.org.capacity_bytes());
      if (!why.empty()) throw InputError(why);
      if (replay.size() < 64 && r.cycle < 20000) replay.push_back(r);
    }
    dram::DramEngine engine(cfg);
    std::size_t next = 0;
    std::uint64_t bytes = 0;
    const std::uint64_t n = dram::replay_requests(
        engine,
        [&](dram::TraceRequest& out) {
          if (next == replay.size()) return false;
          out = replay[next++];
          bytes += out.bytes;
          return true;
        },
        [](std::uint64_t) {});
    const dram::DramStats& s = engine.stats();
    if (n != replay.size() || s.requests != n || s.requests_completed != n ||
        s.reads + s.writes != n || s.bytes_read + s.bytes_written != bytes) {
      finding(fmt::format("a replay of {} requests ({} bytes) completed {} with {} bytes",
                          replay.size(), bytes, s.requests_completed,
                          s.bytes_read + s.bytes_written));
    }
  });
}

}  // namespace

void finding(const std::string& what) { throw Finding("fuzz check failed: " + what); }

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {
      {"decode_trace", "decode-trace reader and the over-context filter", decode_trace},
      {"request_csv", "request-CSV importer (trace import), its rows read back", request_csv},
      {"hw_config", "hardware config loader (DRAM presets by name from configs/dram)",
       hw_config},
      {"model_config", "model description loader", model_config},
      {"dram_preset", "DRAM preset loader, and an engine built from it", dram_preset},
      {"sweep_file", "sweep file parser, its points and their directory names", sweep_file},
      {"dram_requests", "DRAM request-trace reader, the first requests replayed on HBM2",
       dram_requests},
  };
  return all;
}

const Target* find_target(const std::string& name) {
  for (const Target& t : targets()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

}  // namespace skv::fuzz
