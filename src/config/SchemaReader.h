#pragma once
// Reads a config struct from YAML by iterating its schema (common/ConfigSchema.h): each
// key present is read and checked as its entry says, each key absent takes its default
// (or is a "missing required value" error), and each mapping then rejects the keys it
// does not know. Errors are config::Node's: "<file>:<line>: <dotted.key>: <reason>".

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ConfigSchema.h"
#include "config/ConfigNode.h"

namespace skv::config {

// The mappings of one file that a schema's sections name, opened as the sections come up.
class SectionNodes {
 public:
  explicit SectionNodes(Node root) { nodes_.emplace_back("", std::move(root)); }

  // Opens `section` below its parent: a required section must be there (else "missing
  // required value"), an optional one may be absent.
  void open(const schema::Section& section);
  // The mapping of `section`, or nullptr when it is an optional one that is absent.
  Node* find(const std::string& section);
  // The mapping of `section`, which must be open and present.
  Node& at(const std::string& section);
  // Rejects every key that no read named, deepest sections first.
  void finish();

 private:
  // In the order opened; a deque, so that a Node& handed out stays valid as more open.
  std::deque<std::pair<std::string, std::optional<Node>>> nodes_;
};

// The value of `k` in `nodes` when the file has it, else nullopt (the key is then noted
// as known, for the list of allowed keys). A required key that is absent is an error.
std::optional<schema::Value> read_key(SectionNodes& nodes, const schema::KeyInfo& k);

// Reads every key of `schema` into `out`, in the schema's order, so that a derived
// default sees the keys before it. Keys in sections at or below `except` are left alone
// (a caller that reads that part itself, as the hardware loader does a DRAM preset).
template <class S>
void read_keys(SectionNodes& nodes, const schema::Schema<S>& schema, S& out,
               const std::string& except = "") {
  auto skipped = [&except](const std::string& section) {
    return !except.empty() && (section == except || section.rfind(except + ".", 0) == 0);
  };
  for (const schema::Section& sec : schema.sections()) {
    if (!sec.path.empty() && !skipped(sec.path)) nodes.open(sec);
  }
  for (const schema::Field<S>& f : schema.fields()) {
    if (skipped(f.info.section)) continue;
    std::optional<schema::Value> v = read_key(nodes, f.info);
    f.set(out, v ? *v : f.fallback(out));
  }
}

}  // namespace skv::config
