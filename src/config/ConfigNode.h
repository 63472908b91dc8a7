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

#include "common/Error.h"

namespace skv::config {

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

  // Rejects any key of this mapping that was not read. Call once all reads are done.
  void finish();

  // Error helpers for checks that span several keys ("impossible combination").
  [[noreturn]] void fail(const std::string& key, const std::string& reason) const;
  [[noreturn]] void fail_here(const std::string& reason) const;

  const std::string& file() const { return *file_; }
  // Dotted path of `key` below this node, e.g. "dram.timing.tRCD".
  std::string key_path(const std::string& key) const;
  // 1-based source line of `key` (of this node when the key is absent).
  int line_of(const std::string& key) const;

 private:
  Node(YAML::Node node, std::shared_ptr<const std::string> file, std::string path);
  YAML::Node require(const std::string& key);
  std::string scalar(const std::string& key, const char* expected);

  YAML::Node node_;
  std::shared_ptr<const std::string> file_;
  std::string path_;
  std::set<std::string> read_;
};

}  // namespace skv::config
