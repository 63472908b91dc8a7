#include "sim/Sampler.h"

#include <fmt/format.h>

#include <systemc>

#include <cstdlib>
#include <stdexcept>

#include "common/Error.h"
#include "models/top/Accelerator.h"
#include "sim/ChildProcess.h"
#include "sim/DesignChecks.h"

namespace skv::sim {

std::string SampleKey::name() const {
  return fmt::format("r{}-kv{}-l{}{}{}", rows, kv_len, layers, until_attention ? "-attn" : "",
                     head ? "-head" : "");
}

Counters Sample::layer_sum(tlmx::OpClass cls, bool that_class) const {
  Counters c;
  for (const OpSpan& op : layer_ops) {
    if ((op.cls == cls) == that_class) c += op.delta;
  }
  return c;
}

Counters Sample::head_sum() const {
  Counters c;
  for (const OpSpan& op : head_ops) c += op.delta;
  return c;
}

namespace {

// The sample's one batch.
class OneBatch : public trace::BatchSource {
 public:
  explicit OneBatch(const SampleKey& key) : path_("sample " + key.name()) {
    for (std::uint32_t i = 0; i < key.rows; ++i) {
      rows_.push_back(trace::DecodeStep{0, i, 0, key.kv_len, i + 1});
    }
  }
  bool next_batch(std::vector<trace::DecodeStep>& out) override {
    if (done_) return false;
    out = rows_;
    done_ = true;
    return true;
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  std::vector<trace::DecodeStep> rows_;
  bool done_ = false;
};

}  // namespace

Sample measure_sample(const config::HwConfig& hw, const config::ModelConfig& model,
                      tlmx::AttentionAlgo algo, const SampleKey& key) {
  if (key.rows == 0 || key.layers == 0 || key.layers > model.layers) {
    throw std::logic_error(fmt::format("sample {}: needs 1 to {} layers and at least one row",
                                       key.name(), model.layers));
  }
  sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  check_design(hw, model, algo);
  const AddressMap amap(model, hw);
  OneBatch source(key);
  const tlmx::ClockDomain clock(hw.clock_mhz);

  Sample s;
  s.key = key;
  std::array<std::uint64_t, tlmx::kOpClassCount> class_cycles{};
  Counters previous;
  Accelerator* accel = nullptr;
  Accelerator top("accelerator", hw, model, amap, source, clock, algo,
                  [](const BatchResult&) {});
  accel = &top;
  top.sequencer.set_window(key.layers, key.head, key.until_attention);
  top.sequencer.set_op_sink([&](const OpRecord& op) {
    class_cycles[static_cast<int>(op.cls)] += op.end_cycle - op.start_cycle;
    const Counters now = snapshot(*accel, class_cycles, op.end_cycle);
    OpSpan span{op.name, op.cls, now - previous};
    previous = now;
    if (op.layer >= model.layers) {
      s.head_ops.push_back(std::move(span));
    } else if (op.layer + 1 == key.layers) {
      s.layer_ops.push_back(std::move(span));
    }
  });
  sc_core::sc_start();
  top.check_finished();
  s.simulated_cycles = clock.now_cycle();
  return s;
}

Sample measure_sample_in_child(const config::HwConfig& hw, const config::ModelConfig& model,
                               tlmx::AttentionAlgo algo, const SampleKey& key) {
  const ChildOutcome r = run_in_child([&]() -> std::pair<int, std::string> {
    try {
      return {0, to_json(measure_sample(hw, model, algo, key)).dump()};
    } catch (const SimulationError& e) {
      return {4, e.what()};
    }
  });
  const std::string where = fmt::format("fast mode: sample {}", key.name());
  if (r.signal != 0) {
    throw std::runtime_error(fmt::format("{}: its process ended by signal {}", where, r.signal));
  }
  if (r.exit_code == 4) throw SimulationError(where + ": " + r.text);
  if (r.exit_code != 0) throw std::runtime_error(where + ": " + r.text);
  return sample_from_json(nlohmann::json::parse(r.text));
}

namespace {

nlohmann::json spans_json(const std::vector<OpSpan>& ops) {
  nlohmann::json a = nlohmann::json::array();
  for (const OpSpan& op : ops) {
    a.push_back({{"name", op.name},
                 {"class", tlmx::op_class_name(op.cls)},
                 {"counters", to_json(op.delta)}});
  }
  return a;
}

std::vector<OpSpan> spans_from_json(const nlohmann::json& a) {
  if (!a.is_array()) throw std::runtime_error("operations are not a list");
  std::vector<OpSpan> ops;
  for (const auto& e : a) {
    OpSpan op;
    op.name = e.at("name").get<std::string>();
    const std::string cls = e.at("class").get<std::string>();
    bool known = false;
    for (int i = 0; i < tlmx::kOpClassCount; ++i) {
      if (cls == tlmx::op_class_name(static_cast<tlmx::OpClass>(i))) {
        op.cls = static_cast<tlmx::OpClass>(i);
        known = true;
      }
    }
    if (!known) throw std::runtime_error("unknown operation class " + cls);
    op.delta = counters_from_json(e.at("counters"));
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

nlohmann::json to_json(const Sample& s) {
  return {{"rows", s.key.rows},
          {"kv_len", s.key.kv_len},
          {"layers", s.key.layers},
          {"head", s.key.head},
          {"until_attention", s.key.until_attention},
          {"simulated_cycles", s.simulated_cycles},
          {"layer_ops", spans_json(s.layer_ops)},
          {"head_ops", spans_json(s.head_ops)}};
}

Sample sample_from_json(const nlohmann::json& j) {
  try {
    Sample s;
    s.key.rows = j.at("rows").get<std::uint32_t>();
    s.key.kv_len = j.at("kv_len").get<std::uint64_t>();
    s.key.layers = j.at("layers").get<std::uint32_t>();
    s.key.head = j.at("head").get<bool>();
    s.key.until_attention = j.at("until_attention").get<bool>();
    s.simulated_cycles = j.at("simulated_cycles").get<std::uint64_t>();
    s.layer_ops = spans_from_json(j.at("layer_ops"));
    s.head_ops = spans_from_json(j.at("head_ops"));
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("not a sample: ") + e.what());
  }
}

}  // namespace skv::sim
