#pragma once
// The fast mode: a decode trace assembled from measured samples instead of simulating
// every burst of every step.
//
// What it reuses. In a step the sequencer runs every layer's operations one after
// another, each ending with its reads complete, and every layer of a step has the same
// shapes; only the attentions depend on the rows' KV lengths. So a batch of B rows with
// KV lengths L_1..L_B costs
//
//   layers x (base(B) + attention(L_1) + ... + attention(L_B)) + head(B)
//
// where base(B) is one layer's operations other than its attentions and head(B) the
// final norm and LM head, both measured in one sample of B rows (sim/Sampler.h: two
// layers simulated, the second measured), and attention(L) one row's attention measured
// in a sample of one row at KV length L (its layer's norm, QKV GEMV, RoPE and KV append
// simulated before it). Every figure is a sum of measured counters.
//
// Where it interpolates. An attention's time is a staircase in the KV length: each K/V
// tile costs its DMA latency and pipeline fill, and within a tile the cost per token
// grows as the last tile's fetch stops hiding behind the others' compute. So the
// attention samples sit on a grid derived from the config alone: every T / P tokens of
// KV length (T the smallest tile of the algorithm's sweeps, P `points_per_tile`), the
// model's last position, and both sides of every change of attention plan, where the
// plan is its passes, heads per pass, scores on or off chip and the number of tiles of
// each sweep (so both sides of every tile edge: KV lengths kT - 1 and kT). A row
// between two grid points gets the straight line between their samples, which share
// one plan: bytes, MACs and operation counts are affine in the KV length within a plan,
// so they come out exact. The samples do not depend on the trace, on the order they were needed in
// or on a cache, so every output byte depends only on the configs, the trace, the algorithm and the
// binary.
//
// Under overlap (hardware config `overlap`: next-GEMV weights, next-attention K/V, or the
// O projection's slices beside the attention) an operation's time depends on what the
// one before it left in flight, or on what runs beside it, so operations are no longer
// reused one by one. The unit of reuse is then the layer in its steady state:
// a sample of one row at KV length L simulates a window of the model's layers and the
// head, built as a model that ends after the window, and measures every layer (the
// first starts cold, as a step's first layer does; the middle ones start with what a
// layer leaves in flight, as every middle layer does; the last hands over to the head,
// as a step's last layer does, and fetches nothing ahead for a layer after it), and a
// step costs
//
//   first(L) + (layers - 2) x mean of the middle(L) + last(L) + head(L)
//
// The window has as many middle layers as span kMiddleLayerCycles at the roofline, at
// least one and at most the model's (then the sample is the whole step). Steps are
// interpolated on the same grid, as whole steps. A batch of B rows is a point in B
// dimensions, one per row's KV length, each in its row's grid cell; its step is
// interpolated on a simplex of that box (B + 1 of its 2^B corners, each a step sample
// of B rows at those grid points): the rows are taken in decreasing order of how far
// they are into their cells, and the path from the box's low corner moves them to their
// cells' high ends in that order. Rows equally far in move together, so rows at one KV
// length (or equally placed in equal cells) need the box's diagonal only: B = 1 is the
// straight line above. Under overlap.across_batches: next_batch the step sample is of a
// batch carried in and carrying out (after a lead-in that starts its stream); a trace's
// first and last batches swap in the spans the carry changes (carry_part).
//
// The error estimate: how much the cycles per token of the row's grid interval differ
// from the neighbouring interval's with the same plan (the next one, else the previous
// one), times the row's distance to its nearer sample; a step's estimate is the sum
// over its rows and layers.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "models/attention/AttentionPlan.h"
#include "models/sequencer/DecodeSequencer.h"
#include "models/sequencer/DecodeStep.h"
#include "models/top/ExpectedWork.h"
#include "sim/Counters.h"
#include "sim/Sampler.h"
#include "sim/Simulation.h"

