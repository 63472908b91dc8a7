#include "common/ConfigSchema.h"

#include <fmt/format.h>

#include "common/StableHash.h"

namespace skv::schema {

const char* type_name(Type t) {
  switch (t) {
    case Type::Integer:
      return "integer";
    case Type::Real:
      return "real";
    case Type::Boolean:
      return "boolean";
    case Type::String:
      return "string";
    case Type::Name:
      return "name";
  }
  return "?";
}

std::string to_text(const Value& v) {
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return std::get<std::string>(v);
}

namespace detail {

std::string fixed_text(const Value& v, Type t) {
  if (t == Type::Integer || t == Type::Real) return to_text(v);
  return "`" + to_text(v) + "`";
}

}  // namespace detail

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

bool is_pow2(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

std::string KeyInfo::path() const { return section.empty() ? key : section + "." + key; }

std::string KeyInfo::allowed_text() const {
  switch (type) {
    case Type::Integer: {
      if (!one_of.empty()) {
        std::vector<std::string> parts;
        for (const auto v : one_of) parts.push_back(std::to_string(v));
        return join(parts);
      }
      const std::string range = fmt::format("{} to {}", min, max);
      return power_of_two ? "a power of two, " + range : range;
    }
    case Type::Real:
      return fmt::format("{} to {}", min_real, max_real);
    case Type::Boolean:
      return "true, false";
    case Type::Name:
      return join(names);
    case Type::String:
      break;
  }
  return "";
}

std::string KeyInfo::check(const Value& v) const {
  switch (type) {
    case Type::Integer: {
      const std::uint64_t u = std::get<std::uint64_t>(v);
      if (!one_of.empty()) {
        for (const auto a : one_of) {
          if (u == a) return "";
        }
        return fmt::format("{} is not supported (allowed: {})", u, allowed_text());
      }
      if (u < min || u > max) {
        return fmt::format("{} is out of range (allowed: {})", u, allowed_text());
      }
      if (power_of_two && !is_pow2(u)) {
        return fmt::format("{} is not a power of two (allowed: {})", u, allowed_text());
      }
      return "";
    }
    case Type::Real: {
      const double d = std::get<double>(v);
      if (!(d >= min_real && d <= max_real)) {
        return fmt::format("{} is out of range (allowed: {})", d, allowed_text());
      }
      return "";
    }
    case Type::Name: {
      const std::string& s = std::get<std::string>(v);
      for (const auto& n : names) {
        if (s == n) return "";
      }
      return fmt::format("'{}' is not allowed (allowed: {})", s, allowed_text());
    }
    case Type::Boolean:
    case Type::String:
      break;
  }
  return "";
}

std::string schema_hash(const std::vector<KeyInfo>& keys, const std::vector<Section>& sections) {
  StableHash h;
  for (const Section& s : sections) h.add("section", s.path + (s.required ? " required" : ""));
  for (const KeyInfo& k : keys) {
    std::string one_of;
    for (const auto v : k.one_of) one_of += std::to_string(v) + ",";
    std::string names;
    for (const auto& n : k.names) names += n + ",";
    h.add("key", k.path());
    h.add("member", k.member);
    h.add("type", type_name(k.type));
    h.add("unit", k.unit);
    h.add("range", fmt::format("{} {} {} {} {} {} {}", k.min, k.max, one_of, k.power_of_two,
                               k.min_real, k.max_real, names));
    h.add("default", fmt::format("{} {}", static_cast<int>(k.default_kind), k.default_text));
    h.add("timing", k.affects_timing ? "yes" : "no");
  }
  return h.hex();
}

}  // namespace skv::schema
