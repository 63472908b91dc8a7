#include "config/SchemaReader.h"

#include <algorithm>
#include <stdexcept>

namespace skv::config {

namespace {

std::string parent_of(const std::string& section) {
  const auto dot = section.rfind('.');
  return dot == std::string::npos ? std::string() : section.substr(0, dot);
}

std::string leaf_of(const std::string& section) {
  const auto dot = section.rfind('.');
  return dot == std::string::npos ? section : section.substr(dot + 1);
}

}  // namespace

void SectionNodes::open(const schema::Section& section) {
  for (const auto& [path, node] : nodes_) {
    if (path == section.path) return;
  }
  Node* parent = find(parent_of(section.path));
  if (!parent) {
    nodes_.emplace_back(section.path, std::nullopt);  // below an absent optional section
    return;
  }
  const std::string key = leaf_of(section.path);
  nodes_.emplace_back(section.path, section.required ? std::optional<Node>(parent->child(key))
                                                     : parent->optional_child(key));
}

Node* SectionNodes::find(const std::string& section) {
  for (auto& [path, node] : nodes_) {
    if (path == section) return node ? &*node : nullptr;
  }
  throw std::logic_error("config section not opened: " + section);
}

Node& SectionNodes::at(const std::string& section) {
  Node* n = find(section);
  if (!n) throw std::logic_error("config section absent: " + section);
  return *n;
}

void SectionNodes::finish() {
  // Sections in the order they were opened (the file's usual order), each after the
  // sections below it: "dram.timing" before "dram", every section before the top level.
  std::vector<std::pair<std::size_t, Node*>> by_depth;
  for (auto& [path, node] : nodes_) {
    if (!node) continue;
    const auto depth =
        path.empty() ? std::size_t{0}
                     : 1 + static_cast<std::size_t>(std::count(path.begin(), path.end(), '.'));
    by_depth.emplace_back(depth, &*node);
  }
  std::stable_sort(by_depth.begin(), by_depth.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (auto& entry : by_depth) entry.second->finish();
}

std::optional<schema::Value> read_key(SectionNodes& nodes, const schema::KeyInfo& k) {
  Node* n = nodes.find(k.section);
  if (n && (n->has(k.key) || k.default_kind == schema::Default::Required)) return n->get(k);
  if (n) n->allow(k.key);
  return std::nullopt;
}

}  // namespace skv::config
