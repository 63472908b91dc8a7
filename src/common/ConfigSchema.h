#pragma once
// The schema of a config struct: one entry per YAML key, declared beside the struct it
// fills (models/<unit>/*Config.h), with the key, the member, the type, the unit, the
// allowed values, the default (or "required"), a one-line description and whether the
// key can change a run's timing.
//
// One schema serves every place that needs to know the keys: the YAML loaders
// (src/config iterate it), `validate`, the sweep axes (an axis may set any key of it),
// the key tables of docs/formats.md (generated from it), the resolved config that
// report.json echoes, and the schema version (a hash of every entry).
//
// A schema is plain data plus accessors; it reads no files (that is src/config's job).
//
// Declaring one (the struct's members are named once, by SKV_MEMBER):
//
//   s.key("rows", SKV_MEMBER(rows), integer(1, 4096), "PEs", required, Timing::Yes,
//         "R: output rows held at once");
//   s.key("vector_lanes", SKV_MEMBER(vector_lanes), integer(1, 65536), "elements/cycle",
//         derived("`cols`", [](const C& c) { return c.cols; }), Timing::Yes, "...");

#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

// The member at `path` of the schema's struct: its name (for the docs) and an accessor
// that works on a const and a non-const struct.
// clang-format off
#define SKV_MEMBER(path) #path, [](auto& skv_config_) -> auto& { return skv_config_.path; }
// clang-format on

namespace skv::schema {

enum class Type { Integer, Real, Boolean, String, Name };

// "integer", "real", ...: as docs/formats.md names the types.
const char* type_name(Type t);

// A key's value in its type: Integer as std::uint64_t, Real as double, Boolean as bool,
// String and Name as std::string.
using Value = std::variant<std::uint64_t, double, bool, std::string>;

// The value as text: decimal integers, reals in their shortest exact form, true/false.
std::string to_text(const Value& v);

enum class Default { Required, Fixed, Derived };
enum class Timing : bool { No = false, Yes = true };

// The allowed values of a key, by type (the argument of Schema::key). Integer: min to
// max, and when one_of is not empty only those values, and when power_of_two only powers
// of two. Real: min_real to max_real. Name: names.
struct Spec {
  Type type = Type::Integer;
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  std::vector<std::uint64_t> one_of;
  bool power_of_two = false;
  double min_real = 0;
  double max_real = 0;
  std::vector<std::string> names;
};

// Everything the schema says about one key, without the accessors: what the docs table,
// the schema's hash and the checks of a single value need. Its Spec is the key's type
// and allowed values.
struct KeyInfo : Spec {
  std::string section;  // dotted path of the mapping holding the key; "" at the top level
  std::string key;      // the YAML key
  std::string member;   // the member it fills, from the schema's struct (e.g. org.channels)
  std::string unit;     // "" when the value has none
  Default default_kind = Default::Required;
  std::string default_text;  // the default as the docs show it: "4", "`rows + cols - 1`"
  std::string description;   // one line
  bool affects_timing = true;

  // The dotted key as written in errors and sweep axes: "dram.timing.tRCD".
  std::string path() const;
  // The allowed values as errors and docs show them: "1 to 4096", "4, 8, 16, 32",
  // "a power of two, 1 to 1024", "gated_silu, gelu".
  std::string allowed_text() const;
  // "" when `v` (of the key's type) is allowed; otherwise the reason, e.g. "0 is out of
  // range (allowed: 1 to 4096)".
  std::string check(const Value& v) const;
};

// A mapping of keys: "" is the top level; "organisation", or "dram.timing" in an
// aggregate. An optional section may be left out; its keys then take their defaults.
struct Section {
  std::string path;
  bool required = true;
};

inline Spec integer(std::uint64_t min, std::uint64_t max) {
  Spec s;
  s.min = min;
  s.max = max;
  return s;
}
inline Spec integer_one_of(std::vector<std::uint64_t> values) {
  Spec s;
  s.min = values.empty() ? 0 : values.front();
  s.max = values.empty() ? 0 : values.back();
  s.one_of = std::move(values);
  return s;
}
inline Spec power_of_two(std::uint64_t min, std::uint64_t max) {
  Spec s = integer(min, max);
  s.power_of_two = true;
  return s;
}
inline Spec real(double min, double max) {
  Spec s;
  s.type = Type::Real;
  s.min_real = min;
  s.max_real = max;
  return s;
}
inline Spec boolean() {
  Spec s;
  s.type = Type::Boolean;
  return s;
}
inline Spec text() {
  Spec s;
  s.type = Type::String;
  return s;
}
// A name for a std::string member: one of `allowed`.
inline Spec name(std::vector<std::string> allowed) {
  Spec s;
  s.type = Type::Name;
  s.names = std::move(allowed);
  return s;
}

// A name for an enum member: each allowed word and the enumerator it stands for.
template <class E>
struct EnumSpec {
  Spec spec;
  std::vector<std::pair<std::string, E>> values;
};
template <class E>
EnumSpec<E> names(std::vector<std::pair<std::string, E>> values) {
  EnumSpec<E> s;
  s.spec.type = Type::Name;
  for (const auto& v : values) s.spec.names.push_back(v.first);
  s.values = std::move(values);
  return s;
}

// Defaults (the argument of Schema::key): required, a fixed value, or derived from the
// keys read before it (shown in the docs as `text`).
struct Required {};
inline constexpr Required required{};
template <class V>
struct Fixed {
  V value;
};
template <class V>
Fixed<V> fixed(V v) {
  return Fixed<V>{std::move(v)};
}
template <class F>
struct Derived {
  const char* text;
  F fn;
};
template <class F>
Derived<F> derived(const char* text, F fn) {
  return Derived<F>{text, std::move(fn)};
}

namespace detail {
std::string fixed_text(const Value& v, Type t);
}

// One key of the schema of struct S: its description, and how to get, set and default
// the member it fills.
template <class S>
struct Field {
  KeyInfo info;
  std::function<Value(const S&)> get;
  std::function<void(S&, const Value&)> set;
  // The default (Fixed or Derived), computed from the struct as read so far.
  std::function<Value(const S&)> fallback;
};

template <class S>
class Schema {
 public:
  // The sections in file order, the top level ("") first; the keys in reading order
  // (a derived default's inputs before it).
  const std::vector<Section>& sections() const { return sections_; }
  const std::vector<Field<S>>& fields() const { return fields_; }

