#include "config/ConfigNode.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <limits>
#include <sstream>

#include "common/InputFile.h"

namespace skv::config {

namespace {

// Edit distance (insertions, deletions, substitutions, and swaps of two neighbouring
// characters, each one edit), to point at a likely misspelling.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
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

}  // namespace

bool looks_misspelt(const std::string& a, const std::string& b) {
  return a != b && !same_family(a, b) &&
         edit_distance(a, b) <= std::max<std::size_t>(1, std::min(a.size(), b.size()) / 4);
}

std::string likely_meant(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const auto& c : candidates) {
    if (!looks_misspelt(key, c)) continue;
    const std::size_t d = edit_distance(key, c);
    if (best.empty() || d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

Node::Node(YAML::Node node, std::shared_ptr<const std::string> file, std::string path)
    : node_(std::move(node)), file_(std::move(file)), path_(std::move(path)) {}

Node Node::load_file(const std::string& path) {
  return load_string(read_config_file(path, "file"), path);
}

namespace {

// The deepest nesting of flow collections ([...] and {...}) a config file may use; the
// shipped ones use 2, and yaml-cpp's own limit ends in an unhelpful message.
constexpr int kMaxFlowDepth = 64;

// What yaml-cpp reports cryptically or not at all, said in plain words with its line:
// a tab in a line's indentation, a merge key (`<<:`), flow collections nested too deep.
void check_yaml_text(const std::string& text, const std::string& source_name) {
  int line = 1;
  int depth = 0;
  bool at_line_start = true;
  bool in_comment = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if ((ch >= 0 && ch < ' ' && ch != '\n' && ch != '\t' && ch != '\r') || ch == 0x7f) {
      throw InputError(fmt::format(
          "{}:{}: not a text file: control byte 0x{:02x} (is it the right file?)", source_name,
          line, static_cast<unsigned>(static_cast<unsigned char>(ch))));
    }
    if (ch == '\n') {
      ++line;
      at_line_start = true;
      in_comment = false;
      continue;
    }
    if (at_line_start) {
      if (ch == ' ') continue;
      if (ch == '\t') {
        throw InputError(fmt::format(
            "{}:{}: a tab in this line's indentation (YAML indents with spaces only)",
            source_name, line));
      }
      at_line_start = false;
      std::size_t k = i;
      while (k < text.size() && (text[k] == '-' || text[k] == ' ')) ++k;  // "- <<: *a" too
      if (text.compare(k, 3, "<<:") == 0) {
        throw InputError(fmt::format(
            "{}:{}: merge keys ('<<:') are not supported (allowed: the keys written out)",
            source_name, line));
      }
    }
    if (in_comment) continue;
    if (quote != 0) {
      if (ch == quote) quote = 0;
      continue;
    }
    if (ch == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      in_comment = true;
    } else if (ch == '"' || ch == '\'') {
      if (i == 0 || text[i - 1] == ' ' || text[i - 1] == '[' || text[i - 1] == '{' ||
          text[i - 1] == ',' || text[i - 1] == ':') {
        quote = ch;
      }
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxFlowDepth) {
        throw InputError(fmt::format(
            "{}:{}: lists or mappings nested too deep (allowed: at most {} levels)",
            source_name, line, kMaxFlowDepth));
      }
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace

Node Node::load_string(const std::string& text, const std::string& source_name) {
  auto file = std::make_shared<const std::string>(source_name);
  check_yaml_text(text, source_name);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(fmt::format("{}:{}: YAML syntax error: {}", source_name, e.mark.line + 1,
                                 e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) {
    throw InputError(
        fmt::format("{}:1: empty file (expected a mapping of keys at the top level)", source_name));
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
  if (const Node* b = base_for(key)) return b->line_of(key);
  if (node_.IsMap()) {
    for (auto it = node_.begin(); it != node_.end(); ++it) {
      if (it->first.Scalar() == key) return it->first.Mark().line + 1;
    }
  }
  return node_.Mark().line + 1;
}

std::string Node::place_of(const std::string& key) const {
  if (const Node* b = base_for(key)) return b->place_of(key);
  return fmt::format("{}:{}", *file_, line_of(key));
}

void Node::fail(const std::string& key, const std::string& reason) const {
  if (const Node* b = base_for(key)) b->fail(key, reason);
  throw InputError(fmt::format("{}:{}: {}: {}", *file_, line_of(key), key_path(key), reason));
}

void Node::fail_here(const std::string& reason) const {
  const std::string where = path_.empty() ? std::string("(top level)") : path_;
  throw InputError(fmt::format("{}:{}: {}: {}", *file_, node_.Mark().line + 1, where, reason));
}

bool Node::sets(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

Node* Node::base_for(const std::string& key) const {
  return base_ && !sets(key) && base_->has(key) ? base_.get() : nullptr;
}

bool Node::has(const std::string& key) const { return sets(key) || base_for(key) != nullptr; }

void Node::set_base(Node base) { base_ = std::make_shared<Node>(std::move(base)); }

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
  if (Node* b = base_for(key)) {
    read_.insert(key);
    return b->scalar(key, expected);
  }
  YAML::Node v = require(key);
  if (!v.IsScalar()) fail(key, fmt::format("expected {}, found a {}", expected,
                                           v.IsMap() ? "mapping" : "sequence"));
  return v.Scalar();
}

Node Node::child(const std::string& key) {
  if (Node* b = base_for(key)) {
    read_.insert(key);
    return b->child(key);  // layered over the base's own base, if that sets it too
  }
  Node c = whole_child(key);
  if (base_ && base_->has(key)) c.set_base(base_->child(key));
  return c;
}

Node Node::whole_child(const std::string& key) {
  if (Node* b = base_for(key)) {
    read_.insert(key);
    return b->whole_child(key);
  }
  YAML::Node v = require(key);
  if (!v.IsMap()) fail(key, "expected a mapping of keys");
  return Node(v, file_, key_path(key));
}

std::optional<Node> Node::optional_child(const std::string& key) {
  if (!has(key)) return std::nullopt;
  return child(key);
}

std::vector<Node> Node::sequence(const std::string& key) {
  if (Node* b = base_for(key)) {
    read_.insert(key);
    return b->sequence(key);
  }
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
  schema::KeyInfo k;
  k.key = key;
  k.type = schema::Type::Name;
  k.names.assign(allowed.begin(), allowed.end());
  return std::get<std::string>(get(k));
}

std::string Node::get_enum_or(const std::string& key, std::initializer_list<const char*> allowed,
                              const std::string& fallback) {
  return has(key) ? get_enum(key, allowed) : (read_.insert(key), fallback);
}

bool Node::get_bool(const std::string& key) {
  schema::KeyInfo k;
  k.key = key;
  k.type = schema::Type::Boolean;
  return std::get<bool>(get(k));
}

bool Node::get_bool_or(const std::string& key, bool fallback) {
  return has(key) ? get_bool(key) : (read_.insert(key), fallback);
}

std::uint64_t Node::get_uint(const std::string& key, std::uint64_t min, std::uint64_t max) {
  schema::KeyInfo k;
  k.key = key;
  k.min = min;
  k.max = max;
  return std::get<std::uint64_t>(get(k));
}

std::uint64_t Node::get_uint_or(const std::string& key, std::uint64_t min, std::uint64_t max,
                                std::uint64_t fallback) {
  return has(key) ? get_uint(key, min, max) : (read_.insert(key), fallback);
}

double Node::get_double(const std::string& key, double min, double max) {
  schema::KeyInfo k;
  k.key = key;
  k.type = schema::Type::Real;
  k.min_real = min;
  k.max_real = max;
  return std::get<double>(get(k));
}

double Node::get_double_or(const std::string& key, double min, double max, double fallback) {
  return has(key) ? get_double(key, min, max) : (read_.insert(key), fallback);
}

std::optional<schema::Value> parse_value(const schema::KeyInfo& k, const std::string& v,
                                         std::string& reason) {
  using schema::Type;
  std::optional<schema::Value> out;
  switch (k.type) {
    case Type::Integer: {
      std::uint64_t u = 0;
      const char* first = v.data();
      const char* last = v.data() + v.size();
      int base = 10;
      if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        first += 2;
        base = 16;
      }
      auto [ptr, ec] = std::from_chars(first, last, u, base);
      if (ec == std::errc::result_out_of_range) {
        reason = fmt::format("'{}' is too large (allowed: {})", v, k.allowed_text());
      } else if (ec != std::errc() || ptr != last || first == last) {
        reason = fmt::format("'{}' is not a whole number (allowed: {})", v, k.allowed_text());
      } else {
        out = u;
      }
      break;
    }
    case Type::Real: {
      try {
        std::size_t used = 0;
        const double d = std::stod(v, &used);
        if (used != v.size()) throw std::invalid_argument(v);
        // Not finite, or outside the range: reported with the value as written.
        if (!std::isfinite(d) || !k.check(d).empty()) {
          reason = fmt::format("{} is out of range (allowed: {})", v, k.allowed_text());
        } else {
          out = d;
        }
      } catch (const std::exception&) {
        reason = fmt::format("'{}' is not a number (allowed: {})", v, k.allowed_text());
      }
      break;
    }
    case Type::Boolean:
      if (v == "true" || v == "false") {
        out = v == "true";
      } else {
        reason = fmt::format("'{}' is not a boolean (allowed: true, false)", v);
      }
      break;
    case Type::String:
    case Type::Name:
      out = v;
      break;
  }
  if (out) {
    reason = k.check(*out);
    if (!reason.empty()) out.reset();
  }
  return out;
}

schema::Value Node::get(const schema::KeyInfo& k) {
  static constexpr const char* kExpected[] = {"an integer", "a number", "true or false", "a string",
                                              "a name"};
  const std::string text = scalar(k.key, kExpected[static_cast<int>(k.type)]);
  std::string reason;
  std::optional<schema::Value> v = parse_value(k, text, reason);
  if (!v) fail(k.key, reason);
  return *v;
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
