#pragma once
// The configs as a run uses them, key by key from their schemas: every key with its
// value, defaults filled in and the DRAM preset inlined. report.json echoes them; their
// hash keys anything derived from a run's timing (a cache of samples, say); the schemas'
// own hash is the config version.

#include <string>
#include <vector>

#include "common/ConfigSchema.h"
#include "models/sequencer/ModelConfig.h"
#include "models/top/HwConfig.h"

namespace skv::config {

// The config version: schema::schema_hash over every entry of the hardware config's
// schema (the DRAM preset's keys included) and the model's. It changes when a key, a
// type, a unit, a range, a default or a timing flag changes; not when a description
// does. 16 hex digits.
const std::string& schema_version();

// One key of a resolved config.
struct ResolvedKey {
  const schema::KeyInfo* info;  // its schema entry (path, type, unit, ...)
  schema::Value value;
};

// Every key of the hardware config (hw_schema(): the DRAM preset's under `dram`) and of
// the model (model_schema()), in schema order.
std::vector<ResolvedKey> resolved_keys(const HwConfig& hw);
std::vector<ResolvedKey> resolved_keys(const ModelConfig& model);

// A stable hash (16 hex digits) of the schema version and of every key that can change
// a run's timing (KeyInfo::affects_timing), with its resolved value, of both configs:
// two configs that differ only in names or file paths hash the same; a changed value,
// default or DRAM preset changes it. It does not cover the build of the simulator
// (common/BuildId.h) or the attention algorithm.
std::string resolved_config_hash(const HwConfig& hw, const ModelConfig& model);

}  // namespace skv::config