namespace skv::sim {

inline constexpr std::uint32_t kDefaultPointsPerTile = 2;

inline constexpr std::uint64_t kDefaultCacheLimitBytes = 1ull << 30;

// Under overlap a step sample measures middle layers (beside its first and last) until
// they span at least this many cycles at the roofline (WorkModel), or the model has no
// more: one layer's time in the exact mode varies by about +-0.5% on a small model
// (where refreshes and row conflicts fall in it), and a step multiplies its middle
// layer by the model's layers (docs/fast-mode.md, "Under overlap").
inline constexpr std::uint64_t kMiddleLayerCycles = 65536;

struct FastOptions {
  std::uint32_t points_per_tile = kDefaultPointsPerTile;  // grid points per K/V tile
  // The sample cache: `cache_dir` holds this run's samples (a directory named by the
  // hash of everything a sample depends on, below `cache_root`); empty: no cache. When
  // the files below `cache_root` pass `cache_limit_bytes`, the oldest go first.
  std::string cache_root;
  std::string cache_dir;
  std::uint64_t cache_limit_bytes = kDefaultCacheLimitBytes;
  // Samples simulated at once, each in a process of its own (run -j): outputs do not
  // depend on it.
  unsigned jobs = 1;
};

// Deletes the least recently written files below `root` until the rest take at most
// `limit` bytes; returns how many it deleted.
std::size_t prune_cache(const std::string& root, std::uint64_t limit);

// overlap.across_batches: next_batch. `in`: the batch starts with its first GEMV's weights
// streaming since the batch before's LM head (every batch but a trace's first); `out`:
// its own LM head starts the next batch's (every batch but the last). Both false
// without next_batch.
struct Carry {
  bool in = false;
  bool out = false;
  int code() const { return (in ? 2 : 0) + (out ? 1 : 0); }
};

struct BatchEstimate {
  Counters counters;
  bool interpolated = false;
  bool without_estimate = false;  // a row's interval had no same-plan neighbour
  std::uint64_t error_estimate_cycles = 0;
};

class FastModel {
 public:
  FastModel(const config::HwConfig& hw, const config::ModelConfig& model,
            tlmx::AttentionAlgo algo, const FastOptions& options);

  BatchEstimate batch(const std::vector<trace::DecodeStep>& rows, Carry carry = {});
  // Measures (or reads from the cache) every sample that batch() needs for the first
  // `count` batches (each with its carry) and does not have yet, options.jobs at a time.
  void prepare(const std::vector<std::vector<trace::DecodeStep>>& batches,
               const std::vector<Carry>& carries, std::size_t count);

  // The attention grid: KV lengths with a sample (measured when first needed).
  const std::vector<std::uint64_t>& grid() const { return grid_; }
  const FastSummary& summary() const { return summary_; }