  // The key at dotted `path` ("processor_array.rows"), or nullptr.
  const Field<S>* find(const std::string& path) const {
    for (const auto& f : fields_) {
      if (f.info.path() == path) return &f;
    }
    return nullptr;
  }
  const Section* find_section(const std::string& path) const {
    for (const auto& s : sections_) {
      if (s.path == path) return &s;
    }
    return nullptr;
  }
  std::vector<KeyInfo> keys() const {
    std::vector<KeyInfo> out;
    for (const auto& f : fields_) out.push_back(f.info);
    return out;
  }

  // Each member of `s` that its key does not allow, with the reason (for structs built
  // in code; a file's values are checked as they are read).
  std::vector<std::pair<const KeyInfo*, std::string>> check(const S& s) const {
    std::vector<std::pair<const KeyInfo*, std::string>> out;
    for (const auto& f : fields_) {
      std::string reason = f.info.check(f.get(s));
      if (!reason.empty()) out.emplace_back(&f.info, std::move(reason));
    }
    return out;
  }

  // --- building ---

  // The keys declared next go into `path` ("" is the top level, present from the start).
  Schema& section(const std::string& path, bool is_required = true) {
    if (!find_section(path)) sections_.push_back(Section{path, is_required});
    current_ = path;
    return *this;
  }

  template <class Acc, class Def>
  Schema& key(const char* key, const char* member, Acc acc, const Spec& spec, const char* unit,
              Def def, Timing timing, const char* description) {
    using T = std::decay_t<decltype(acc(std::declval<S&>()))>;
    Field<S> f;
    f.info = info(key, member, spec, unit, timing, description);
    if constexpr (std::is_same_v<T, bool>) {
      expect_type(spec, Type::Boolean);
      f.get = [acc](const S& s) { return Value{static_cast<bool>(acc(s))}; };
      f.set = [acc](S& s, const Value& v) { acc(s) = std::get<bool>(v); };
    } else if constexpr (std::is_integral_v<T>) {
      static_assert(std::is_unsigned_v<T>, "integer keys fill unsigned members");
      expect_type(spec, Type::Integer);
      if (spec.max > std::numeric_limits<T>::max()) {
        throw std::logic_error(std::string("schema key ") + key + ": range exceeds its member");
      }
      f.get = [acc](const S& s) { return Value{static_cast<std::uint64_t>(acc(s))}; };
      f.set = [acc](S& s, const Value& v) { acc(s) = static_cast<T>(std::get<std::uint64_t>(v)); };
    } else if constexpr (std::is_floating_point_v<T>) {
      expect_type(spec, Type::Real);
      f.get = [acc](const S& s) { return Value{static_cast<double>(acc(s))}; };
      f.set = [acc](S& s, const Value& v) { acc(s) = static_cast<T>(std::get<double>(v)); };
    } else {
      static_assert(std::is_same_v<T, std::string>, "a key fills a number, bool or string");
      if (spec.type != Type::String && spec.type != Type::Name) {
        throw std::logic_error(std::string("schema key ") + key + ": a string member");
      }
      f.get = [acc](const S& s) { return Value{acc(s)}; };
      f.set = [acc](S& s, const Value& v) { acc(s) = std::get<std::string>(v); };
    }
    set_default<T>(f, def, [](const T& v) { return plain_value(v); });
    return add(std::move(f));
  }

