#include "sweep/SweepSpec.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "common/Error.h"
#include "common/InputFile.h"
#include "config/ConfigNode.h"
#include "sweep/HwOverlay.h"

namespace skv::sweep {

namespace fs = std::filesystem;

void SourceRef::fail(const std::string& reason) const {
  if (line <= 0) throw InputError(fmt::format("{}: {}: {}", file, key_path, reason));
  throw InputError(fmt::format("{}:{}: {}: {}", file, line, key_path, reason));
}

std::vector<const Axis*> SweepSpec::axes() const {
  std::vector<const Axis*> out;
  for (const auto& g : groups) {
    for (const auto& a : g.axes) out.push_back(&a);
  }
  return out;
}

const Axis* SweepSpec::find_axis(const std::string& key) const {
  for (const Axis* a : axes()) {
    if (a->key == key) return a;
  }
  return nullptr;
}

std::size_t SweepSpec::point_count() const {
  std::size_t n = groups.empty() ? 0 : 1;
  for (const auto& g : groups) {
    if (g.size() != 0 && n > kMaxPoints / g.size()) return kMaxPoints + 1;
    n *= g.size();
  }
  return n;
}

namespace {

// A dotted key: names of letters, digits and '_' joined by '.'.
bool is_dotted_key(const std::string& k) {
  if (k.empty() || k.front() == '.' || k.back() == '.') return false;
  for (std::size_t i = 0; i < k.size(); ++i) {
    const char c = k[i];
    const bool ok =
        std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c == '.' && k[i - 1] != '.');
    if (!ok) return false;
  }
  return true;
}

bool parse_uint(const std::string& s, std::uint64_t& out) {
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), last, out);
  return ec == std::errc() && ptr == last && !s.empty();
}

// A number as written: an integer if it reads as one, else a finite real.
struct Number {
  bool is_int = false;
  std::int64_t i = 0;
  double d = 0;
};

Number parse_number(const std::string& s, const SourceRef& where, const char* what) {
  Number n;
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), last, n.i);
  if (ec == std::errc() && ptr == last && !s.empty()) {
    n.is_int = true;
    n.d = static_cast<double>(n.i);
    return n;
  }
  try {
    std::size_t used = 0;
    n.d = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(n.d)) throw std::invalid_argument(s);
  } catch (const std::exception&) {
    where.fail(fmt::format("{} '{}' is not a number", what, s));
  }
  return n;
}

std::string format_real(double v) { return fmt::format("{:.12g}", v); }

std::string resolve(const std::string& base_dir, const std::string& p) {
  const fs::path path(p);
  if (path.is_absolute() || base_dir.empty()) return path.lexically_normal().string();
  return (fs::path(base_dir) / path).lexically_normal().string();
}

SourceRef ref_of(const config::Node& parent, const std::string& key) {
  return SourceRef{parent.file(), parent.line_of(key), parent.key_path(key)};
}

// One axis `key: VALUES` inside `parent` (an item of axes, or a zip group); `raw` is the
// value node, read alongside `parent` because config::Node does not list a mapping's keys.
Axis parse_axis(config::Node& parent, const std::string& key, const YAML::Node& raw) {
  Axis axis;
  axis.key = key;
  axis.where = ref_of(parent, key);
  if (raw.IsSequence()) {
    std::vector<config::Node> items = parent.sequence(key);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!raw[i].IsScalar()) items[i].fail_here("expected a single value");
      axis.values.push_back(raw[i].Scalar());
    }
    if (axis.values.empty()) parent.fail(key, "an empty list of values");
  } else if (raw.IsMap()) {
    config::Node range = parent.child(key);
    const std::string from = range.get_string("from");
    const std::string to = range.get_string("to");
    const std::string step = range.get_string_or("step", "");
    const std::string factor = range.get_string_or("factor", "");
    range.finish();
    axis.values = expand_range(from, to, step, factor, axis.where);
  } else {
    axis.values.push_back(parent.get_string(key));  // one fixed value
  }
  return axis;
}

}  // namespace