 private:
  struct PlanKey {
    std::uint64_t passes;
    std::uint32_t heads_per_pass;
    bool scores_on_chip;
    std::vector<std::uint64_t> tiles_per_sweep;
    bool operator==(const PlanKey& o) const {
      return passes == o.passes && heads_per_pass == o.heads_per_pass &&
             scores_on_chip == o.scores_on_chip && tiles_per_sweep == o.tiles_per_sweep;
    }
    bool operator!=(const PlanKey& o) const { return !(*this == o); }
  };
  PlanKey plan_key(std::uint64_t kv_len) const;
  void build_grid();
  void split(std::uint64_t lo, std::uint64_t hi, std::vector<std::uint64_t>& out) const;
  // The layer sample of a batch of `rows` rows (and the final norm and LM head).
  SampleKey layer_key(std::uint32_t rows) const;
  // What every batch of `rows` rows takes from its layer sample: the layer's operations
  // but its attention, summed, and the head's. Summed once per batch size (outside
  // prepare(), whose samples stand in empty).
  struct BaseParts {
    Counters layer_without_attention;
    Counters head;
  };
  const BaseParts& base_parts(std::uint32_t rows);
  const Sample& sample(const SampleKey& key);
  // Reads what the cache has of `keys`, measures the rest and keeps them all.
  void fetch(const std::vector<SampleKey>& keys);
  void keep(Sample s);
  // A row's place in its batch: row `row` (from 0) of `rows`.
  struct RowPlace {
    std::uint32_t rows = 1;
    std::uint32_t row = 0;
    bool operator<(const RowPlace& o) const { return rows != o.rows ? rows < o.rows : row < o.row; }
  };
  // What is measured at a grid point: the attention of row `at.row` of a batch of
  // `at.rows` rows, every row at `kv_len` (KV slots 0, 1, ...), so that it reads its own
  // slot and starts where it would in a step: the first row's after the batch's K/V
  // appends, each other's after the attention of the row before.
  const Counters& attention_sample(RowPlace at, std::uint64_t kv_len);
  // The sample at `kv_len`, or the straight line between the grid points around it.
  Counters on_grid(RowPlace at, std::uint64_t kv_len, bool& interpolated, bool& without_estimate,
                   std::uint64_t& error_cycles);
  // The cycles per token of grid interval [grid[i], grid[i + 1]], in 1/1024 cycles.
  std::int64_t slope(RowPlace at, std::size_t i);
  // Under overlap: the sample of a batch's whole step, its rows at `kv_lens` (in row
  // order): its first layer, its middle layers (at least one, as many as
  // kMiddleLayerCycles asks for, at most the model's), its last layer and the head.
  SampleKey step_key(const std::vector<std::uint64_t>& kv_lens, Carry carry) const;
  const Counters& step_sample(const std::vector<std::uint64_t>& kv_lens, Carry carry);
  // overlap.across_batches: next_batch: what a batch of `rows` rows gains by not being
  // carried in (`in_part`: layer 0's operations up to its RoPE, cold minus carried in)
  // or by not carrying out (the final norm and LM head, without the next batch's stream
  // minus with it), as two sums to add and subtract: spans that do not depend on the KV
  // length, from small samples at KV 0. Null while prepare() collects keys.
  struct CarryPart {
    Counters add, sub;
  };
  const CarryPart* carry_part(std::uint32_t rows, bool in_part);
  // Under overlap: a batch's step, from the step samples at the corners of the rows' grid
  // cells (simplicial interpolation: see overlap_batch in FastMode.cpp).
  BatchEstimate overlap_batch(const std::vector<trace::DecodeStep>& rows, Carry carry);

  const config::HwConfig& hw_;
  const config::ModelConfig& model_;
  tlmx::AttentionAlgo algo_;
  FastOptions options_;
  AddressMap amap_;
  AttentionPlanner planner_;
  WorkModel work_;
  std::vector<std::uint64_t> grid_;
  std::map<std::string, Sample> samples_;
  std::map<std::pair<RowPlace, std::uint64_t>, Counters> attention_;  // by place, KV length
  // Under overlap, by the rows' KV lengths and the carry (Carry::code).
  std::map<std::pair<std::vector<std::uint64_t>, int>, Counters> steps_;
  std::map<std::pair<std::uint32_t, bool>, CarryPart> carry_parts_;  // by rows, in_part
  std::map<std::uint32_t, BaseParts> base_parts_;                    // by rows
  BaseParts preparing_parts_;  // base_parts() during prepare(): not kept
  bool overlap_ = false;  // hw.overlap.ops_overlap(): steps are reused whole
  // prepare(): while set, a sample not yet kept is added here (once) and stands in as
  // an empty one.
  std::vector<SampleKey>* wanted_ = nullptr;
  // Batch sizes, and rows' places and KV lengths, whose samples prepare() has seen to.
  std::unordered_set<std::uint32_t> ready_sizes_;
  std::set<std::pair<RowPlace, std::uint64_t>> ready_rows_;
  Sample empty_sample_;
  Counters empty_counters_;
  FastSummary summary_;
};

// Runs a decode trace in the fast mode: the same reports as run_simulation, with
// r.fast saying what was simulated and what reused.
RunResult run_fast(const config::HwConfig& hw, const config::ModelConfig& model,
                   const trace::TraceInput& trace, tlmx::AttentionAlgo algo,
                   const DecodeSequencer::BatchSink& sink, const FastOptions& options);

}  // namespace skv::sim
