#pragma once
// Schema-checked access to a human-edited YAML config file.
//
// Every read names its key; every failure is one InputError line of the form
//   "<file>:<line>: <dotted.key>: <what is wrong> (<what is allowed>)".
// A mapping node remembers which keys were read, and finish() rejects the rest, so
// a misspelt key is an error rather than a silently ignored value.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/ConfigSchema.h"
#include "common/Error.h"

namespace skv::config {

// The value of schema key `k` written as `text` (a YAML scalar), checked against the
// key's type and allowed values; nullopt with `reason` set ("'x' is not a whole number
// (allowed: 1 to 4096)", "0 is out of range (allowed: 1 to 4096)") when it is not one.
std::optional<schema::Value> parse_value(const schema::KeyInfo& k, const std::string& text,
                                         std::string& reason);

// Whether key `a` is likely a misspelling of key `b`: within max(1, floor(shorter length /
// 4)) single-character edits (a swap of two neighbours counts as one), and not of one
// family (tCCD_S and tCCD_L, RL and WL).
bool looks_misspelt(const std::string& a, const std::string& b);
// The candidate that `key` most likely misspells (the fewest edits; the first of equals),
// or "" when none looks misspelt.
std::string likely_meant(const std::string& key, const std::vector<std::string>& candidates);

class Node {
 public:
  // Parses a whole file; a missing file or YAML syntax error is an InputError.
  static Node load_file(const std::string& path);
  // Parses text (for tests and for values given on the command line).
  static Node load_string(const std::string& text, const std::string& source_name);

  // The value at `key` must be a mapping.
  Node child(const std::string& key);
  std::optional<Node> optional_child(const std::string& key);
  // The value at `key` must be a sequence; each element is returned as a Node.
  std::vector<Node> sequence(const std::string& key);

  bool has(const std::string& key) const;

  std::string get_string(const std::string& key);
  std::string get_string_or(const std::string& key, const std::string& fallback);
  // One of `allowed`, spelled exactly.
  std::string get_enum(const std::string& key, std::initializer_list<const char*> allowed);
  std::string get_enum_or(const std::string& key, std::initializer_list<const char*> allowed,
                          const std::string& fallback);
  bool get_bool(const std::string& key);
  bool get_bool_or(const std::string& key, bool fallback);
  // Integers in [min, max].
  std::uint64_t get_uint(const std::string& key, std::uint64_t min, std::uint64_t max);
  std::uint64_t get_uint_or(const std::string& key, std::uint64_t min, std::uint64_t max,
                            std::uint64_t fallback);
  // Finite reals in [min, max].
  double get_double(const std::string& key, double min, double max);
  double get_double_or(const std::string& key, double min, double max, double fallback);

  // The value at `key` = k.key, read and checked as schema entry `k` says.
  schema::Value get(const schema::KeyInfo& k);
  // Counts `key` as a key of this mapping though it is absent (an optional key left at
  // its default): it is then listed among the allowed keys when another is unknown.
  void allow(const std::string& key) { read_.insert(key); }

  // Rejects any key of this mapping that was not read. Call once all reads are done.
  // Only this file's keys: a base (set_base) is checked when it is loaded on its own.
  void finish();

  // Layers this mapping over `base`, the same mapping in the file that a hardware
  // config's `base:` names: a key this file does not set is read from `base`, and an
  // error about it names the base's file and line; a mapping that both set is layered
  // the same way, key by key, and a list is taken whole from the file that sets it.
  void set_base(Node base);
  // The mapping at `key` as the one file that sets it has it, not layered over a base's
  // (a `dram` section names a preset or holds a whole DRAM config: it replaces the base's).
  Node whole_child(const std::string& key);

  // Error helpers for checks that span several keys ("impossible combination").
  [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
  [[noreturn]] void fail_here(const std::string& reason) const;

  const std::string& file() const { return *file_; }
  // Dotted path of `key` below this node, e.g. "dram.timing.tRCD".
  std::string key_path(const std::string& key) const;
  // 1-based source line of `key` (of this node when the key is absent), in the file that
  // sets it.
  int line_of(const std::string& key) const;
  // "<file>:<line>" of `key` (of this node when the key is absent), in the file that sets
  // it: for checks made after loading.
  std::string place_of(const std::string& key) const;

 private:
  Node(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);
  // Whether this file sets `key` (a base may still).
  bool sets(const std::string& key) const;
  // The base that `key` is read from: set when this file does not set it and the base does.
  Node* base_for(const std::string& key) const;
  YAML::Node require(const std::string& key);
  std::string scalar(const std::string& key, const char* expected);

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::set<std::string> read_;
  std::shared_ptr<Node> base_;  // the same mapping in the base config, if any
};

}  // namespace skv::config