std::vector<std::string> expand_range(const std::string& from_text, const std::string& to_text,
                                      const std::string& step_text, const std::string& factor_text,
                                      const SourceRef& where) {
  if (step_text.empty() == factor_text.empty()) {
    where.fail(
        "a range takes either 'step' (arithmetic) or 'factor' (geometric), not both or "
        "neither");
  }
  const Number from = parse_number(from_text, where, "from");
  const Number to = parse_number(to_text, where, "to");
  if (to.d < from.d)
    where.fail(fmt::format("'to' ({}) is less than 'from' ({})", to_text, from_text));
  std::vector<std::string> out;
  auto push = [&](std::string v) {
    if (out.size() >= kMaxAxisValues) {
      where.fail(fmt::format("the range gives more than {} values", kMaxAxisValues));
    }
    out.push_back(std::move(v));
  };
  if (!step_text.empty()) {
    const Number step = parse_number(step_text, where, "step");
    if (step.d <= 0) where.fail(fmt::format("step {} must be greater than 0", step_text));
    if (from.is_int && to.is_int && step.is_int) {
      for (std::int64_t v = from.i; v <= to.i; v += step.i) {
        push(std::to_string(v));
        if (v > std::numeric_limits<std::int64_t>::max() - step.i) break;
      }
    } else {
      // Each value from `from` directly, so rounding does not accumulate.
      const double slack = 1e-9 * step.d;
      for (std::size_t i = 0;; ++i) {
        const double v = from.d + static_cast<double>(i) * step.d;
        if (v > to.d + slack) break;
        push(format_real(v));
      }
    }
  } else {
    const Number factor = parse_number(factor_text, where, "factor");
    if (factor.d <= 1) where.fail(fmt::format("factor {} must be greater than 1", factor_text));
    if (from.d <= 0)
      where.fail(fmt::format("a geometric range needs 'from' > 0, not {}", from_text));
    if (from.is_int && to.is_int && factor.is_int) {
      for (std::int64_t v = from.i; v <= to.i; v *= factor.i) {
        push(std::to_string(v));
        if (v > std::numeric_limits<std::int64_t>::max() / factor.i) break;
      }
    } else {
      const double slack = 1 + 1e-9;
      for (std::size_t i = 0;; ++i) {
        const double v = from.d * std::pow(factor.d, static_cast<double>(i));
        if (v > to.d * slack) break;
        push(format_real(v));
      }
    }
  }
  return out;
}

void check_sweep_spec(const SweepSpec& spec) {
  std::vector<const Axis*> seen;
  for (const auto& g : spec.groups) {
    for (const Axis& a : g.axes) {
      for (const Axis* s : seen) {
        if (s->key == a.key) {
          a.where.fail(fmt::format("already an axis (at line {})", s->where.line));
        }
      }
      seen.push_back(&a);
      if (a.values.empty()) a.where.fail("an axis needs at least one value");
      if (a.values.size() != g.size()) {
        a.where.fail(
            fmt::format("{} values, but the first axis of its zip group ({}) has {}; "
                        "zipped axes take their values together, so they need as many",
                        a.values.size(), g.axes.front().key, g.size()));
      }
      if (a.key == kAlgorithmAxis) {
        for (const auto& v : a.values) {
          if (!tlmx::parse_attention_algo(v)) {
            a.where.fail(
                fmt::format("'{}' is not an algorithm (allowed: {})", v, tlmx::attention_algo_list()));
          }
        }
      } else if (a.key == kKvLenAxis) {
        if (!spec.trace.file.empty()) {
          a.where.fail(
              "a kv_len axis needs a generated trace (trace: {generate_tokens: N, ...}), "
              "not a trace file");
        }
        for (const auto& v : a.values) {
          std::uint64_t n = 0;
          if (!parse_uint(v, n))
            a.where.fail(fmt::format("'{}' is not a whole number of tokens", v));
        }
      } else {
        if (!is_dotted_key(a.key)) {
          a.where.fail(
              "not an axis: expected a dotted key of the hardware config (e.g. "
              "processor_array.rows), 'algorithm' or 'kv_len'");
        }
        hw_axis_key(a.key, a.where);
        for (const auto& v : a.values) {
          if (v.empty()) a.where.fail("an empty value");
        }
      }
    }
  }
  if (seen.empty()) {
    throw InputError(fmt::format("{}: a sweep needs at least one axis", spec.source_file));
  }
  if (spec.point_count() > kMaxPoints) {
    throw InputError(
        fmt::format("{}: the axes give more than {} points", spec.source_file, kMaxPoints));
  }
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& source_name,
                           const std::string& base_dir) {
  config::Node root = config::Node::load_string(text, source_name);
  const YAML::Node raw = YAML::Load(text);  // the same text; syntax already checked
  SweepSpec spec;
  spec.source_file = source_name;
  spec.name = root.get_string_or("name", fs::path(source_name).stem().string());
  spec.hw_file = resolve(base_dir, root.get_string("hw"));
  spec.model_file = resolve(base_dir, root.get_string("model"));

  std::vector<config::Node> items = root.sequence("axes");
  const YAML::Node raw_items = raw["axes"];
  for (std::size_t i = 0; i < items.size(); ++i) {
    config::Node& item = items[i];
    const YAML::Node r = raw_items[i];
    if (!r.IsMap() || r.size() != 1) {
      item.fail_here(
          "each item of axes is one axis 'KEY: VALUES' or one 'zip:' group of axes "
          "(to vary several keys together)");
    }
    const std::string key = r.begin()->first.Scalar();
    const YAML::Node value = r.begin()->second;
    AxisGroup group;
    if (key == "zip") {
      config::Node zip = item.child("zip");
      for (auto it = value.begin(); it != value.end(); ++it) {
        // A key twice: a lookup by key would find the first one's values, not this one's.
        for (const Axis& seen : group.axes) {
          if (seen.key == it->first.Scalar()) {
            zip.fail(seen.key, "appears twice in this zip group");
          }
        }
        group.axes.push_back(parse_axis(zip, it->first.Scalar(), it->second));
      }
      if (group.axes.size() < 2) item.fail("zip", "a zip group needs at least two axes");
      zip.finish();
    } else {
      group.axes.push_back(parse_axis(item, key, value));
    }
    item.finish();
    spec.groups.push_back(std::move(group));
  }

  const Axis* kv_axis = spec.find_axis(kKvLenAxis);
  if (!root.has("trace")) {
    root.get_string("trace");  // names the missing key, or the key that misspells it
  }
  if (raw["trace"].IsMap()) {
    config::Node t = root.child("trace");
    auto& g = spec.trace.generate;
    g.requests = t.get_uint_or("requests", 1, std::uint64_t{1} << 20, 1);
    if (kv_axis) {
      if (t.has("prompt_tokens")) {
        t.fail("prompt_tokens", fmt::format("set by the kv_len axis (line {}); remove it here",
                                            kv_axis->where.line));
      }
      spec.trace.prompt_from_kv_len = true;
    } else {
      g.prompt_tokens = t.get_uint("prompt_tokens", 0, std::uint64_t{1} << 32);
    }
    g.generate_tokens = t.get_uint("generate_tokens", 1, std::uint64_t{1} << 32);
    g.batch_size = t.get_uint_or("batch", 1, 1024, 1);
    t.finish();
  } else {
    spec.trace.file = resolve(base_dir, root.get_string("trace"));
  }

  if (spec.find_axis(kAlgorithmAxis) && root.has("algorithm")) {
    root.fail("algorithm", fmt::format("set by the algorithm axis (line {}); remove it here",
                                       spec.find_axis(kAlgorithmAxis)->where.line));
  }
  spec.mode = root.get_enum_or("mode", {"exact", "fast"}, "exact");
  spec.algorithm = root.get_string_or("algorithm", kDefaultAlgorithm);
  if (!tlmx::parse_attention_algo(spec.algorithm)) {
    root.fail("algorithm", fmt::format("'{}' is not an algorithm (allowed: {})", spec.algorithm,
                                       tlmx::attention_algo_list()));
  }
  root.finish();
  check_sweep_spec(spec);
  return spec;
}

