#include "config/ResolvedConfig.h"

#include "common/StableHash.h"

namespace skv::config {

namespace {

template <class S>
std::vector<ResolvedKey> resolve(const schema::Schema<S>& schema, const S& config) {
  std::vector<ResolvedKey> out;
  for (const auto& f : schema.fields()) out.push_back(ResolvedKey{&f.info, f.get(config)});
  return out;
}

void add_timing_keys(StableHash& h, const std::string& prefix,
                     const std::vector<ResolvedKey>& keys) {
  for (const ResolvedKey& k : keys) {
    if (k.info->affects_timing) h.add(prefix + k.info->path(), schema::to_text(k.value));
  }
}

}  // namespace

const std::string& schema_version() {
  static const std::string version = [] {
    std::vector<schema::KeyInfo> keys;
    std::vector<schema::Section> sections;
    for (const auto& k : hw_schema().keys()) keys.push_back(k);
    for (const auto& s : hw_schema().sections()) sections.push_back(s);
    // The model's keys under "model", apart from the hardware config's.
    for (auto s : model_schema().sections()) {
      s.path = "model" + (s.path.empty() ? "" : "." + s.path);
      sections.push_back(std::move(s));
    }
    for (auto k : model_schema().keys()) {
      k.section = "model" + (k.section.empty() ? "" : "." + k.section);
      keys.push_back(std::move(k));
    }
    return schema::schema_hash(keys, sections);
  }();
  return version;
}

std::vector<ResolvedKey> resolved_keys(const HwConfig& hw) { return resolve(hw_schema(), hw); }

std::vector<ResolvedKey> resolved_keys(const ModelConfig& model) {
  return resolve(model_schema(), model);
}

std::string resolved_config_hash(const HwConfig& hw, const ModelConfig& model) {
  StableHash h;
  h.add("schema_version", schema_version());
  add_timing_keys(h, "hw.", resolved_keys(hw));
  add_timing_keys(h, "model.", resolved_keys(model));
  return h.hex();
}

}  // namespace skv::config
