#pragma once
// The fast mode's samples: one synthetic batch simulated exactly, by the same modules
// and the same DRAM engine as exact mode, in a fresh accelerator, through a window of
// its layers; the counters of every operation of the window's last layer (and of the
// final norm and LM head, if the window has them) are what the fast mode reuses.
//
// The context is canonical, so that a sample depends only on the resolved configs, the
// algorithm and its key, never on a trace or on which samples ran before it: `rows`
// requests (ids 0, 1, ...; KV slots 0, 1, ...), each with `kv_len` tokens cached,
// decoded as batch 0 from cycle 0. The window's first layers warm the DRAM (open rows,
// refresh phase, posted writes in flight) so that its last layer starts as a layer of a
// real step does, after a whole layer of the same batch.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/sequencer/ModelConfig.h"
#include "models/tlm/AttentionAlgo.h"
#include "models/tlm/Ops.h"
#include "models/top/HwConfig.h"
#include "sim/Counters.h"

namespace skv::sim {

struct SampleKey {
  std::uint32_t rows = 1;
  std::uint64_t kv_len = 0;
  // Each row's KV length, in row order, when they differ (the fast mode under overlap,
  // a batch of several rows); empty: every row at kv_len. A key whose rows all have one
  // length leaves it empty (row_kv_lens() is the same either way), so that one sample
  // has one name.
  std::vector<std::uint64_t> kv_lens;
  std::uint32_t layers = 2;  // layers simulated; the last one is measured
  bool head = false;         // also simulate and measure the final norm and LM head
  bool until_attention = false;  // the measured layer stops after its attentions
  // Every layer of the window is measured, not only the last (the fast mode under
  // overlap, where a layer's time depends on what the one before left in flight).
  bool every_layer = false;
  // overlap.across_batches: next_batch: the batch starts with its first GEMV's weights
  // streaming since the batch before's LM head (`carried_in`: a lead-in of that head is
  // simulated first, not measured), and its own LM head starts the next batch's
  // (`carry_out`).
  bool carried_in = false;
  bool carry_out = false;

  // Row i's KV length.
  std::uint64_t row_kv_len(std::uint32_t i) const {
    return kv_lens.empty() ? kv_len : kv_lens.at(i);
  }
  std::vector<std::uint64_t> row_kv_lens() const;

  // A file-name-safe name, e.g. "r1-kv512-l1-attn", "r2-kv0-l2-head", "r1-kv512-l3-head-all",
  // (rows of different KV lengths) "r2-kv512-544-l8-head-all", or (carried in and out)
  // "r1-kv512-l3-head-all-in-out".
  std::string name() const;
};

struct OpSpan {
  std::string name;  // e.g. "qkv_gemv"
  tlmx::OpClass cls = tlmx::OpClass::Other;
  Counters delta;    // from the previous operation's end to this one's
};

struct Sample {
  SampleKey key;
  std::vector<OpSpan> layer_ops;  // the measured layer's operations, in issue order
  std::vector<OpSpan> head_ops;   // the final norm and the LM head (if key.head)
  // key.every_layer: the operations of the window's layers before the last, by layer.
  std::vector<std::vector<OpSpan>> earlier_layer_ops;
  std::uint64_t simulated_cycles = 0;  // the whole window, warm-up layers included

  // The measured layer's operations of one class, or all but that class, summed.
  Counters layer_sum(tlmx::OpClass cls, bool that_class) const;
  Counters head_sum() const;
  // key.every_layer: all operations of window layer `layer` (the last one included).
  Counters whole_layer(std::uint32_t layer) const;
};

// Simulates the sample in this process. SystemC elaborates once per process: call it in
// a process of its own (measure_sample_in_child).
Sample measure_sample(const config::HwConfig& hw, const config::ModelConfig& model,
                      tlmx::AttentionAlgo algo, const SampleKey& key);

// The same in a forked child process; throws SimulationError / std::runtime_error with
// the child's error line if it fails.
Sample measure_sample_in_child(const config::HwConfig& hw, const config::ModelConfig& model,
                               tlmx::AttentionAlgo algo, const SampleKey& key);

// Measures `keys` in forked child processes, at most `jobs` simulating at a time; the
// samples come back in the order of `keys`, each the same as measure_sample's. Samples
// with the same number of rows share their start: up to the end of layer 0's RoPE a
// sample's simulation depends on neither its KV length nor its window, so one process
// simulates that part once and forks a child per sample there, which goes on with its
// own KV length and window (DecodeSequencer::set_kv_lens); under overlap (hardware config
// `overlap`) nothing is shared, since streams ahead of layer 0's RoPE may already depend
// on the KV length: each sample is simulated from its start. Throws as
// measure_sample_in_child does, for the first key that failed.
std::vector<Sample> measure_samples(const config::HwConfig& hw, const config::ModelConfig& model,
                                    tlmx::AttentionAlgo algo, const std::vector<SampleKey>& keys,
                                    unsigned jobs);

nlohmann::json to_json(const Sample& s);
// Throws std::runtime_error if the text is not a sample.
Sample sample_from_json(const nlohmann::json& j);

}  // namespace skv::sim