SweepSpec load_sweep_spec(const std::string& path) {
  return parse_sweep_spec(read_config_file(path, "sweep file"), path,
                          fs::path(path).parent_path().string());
}

std::vector<PointValues> expand_points(const SweepSpec& spec) {
  const std::size_t count = spec.point_count();
  std::vector<PointValues> out;
  out.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    // Mixed radix, last group fastest: decompose from the back.
    std::vector<std::size_t> pick(spec.groups.size());
    std::size_t rest = index;
    for (std::size_t g = spec.groups.size(); g-- > 0;) {
      pick[g] = rest % spec.groups[g].size();
      rest /= spec.groups[g].size();
    }
    PointValues p;
    p.index = index;
    for (std::size_t g = 0; g < spec.groups.size(); ++g) {
      for (const Axis& a : spec.groups[g].axes) p.values.push_back(a.values[pick[g]]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string point_dir_name(const SweepSpec& spec, const PointValues& p) {
  constexpr std::size_t kMaxNameChars = 64;
  const std::size_t count = spec.point_count();
  std::size_t width = 4;
  for (std::size_t n = count ? count - 1 : 0; n >= 10000; n /= 10) ++width;
  std::string name;
  const auto axes = spec.axes();
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::string& key = axes[i]->key;
    const std::string& v = p.values[i];
    std::string piece;
    if (key == kAlgorithmAxis) {
      piece = v;
    } else {
      const std::string leaf = key.substr(key.rfind('.') + 1);  // npos + 1 == 0
      const bool numeric = !v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) ||
                                          v[0] == '-' || v[0] == '.');
      piece = leaf + (numeric ? "" : "-") + v;
    }
    for (char& c : piece) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
    }
    name += (name.empty() ? "" : "-") + piece;
  }
  if (name.size() > kMaxNameChars) name.resize(kMaxNameChars);
  return fmt::format("{:0{}}-{}", p.index, width, name);
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_uint(text.substr(0, slash), s.k) ||
      !parse_uint(text.substr(slash + 1), s.n) || s.n == 0 || s.k == 0 || s.k > s.n) {
    throw InputError(
        fmt::format("--shard: '{}' is not K/N with 1 <= K <= N (e.g. 2/8: the "
                    "second of eight shards)",
                    text));
  }
  return s;
}

}  // namespace skv::sweep