  // A name filling an enum member.
  template <class Acc, class E, class Def>
  Schema& key(const char* key, const char* member, Acc acc, const EnumSpec<E>& spec,
              const char* unit, Def def, Timing timing, const char* description) {
    Field<S> f;
    f.info = info(key, member, spec.spec, unit, timing, description);
    const auto values = spec.values;
    auto to_name = [values, key](E e) {
      for (const auto& [n, v] : values) {
        if (v == e) return Value{n};
      }
      throw std::logic_error(std::string("schema key ") + key + ": an enumerator without a name");
    };
    f.get = [acc, to_name](const S& s) { return to_name(acc(s)); };
    f.set = [acc, values](S& s, const Value& v) {
      for (const auto& [n, e] : values) {
        if (n == std::get<std::string>(v)) acc(s) = e;
      }
    };
    set_default<E>(f, def, to_name);
    return add(std::move(f));
  }

  // Every key and section of `inner` (the schema of member `member`, reached by `acc`),
  // under section `path`: an aggregate's schema is its parts' schemas.
  template <class Inner, class Acc>
  Schema& part(const std::string& path, const char* member, Acc acc, const Schema<Inner>& inner) {
    auto join = [](const std::string& a, const std::string& b) {
      return a.empty() ? b : b.empty() ? a : a + "." + b;
    };
    for (const Section& sec : inner.sections()) {
      sections_.push_back(Section{join(path, sec.path), sec.required});
    }
    for (const Field<Inner>& g : inner.fields()) {
      Field<S> f;
      f.info = g.info;
      f.info.section = join(path, g.info.section);
      f.info.member = std::string(member) + "." + g.info.member;
      f.get = [acc, get = g.get](const S& s) { return get(acc(s)); };
      f.set = [acc, set = g.set](S& s, const Value& v) { set(acc(s), v); };
      if (g.fallback) f.fallback = [acc, fb = g.fallback](const S& s) { return fb(acc(s)); };
      fields_.push_back(std::move(f));
    }
    return *this;
  }

 private:
  static void expect_type(const Spec& spec, Type want) {
    if (spec.type != want) {
      throw std::logic_error("schema key: the spec's type is not the member's");
    }
  }
  static Value plain_value(bool v) { return Value{v}; }
  static Value plain_value(const std::string& v) { return Value{v}; }
  template <class T>
  static Value plain_value(const T& v) {
    if constexpr (std::is_floating_point_v<T>) {
      return Value{static_cast<double>(v)};
    } else {
      return Value{static_cast<std::uint64_t>(v)};
    }
  }

  KeyInfo info(const char* key, const char* member, const Spec& spec, const char* unit,
               Timing timing, const char* description) const {
    KeyInfo k;
    static_cast<Spec&>(k) = spec;
    k.section = current_;
    k.key = key;
    k.member = member;
    k.unit = unit;
    k.description = description;
    k.affects_timing = timing == Timing::Yes;
    return k;
  }

  template <class T, class Conv>
  static void set_default(Field<S>& f, Required, Conv) {
    f.info.default_kind = Default::Required;
  }
  template <class T, class V, class Conv>
  static void set_default(Field<S>& f, const Fixed<V>& d, Conv conv) {
    const Value v = conv(static_cast<T>(d.value));
    f.info.default_kind = Default::Fixed;
    f.info.default_text = detail::fixed_text(v, f.info.type);
    f.fallback = [v](const S&) { return v; };
  }
  template <class T, class F, class Conv>
  static void set_default(Field<S>& f, const Derived<F>& d, Conv conv) {
    f.info.default_kind = Default::Derived;
    f.info.default_text = d.text;
    f.fallback = [fn = d.fn, conv](const S& s) { return conv(static_cast<T>(fn(s))); };
  }

  Schema& add(Field<S> f) {
    const Section* sec = find_section(f.info.section);
    if (!sec && !f.info.section.empty()) throw std::logic_error("schema key outside a section");
    if (sec && !sec->required && f.info.default_kind == Default::Required) {
      throw std::logic_error("a required key in an optional section: " + f.info.path());
    }
    if (find(f.info.path())) throw std::logic_error("schema key declared twice: " + f.info.path());
    fields_.push_back(std::move(f));
    return *this;
  }

  std::vector<Section> sections_{Section{"", true}};
  std::vector<Field<S>> fields_;
  std::string current_;
};

// The version of a set of schemas: a stable hash of every entry's key, member, type,
// unit, allowed values, default and timing flag (descriptions left out, so rewording a
// description does not make results look stale). 16 hex digits.
std::string schema_hash(const std::vector<KeyInfo>& keys, const std::vector<Section>& sections);

}  // namespace skv::schema
