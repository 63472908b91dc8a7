#include "config/ConfigNode.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <limits>
#include <sstream>

namespace skv::config {

namespace {

std::string join_allowed(std::initializer_list<const char*> allowed) {
  std::string out;
  for (const char* a : allowed) {
    if (!out.empty()) out += ", ";
    out += a;
  }
  return out;
}

// Levenshtein distance, to point at a likely misspelling.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Keys that differ only after their last underscore (tCCD_S and tCCD_L) or that are
// very short (RL and WL) are families of valid keys, not misspellings of each other.
bool same_family(const std::string& a, const std::string& b) {
  if (a.size() <= 3 && b.size() <= 3) return true;
  const auto ua = a.rfind('_');
  const auto ub = b.rfind('_');
  return ua != std::string::npos && ua == ub && a.size() - ua <= 3 && b.size() - ub <= 3 &&
         a.compare(0, ua, b, 0, ub) == 0;
}

bool looks_misspelt(const std::string& a, const std::string& b) {
  return a != b && !same_family(a, b) &&
         edit_distance(a, b) <= std::max<std::size_t>(1, std::min(a.size(), b.size()) / 4);
}

}  // namespace

Node::Node(YAML::Node node, std::shared_ptr<const std::string> file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

Node Node::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return load_string(ss.str(), path);
}

Node Node::load_string(const std::string& text, const std::string& source_name) {
  auto file = std::make_shared<const std::string>(source_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}:{}: YAML syntax error: {}", source_name, e.mark.line + 1,
                                 e.msg));
  }
  if (!root.IsMap()) {
    throw InputError(fmt::format("{}:1: expected a mapping of keys at the top level", source_name));
  }
  return Node(root, file, "");
}

std::string Node::key_path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

int Node::line_of(const std::string& key) const {
  if (node_.IsMap()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.Scalar() == key) return it->first.Mark().line + 1;
    }
  }
  return node_.Mark().line + 1;
}

void Node::fail(const std::string& key, const std::string& reason) const {
  throw InputError(fmt::format("{}:{}: {}: {}", *file_, line_of(key), key_path(key), reason));
}

void Node::fail_here(const std::string& reason) const {
  const std::string where = path_.empty() ? std::string("(top level)") : path_;
  throw InputError(fmt::format("{}:{}: {}: {}", *file_, node_.Mark().line + 1, where, reason));
}

bool Node::has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

YAML::Node Node::require(const std::string& key) {
  if (!node_.IsMap()) fail_here("expected a mapping of keys");
  read_.insert(key);
  YAML::Node v = node_[key];
  if (!v.IsDefined() || v.IsNull()) {
    // A near miss among the keys present is likely the misspelling of the missing key.
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      const std::string& k = it->first.Scalar();
      if (looks_misspelt(k, key) && read_.count(k) == 0) {
        throw InputError(fmt::format("{}:{}: {}: unknown key; did you mean '{}'?", *file_,
                                     it->first.Mark().line + 1, key_path(k), key));
      }
    }
    fail(key, "missing required value");
  }
  return v;
}

std::string Node::scalar(const std::string& key, const char* expected) {
  YAML::Node v = require(key);
  if (!v.IsScalar()) fail(key, fmt::format("expected {}, found a {}", expected,
                                           v.IsMap() ? "mapping" : "sequence"));
  return v.Scalar();
}

Node Node::child(const std::string& key) {
  YAML::Node v = require(key);
  if (!v.IsMap()) fail(key, "expected a mapping of keys");
  return Node(v, file_, key_path(key));
}

std::optional<Node> Node::optional_child(const std::string& key) {
  if (!has(key)) return std::nullopt;
  return child(key);
}

std::vector<Node> Node::sequence(const std::string& key) {
  YAML::Node v = require(key);
  if (!v.IsSequence()) fail(key, "expected a list");
  std::vector<Node> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(Node(v[i], file_, fmt::format("{}[{}]", key_path(key), i)));
  }
  return out;
}

