#include "config/ModelConfigLoader.h"

#include <fmt/format.h>

#include "config/ConfigNode.h"
#include "config/SchemaReader.h"

namespace skv::config {

ModelConfig load_model_config(const std::string& path) {
  SectionNodes nodes(Node::load_file(path));
  ModelConfig m;
  m.source_file = path;
  read_keys(nodes, model_schema(), m);
  nodes.finish();
  // Rules across keys.
  if (m.heads % m.kv_heads != 0) {
    nodes.at("").fail("kv_heads",
                      fmt::format("{} does not divide heads = {} (each K/V head serves a whole "
                                  "group of query heads)",
                                  m.kv_heads, m.heads));
  }
  return m;
}

}  // namespace skv::config