std::string Node::get_string(const std::string& key) { return scalar(key, "a string"); }

std::string Node::get_string_or(const std::string& key, const std::string& fallback) {
  return has(key) ? get_string(key) : (read_.insert(key), fallback);
}

std::string Node::get_enum(const std::string& key, std::initializer_list<const char*> allowed) {
  std::string v = scalar(key, "a name");
  for (const char* a : allowed) {
    if (v == a) return v;
  }
  fail(key, fmt::format("'{}' is not allowed (allowed: {})", v, join_allowed(allowed)));
}

std::string Node::get_enum_or(const std::string& key, std::initializer_list<const char*> allowed,
                              const std::string& fallback) {
  return has(key) ? get_enum(key, allowed) : (read_.insert(key), fallback);
}

bool Node::get_bool(const std::string& key) {
  std::string v = scalar(key, "true or false");
  if (v == "true") return true;
  if (v == "false") return false;
  fail(key, fmt::format("'{}' is not a boolean (allowed: true, false)", v));
}

bool Node::get_bool_or(const std::string& key, bool fallback) {
  return has(key) ? get_bool(key) : (read_.insert(key), fallback);
}

std::uint64_t Node::get_uint(const std::string& key, std::uint64_t min, std::uint64_t max) {
  std::string v = scalar(key, "an integer");
  std::uint64_t out = 0;
  const char* first = v.data();
  const char* last = v.data() + v.size();
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    first += 2;
    base = 16;
  }
  auto [ptr, ec] = std::from_chars(first, last, out, base);
  if (ec == std::errc::result_out_of_range) {
    fail(key, fmt::format("'{}' is too large (allowed: {} to {})", v, min, max));
  }
  if (ec != std::errc() || ptr != last || first == last) {
    fail(key, fmt::format("'{}' is not a whole number (allowed: {} to {})", v, min, max));
  }
  if (out < min || out > max) {
    fail(key, fmt::format("{} is out of range (allowed: {} to {})", out, min, max));
  }
  return out;
}

std::uint64_t Node::get_uint_or(const std::string& key, std::uint64_t min, std::uint64_t max,
                                std::uint64_t fallback) {
  return has(key) ? get_uint(key, min, max) : (read_.insert(key), fallback);
}

double Node::get_double(const std::string& key, double min, double max) {
  std::string v = scalar(key, "a number");
  double out = 0;
  try {
    std::size_t used = 0;
    out = std::stod(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
  } catch (const std::exception&) {
    fail(key, fmt::format("'{}' is not a number (allowed: {} to {})", v, min, max));
  }
  if (!std::isfinite(out) || out < min || out > max) {
    fail(key, fmt::format("{} is out of range (allowed: {} to {})", v, min, max));
  }
  return out;
}

double Node::get_double_or(const std::string& key, double min, double max, double fallback) {
  return has(key) ? get_double(key, min, max) : (read_.insert(key), fallback);
}

void Node::finish() {
  if (!node_.IsMap()) return;
  std::map<std::string, int> first_line;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const int line = it->first.Mark().line + 1;
    auto [at, fresh] = first_line.emplace(it->first.Scalar(), line);
    if (!fresh) {
      throw InputError(fmt::format("{}:{}: {}: duplicate key (first at line {})", *file_, line,
                                   key_path(it->first.Scalar()), at->second));
    }
  }
  std::vector<std::string> known(read_.begin(), read_.end());
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string& k = it->first.Scalar();
    if (read_.count(k) == 0) {
      std::string allowed;
      for (const auto& a : known) allowed += (allowed.empty() ? "" : ", ") + a;
      throw InputError(fmt::format("{}:{}: {}: unknown key (allowed here: {})", *file_,
                                   it->first.Mark().line + 1, key_path(k), allowed));
    }
  }
}

}  // namespace skv::config
