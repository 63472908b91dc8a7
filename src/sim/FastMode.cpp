#include "sim/FastMode.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/Error.h"
#include "common/Figures.h"
#include "models/top/ExpectedWork.h"
#include "sim/DesignChecks.h"
#include "sim/Invariants.h"
#include "trace/DecodeTrace.h"

namespace skv::sim {

namespace {
__extension__ using u128 = unsigned __int128;  // exact products of two 64-bit values
}  // namespace

std::size_t prune_cache(const std::string& root, std::uint64_t limit) {
  namespace fs = std::filesystem;
  struct Entry {
    fs::file_time_type time;
    std::string path;
    std::uint64_t bytes;
  };
  std::vector<Entry> entries;
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const std::uint64_t bytes = it->file_size(ec);
    entries.push_back(Entry{it->last_write_time(ec), it->path().string(), bytes});
    total += bytes;
  }
  // Oldest first; by path among equal times, so that the choice is repeatable.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time < b.time : a.path < b.path;
  });
  std::size_t deleted = 0;
  for (const Entry& e : entries) {
    if (total <= limit) break;
    if (fs::remove(e.path, ec)) {
      total -= e.bytes;
      ++deleted;
    }
  }
  return deleted;
}

FastModel::FastModel(const config::HwConfig& hw, const config::ModelConfig& model,
                     tlmx::AttentionAlgo algo, const FastOptions& options)
    : hw_(hw),
      model_(model),
      algo_(algo),
      options_(options),
      amap_(model, hw),
      planner_(hw.attention, hw.kv_sram.score_space_bytes()),
      work_(model, hw, amap_, algo),
      overlap_(hw.overlap.ops_overlap()) {
  build_grid();
  summary_.points_per_tile = options_.points_per_tile;
  summary_.grid_points = grid_.size();
}

FastModel::PlanKey FastModel::plan_key(std::uint64_t kv_len) const {
  tlmx::AttentionOp op = amap_.kv_layout(0, 0);
  op.tokens = kv_len + 1;
  op.algo = algo_;
  const AttentionPlanner::Plan p = planner_.plan(op);
  return PlanKey{p.passes, p.heads_per_pass, p.scores_on_chip, p.tiles_per_sweep};
}

// Adds to `out` both sides of every plan change in (lo, hi]: the last KV length with
// lo's plan and the first with the next.
void FastModel::split(std::uint64_t lo, std::uint64_t hi, std::vector<std::uint64_t>& out) const {
  const PlanKey first = plan_key(lo);
  if (plan_key(hi) == first) return;
  std::uint64_t a = lo;  // plan(a) == first
  std::uint64_t b = hi;  // plan(b) != first
  while (b - a > 1) {
    const std::uint64_t m = a + (b - a) / 2;
    (plan_key(m) == first ? a : b) = m;
  }
  out.push_back(a);
  out.push_back(b);
  if (b < hi) split(b, hi, out);
}

void FastModel::build_grid() {
  if (options_.points_per_tile == 0) {
    throw InputError("--fast-points-per-tile: must be at least 1");
  }
  std::uint64_t tile = ~std::uint64_t{0};
  for (const auto& sw : planner_.schedule(algo_, model_.head_dim)) {
    tile = std::min(tile, sw.tile_tokens);
  }
  const std::uint64_t step = std::max<std::uint64_t>(1, tile / options_.points_per_tile);
  const std::uint64_t last = model_.max_context - 1;  // the largest KV length that fits
  std::vector<std::uint64_t> g;
  for (std::uint64_t l = 0; l < last; l += step) g.push_back(l);
  g.push_back(last);
  const std::size_t regular = g.size();
  for (std::size_t i = 0; i + 1 < regular; ++i) split(g[i], g[i + 1], g);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  grid_ = std::move(g);
}

void FastModel::keep(Sample s) {
  // Counted whether it came from the cache or not, so that reports do not depend on it.
  summary_.sample_cycles += s.simulated_cycles;
  // Under overlap every sample is of layers (carry_part's too, up to an attention).
  if (s.key.until_attention && !overlap_) {
    ++summary_.attention_samples;
  } else {
    ++summary_.layer_samples;
  }
  std::string name = s.key.name();
  samples_.emplace(std::move(name), std::move(s));
}

void FastModel::fetch(const std::vector<SampleKey>& keys) {
  namespace fs = std::filesystem;
  auto cache_file = [&](const SampleKey& key) {
    return options_.cache_dir.empty() ? fs::path()
                                      : fs::path(options_.cache_dir) / (key.name() + ".json");
  };
  std::vector<SampleKey> missing;
  for (const SampleKey& key : keys) {
    const std::string name = key.name();
    if (samples_.count(name) > 0) continue;
    if (std::any_of(missing.begin(), missing.end(),
                    [&](const SampleKey& m) { return m.name() == name; })) {
      continue;
    }
    const fs::path file = cache_file(key);
    if (!file.empty()) {
      std::ifstream in(file);
      if (in) {
        try {
          Sample c = sample_from_json(nlohmann::json::parse(in));
          if (c.key.name() != name) throw std::runtime_error("it holds sample " + c.key.name());
          ++summary_.cache_hits;
          keep(std::move(c));
          continue;
        } catch (const std::exception& e) {
          fmt::print(stderr, "warning: {}: ignored a corrupt cached sample ({})\n", file.string(),
                     e.what());
        }
      }
    }
    missing.push_back(key);
  }
  if (missing.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<Sample> measured = measure_samples(hw_, model_, algo_, missing, options_.jobs);
  summary_.sample_wall_s +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bool written = false;
  for (Sample& s : measured) {
    const fs::path file = cache_file(s.key);
    if (!file.empty()) {
      ++summary_.cache_misses;
      // Write, then rename: a concurrent reader sees a whole file or none.
      std::error_code ec;
      fs::create_directories(file.parent_path(), ec);
      const fs::path tmp = file.string() + fmt::format(".tmp{}", getpid());
      std::ofstream out(tmp);
      out << to_json(s).dump() << '\n';
      out.close();
      if (out && !ec) fs::rename(tmp, file, ec);
      if (!out || ec) {
        fs::remove(tmp, ec);
        fmt::print(stderr, "warning: {}: cannot write the sample cache\n", file.string());
      } else {
        written = true;
      }
    }
    keep(std::move(s));
  }
  if (written && !options_.cache_root.empty()) {
    prune_cache(options_.cache_root, options_.cache_limit_bytes);
  }
}

const Sample& FastModel::sample(const SampleKey& key) {
  const std::string name = key.name();
  auto it = samples_.find(name);
  if (it != samples_.end()) return it->second;
  if (wanted_ != nullptr) {
    wanted_->push_back(key);
    return empty_sample_;
  }
  fetch({key});
  return samples_.at(name);
}

void FastModel::prepare(const std::vector<std::vector<trace::DecodeStep>>& batches,
                        const std::vector<Carry>& carries, std::size_t count) {
  std::vector<SampleKey> wanted;
  wanted_ = &wanted;
  try {
    // What batch() would need, looked up once per batch size and once per KV length
    // (under overlap, once per batch's KV lengths in this window).
    std::set<std::pair<std::vector<std::uint64_t>, int>> seen;
    for (std::size_t i = 0; i < count; ++i) {
      const std::vector<trace::DecodeStep>& rows = batches[i];
      if (overlap_) {
        std::vector<std::uint64_t> lens;
        for (const trace::DecodeStep& r : rows) lens.push_back(r.kv_len);
        if (seen.emplace(std::move(lens), carries[i].code()).second) {
          overlap_batch(rows, carries[i]);
        }
        continue;
      }
      const auto size = static_cast<std::uint32_t>(rows.size());
      if (ready_sizes_.insert(size).second) sample(layer_key(size));
      for (std::uint32_t row = 0; row < size; ++row) {
        const RowPlace at{size, row};
        if (!ready_rows_.emplace(at, rows[row].kv_len).second) continue;
        bool interpolated = false;
        bool without_estimate = false;
        std::uint64_t error_cycles = 0;
        on_grid(at, rows[row].kv_len, interpolated, without_estimate, error_cycles);
      }
    }
  } catch (...) {
    wanted_ = nullptr;
    throw;
  }
  wanted_ = nullptr;
  fetch(wanted);
}

const Counters& FastModel::attention_sample(RowPlace at, std::uint64_t kv_len) {
  auto it = attention_.find({at, kv_len});
  if (it != attention_.end()) return it->second;
  SampleKey key;
  key.rows = at.rows;
  key.kv_len = kv_len;
  key.layers = 1;
  key.until_attention = true;
  const Sample& s = sample(key);
  if (&s == &empty_sample_) return empty_counters_;
  // The measured layer's attentions, one per row, in row order.
  std::uint32_t row = 0;
  for (const OpSpan& op : s.layer_ops) {
    if (op.cls != tlmx::OpClass::Attention) continue;
    if (row++ == at.row) return attention_.emplace(std::pair{at, kv_len}, op.delta).first->second;
  }
  throw std::logic_error(
      fmt::format("fast mode: sample {} has {} attentions, not row {}'s", key.name(), row, at.row));
}

SampleKey FastModel::step_key(const std::vector<std::uint64_t>& kv_lens, Carry carry) const {
  SampleKey key;
  key.carried_in = carry.in;
  key.carry_out = carry.out;
  key.rows = static_cast<std::uint32_t>(kv_lens.size());
  key.kv_len = kv_lens.front();
  if (std::any_of(kv_lens.begin(), kv_lens.end(),
                  [&](std::uint64_t l) { return l != key.kv_len; })) {
    key.kv_lens = kv_lens;
  }
  key.layers = std::min<std::uint32_t>(3, model_.layers);
  if (model_.layers > 3) {
    // Middle layers until they span kMiddleLayerCycles at the roofline.
    std::vector<trace::DecodeStep> rows;
    for (std::uint64_t i = 0; i < kv_lens.size(); ++i) {
      rows.push_back(trace::DecodeStep{0, i, 0, kv_lens[i], 0});
    }
    const std::uint64_t layer =
        std::max<std::uint64_t>(1, work_.roofline_cycles(work_.batch(rows)) / model_.layers);
    const std::uint64_t middle = (kMiddleLayerCycles + layer - 1) / layer;
    key.layers = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(model_.layers, 2 + std::max<std::uint64_t>(1, middle)));
  }
  key.head = true;
  key.every_layer = true;
  return key;
}

const FastModel::CarryPart* FastModel::carry_part(std::uint32_t rows, bool in_part) {
  const auto it = carry_parts_.find({rows, in_part});
  if (it != carry_parts_.end()) return &it->second;
  auto key = [&](bool carry) {
    SampleKey k;
    k.rows = rows;
    k.kv_len = 0;
    k.layers = 1;
    if (in_part) {
      k.until_attention = true;  // layer 0 up to its attentions
      k.carried_in = carry;
    } else {
      k.head = true;  // layer 0, then the final norm and LM head
      k.carry_out = carry;
    }
    return k;
  };
  // The part without the carry, and with it.
  const Sample& without = sample(key(false));
  const Sample& with = sample(key(true));
  if (&without == &empty_sample_ || &with == &empty_sample_) return nullptr;
  auto part = [&](const Sample& s) {
    if (!in_part) return s.head_sum();
    Counters c;
    for (const OpSpan& op : s.layer_ops) {
      c += op.delta;
      if (op.name == "rope") return c;
    }
    throw std::logic_error("fast mode: sample " + s.key.name() + " has no RoPE");
  };
  // Not carried in: cold minus carried in. Not carrying out: without minus with.
  CarryPart p{part(without), part(with)};
  return &carry_parts_.emplace(std::make_pair(rows, in_part), std::move(p)).first->second;
}

const Counters& FastModel::step_sample(const std::vector<std::uint64_t>& kv_lens, Carry carry) {
  auto it = steps_.find({kv_lens, carry.code()});
  if (it != steps_.end()) return it->second;
  if (hw_.overlap.weights_cross() && !(carry.in && carry.out)) {
    // Under next_batch only a batch in the middle of a trace (carried in, carrying out)
    // is sampled whole. A trace's first batch starts cold: its layer 0 up to the RoPE
    // differs, and nothing before the RoPE depends on the KV length (next_batch has no
    // K/V prefetch). A trace's last batch starts no stream: its head differs, and the
    // head does not depend on the KV length. Those spans come from samples at KV 0.
    const auto rows = static_cast<std::uint32_t>(kv_lens.size());
    const Counters& middle = step_sample(kv_lens, Carry{true, true});
    const CarryPart* in = carry.in ? nullptr : carry_part(rows, true);
    const CarryPart* out = carry.out ? nullptr : carry_part(rows, false);
    if (&middle == &empty_counters_ || (!carry.in && in == nullptr) ||
        (!carry.out && out == nullptr)) {
      return empty_counters_;
    }
    Counters step = middle;
    for (const CarryPart* p : {in, out}) {
      if (p == nullptr) continue;
      step += p->add;
      step = step - p->sub;
    }
    return steps_.emplace(std::make_pair(kv_lens, carry.code()), step).first->second;
  }
  const Sample& s = sample(step_key(kv_lens, carry));
  if (&s == &empty_sample_) return empty_counters_;
  // first + (layers - 2) x the middle layers' mean + last + head; a window of the whole
  // model is the step itself.
  Counters step = s.head_sum();
  step += s.whole_layer(0);
  if (s.key.layers > 1) step += s.whole_layer(s.key.layers - 1);
  if (s.key.layers > 2) {
    Counters middle;
    for (std::uint32_t l = 1; l + 1 < s.key.layers; ++l) middle += s.whole_layer(l);
    step += middle.scaled(model_.layers - 2, s.key.layers - 2);
  }
  return steps_.emplace(std::make_pair(kv_lens, carry.code()), step).first->second;
}

// A batch of B rows under overlap. Each row sits on a grid point or inside a grid cell
// [lo, hi], t = (kv_len - lo) / (hi - lo) of the way in; the batch is a point of the box
// that is the product of its rows' cells. The box is cut into simplices by the order of
// the rows' t (Kuhn's triangulation): with the rows inside a cell taken in decreasing t
// (ties by row order, grouped), the path c_0 (every row at lo), c_1 (the first group at
// hi), ..., c_G (every row at hi) bounds the simplex that holds the point, and the
// linear interpolation on it is
//
//   f(c_0) + t_1 (f(c_1) - f(c_0)) + ... + t_G (f(c_G) - f(c_G-1))
//
// Each corner is a step sample of B rows at grid points, every row's within its cell, so
// all share the rows' attention plans. A counter affine in the KV lengths (bytes, MACs,
// operations, within one plan per row) is a whole number in every term (t_g times its
// step's difference is the sum over the group's rows of its per-token increment times
// kv_len - lo), so it comes out exact. For B = 1 it is the straight line between the
// cell's two samples, as on_grid.
//
// The error estimate, per group: how much its step's cycles per token (the group's
// rows' tokens) differ from the same step's on the neighbouring path, where every row
// inside a cell is moved to its neighbouring interval of the same plan (the next one,
// else the previous one), times the group's rows' distances to their nearer ends; for
// B = 1 it is on_grid's. A group with a row that has no such neighbour has none.
BatchEstimate FastModel::overlap_batch(const std::vector<trace::DecodeStep>& rows, Carry carry) {
  struct Place {
    std::uint32_t row;
    std::uint64_t lo, hi, at;  // the cell, and kv_len - lo
    bool neighbour;
    std::uint64_t nlo, nhi;  // the neighbouring interval of the same plan
  };
  const std::size_t b = rows.size();
  std::vector<std::uint64_t> c(b);  // the path's corner
  std::vector<Place> inside;
  for (std::uint32_t i = 0; i < b; ++i) {
    const std::uint64_t kv_len = rows[i].kv_len;
    c[i] = kv_len;
    const auto above = std::upper_bound(grid_.begin(), grid_.end(), kv_len);
    if (above == grid_.begin()) throw std::logic_error("fast mode: the grid does not start at 0");
    const std::size_t i0 = static_cast<std::size_t>(above - grid_.begin()) - 1;
    if (grid_[i0] == kv_len) continue;
    if (above == grid_.end()) {
      throw std::logic_error(fmt::format("fast mode: KV length {} is past the grid", kv_len));
    }
    Place p{i, grid_[i0], grid_[i0 + 1], kv_len - grid_[i0], false, 0, 0};
    c[i] = p.lo;
    const PlanKey plan = plan_key(p.lo);
    if (i0 + 2 < grid_.size() && plan_key(grid_[i0 + 1]) == plan &&
        plan_key(grid_[i0 + 2]) == plan) {
      p.neighbour = true;
      p.nlo = grid_[i0 + 1];
      p.nhi = grid_[i0 + 2];
    } else if (i0 >= 1 && plan_key(grid_[i0 - 1]) == plan) {
      p.neighbour = true;
      p.nlo = grid_[i0 - 1];
      p.nhi = grid_[i0];
    }
    inside.push_back(p);
  }
  BatchEstimate e;
  if (inside.empty()) {
    e.counters = step_sample(c, carry);
    return e;
  }
  e.interpolated = true;
  // Decreasing t = at / (hi - lo), ties in row order.
  auto t_less = [](const Place& x, const Place& y) {  // t(x) < t(y)
    return static_cast<u128>(x.at) * (y.hi - y.lo) < static_cast<u128>(y.at) * (x.hi - x.lo);
  };
  std::stable_sort(inside.begin(), inside.end(),
                   [&](const Place& x, const Place& y) { return t_less(y, x); });
  std::vector<std::uint64_t> n = c;  // the neighbouring path's corner
  for (const Place& p : inside) n[p.row] = p.neighbour ? p.nlo : p.lo;
  // Counters by value: a corner's sample is kept in steps_, but an empty stand-in
  // (prepare()) is not.
  std::vector<Counters> corners;
  corners.reserve(inside.size() + 1);  // so that `from` below stays valid
  corners.push_back(step_sample(c, carry));
  std::vector<PathStep> steps;
  steps.reserve(inside.size());
  for (std::size_t g = 0; g < inside.size();) {
    std::size_t end = g + 1;
    while (end < inside.size() && !t_less(inside[end], inside[g])) ++end;
    // The group [g, end): equally far into their cells.
    std::vector<std::uint64_t> c_next = c;
    std::vector<std::uint64_t> n_next = n;
    bool neighbours = true;
    std::uint64_t width = 0;
    std::uint64_t n_width = 0;
    std::uint64_t near = 0;
    for (std::size_t k = g; k < end; ++k) {
      const Place& p = inside[k];
      c_next[p.row] = p.hi;
      n_next[p.row] = p.neighbour ? p.nhi : p.hi;
      neighbours = neighbours && p.neighbour;
      width += p.hi - p.lo;
      n_width += p.nhi - p.nlo;
      near += std::min(p.at, p.hi - p.lo - p.at);
    }
    corners.push_back(step_sample(c_next, carry));
    const Counters& from = corners[corners.size() - 2];
    const Counters& to = corners.back();
    if (neighbours) {
      auto slope = [](const Counters& x, const Counters& y, std::uint64_t w) {
        const auto dy = static_cast<std::int64_t>(y.cycles) - static_cast<std::int64_t>(x.cycles);
        return dy * 1024 / static_cast<std::int64_t>(w);
      };
      const std::int64_t d = slope(from, to, width) -
                             slope(step_sample(n, carry), step_sample(n_next, carry), n_width);
      e.error_estimate_cycles += static_cast<std::uint64_t>((d < 0 ? -d : d)) * near / 1024;
    } else {
      e.without_estimate = true;
    }
    steps.push_back(PathStep{nullptr, nullptr, inside[g].at, inside[g].hi - inside[g].lo});
    c = std::move(c_next);
    n = std::move(n_next);
    g = end;
  }
  for (std::size_t k = 0; k < steps.size(); ++k) {
    steps[k].from = &corners[k];
    steps[k].to = &corners[k + 1];
  }
  e.counters = interpolate_path(corners.front(), steps);
  return e;
}

std::int64_t FastModel::slope(RowPlace at, std::size_t i) {
  const Counters& a = attention_sample(at, grid_[i]);
  const Counters& b = attention_sample(at, grid_[i + 1]);
  const auto dy = static_cast<std::int64_t>(b.cycles) - static_cast<std::int64_t>(a.cycles);
  return dy * 1024 / static_cast<std::int64_t>(grid_[i + 1] - grid_[i]);
}

Counters FastModel::on_grid(RowPlace at, std::uint64_t kv_len, bool& interpolated,
                            bool& without_estimate, std::uint64_t& error_cycles) {
  const auto above = std::upper_bound(grid_.begin(), grid_.end(), kv_len);
  if (above == grid_.begin()) throw std::logic_error("fast mode: the grid does not start at 0");
  const std::size_t i0 = static_cast<std::size_t>(above - grid_.begin()) - 1;
  const std::uint64_t g0 = grid_[i0];
  if (g0 == kv_len) return attention_sample(at, kv_len);
  if (above == grid_.end()) {
    throw std::logic_error(fmt::format("fast mode: KV length {} is past the grid", kv_len));
  }
  const std::uint64_t g1 = grid_[i0 + 1];
  interpolated = true;
  const Counters result =
      interpolate(attention_sample(at, g0), g0, attention_sample(at, g1), g1, kv_len);
  // The neighbouring interval with the same plan: the next one, or the previous one.
  const PlanKey plan = plan_key(g0);
  std::optional<std::size_t> n;
  if (i0 + 2 < grid_.size() && plan_key(grid_[i0 + 1]) == plan &&
      plan_key(grid_[i0 + 2]) == plan) {
    n = i0 + 1;
  } else if (i0 >= 1 && plan_key(grid_[i0 - 1]) == plan) {
    n = i0 - 1;
  }
  if (n) {
    const std::int64_t d = slope(at, i0) - slope(at, *n);
    const std::uint64_t near = std::min(kv_len - g0, g1 - kv_len);
    error_cycles += static_cast<std::uint64_t>((d < 0 ? -d : d)) * near / 1024;
  } else {
    without_estimate = true;
  }
  return result;
}

SampleKey FastModel::layer_key(std::uint32_t rows) const {
  SampleKey key;
  key.rows = rows;
  key.kv_len = 0;
  key.layers = std::min<std::uint32_t>(2, model_.layers);
  key.head = true;
  return key;
}

const FastModel::BaseParts& FastModel::base_parts(std::uint32_t rows) {
  auto parts = [&] {
    const Sample& base = sample(layer_key(rows));
    return BaseParts{base.layer_sum(tlmx::OpClass::Attention, false), base.head_sum()};
  };
  if (wanted_ != nullptr) {
    preparing_parts_ = parts();
    return preparing_parts_;
  }
  auto it = base_parts_.find(rows);
  if (it == base_parts_.end()) it = base_parts_.emplace(rows, parts()).first;
  return it->second;
}

BatchEstimate FastModel::batch(const std::vector<trace::DecodeStep>& rows, Carry carry) {
  if (overlap_) return overlap_batch(rows, carry);
  const auto size = static_cast<std::uint32_t>(rows.size());
  const BaseParts& base = base_parts(size);

  BatchEstimate e;
  Counters layer = base.layer_without_attention;
  for (std::uint32_t i = 0; i < size; ++i) {
    layer += on_grid(RowPlace{size, i}, rows[i].kv_len, e.interpolated, e.without_estimate,
                     e.error_estimate_cycles);
  }
  e.counters = layer.times(model_.layers);
  e.counters += base.head;
  e.error_estimate_cycles *= model_.layers;
  return e;
}

namespace {

// A window of the trace: at most this many batches, or rows.
constexpr std::size_t kWindowBatches = 4096;
constexpr std::size_t kWindowRows = 16384;

}  // namespace

RunResult run_fast(const config::HwConfig& hw, const config::ModelConfig& model,
                   const trace::TraceInput& trace, tlmx::AttentionAlgo algo,
                   const DecodeSequencer::BatchSink& sink, const FastOptions& options) {
  check_design(hw, model, algo);
  const AddressMap amap(model, hw);
  const WorkModel work(model, hw, amap, algo);
  trace::DecodeTraceReader file(trace.path);
  trace::ContextFilter reader(file, model.max_context, trace);
  FastModel fast(hw, model, algo, options);
  const tlmx::ClockDomain clock(hw.clock_mhz);

  RunResult r;
  r.trace_path = trace.path;
  r.over_context = trace.over_context;
  r.algorithm = tlmx::attention_algo_name(algo);
  r.accel_period_ps = clock.period_ps();
  r.dram_period_ps = tlmx::ClockDomain(hw.dram.clock_mhz).period_ps();
  r.min_batch_cycles = UINT64_MAX;

  CounterSums sums;  // of every batch's counters
  ExpectedWork expected;
  std::uint64_t max_error_cycles = 0;
  double max_error_pct = 0;
  std::uint64_t error_cycles = 0;
  std::uint64_t steps_reused = 0;
  std::uint64_t steps_interpolated = 0;
  std::uint64_t steps_without_estimate = 0;
  std::vector<std::uint64_t> batch_counters;  // each batch's, for steps.csv; reused
  // The trace is read a window of batches at a time, so that the samples the window
  // needs are measured together (options.jobs at a time) before it is assembled; and one
  // batch ahead, so that under overlap.across_batches: next_batch a batch knows whether
  // it carries the next one's weights out (the exact mode's sequencer reads ahead too).
  const bool cross = hw.overlap.weights_cross();
  // A carried-in stream's bytes (WorkModel::roofline_cycles bounds what of them came
  // before the batch), as the exact mode's sequencer gives them.
  const std::uint64_t carried_bytes = amap.layer(0).qkv.weight_bytes();
  std::vector<std::vector<trace::DecodeStep>> window;
  std::vector<Carry> carries;
  std::vector<trace::DecodeStep> ahead;
  auto read_ahead = [&]() {
    if (!reader.next_batch(ahead)) return false;
    check_batch_rows(ahead, reader.path(), model, hw);
    return true;
  };
  bool more = read_ahead();
  while (more) {
    std::size_t count = 0;
    std::size_t window_rows = 0;
    while (more && count < kWindowBatches && window_rows < kWindowRows) {
      if (window.size() == count) {
        window.emplace_back();
        carries.emplace_back();
      }
      std::swap(window[count], ahead);
      window_rows += window[count].size();
      more = read_ahead();
      carries[count] = Carry{cross && r.batches + count > 0, cross && more};
      ++count;
    }
    fast.prepare(window, carries, count);
    for (std::size_t wi = 0; wi < count; ++wi) {
      const std::vector<trace::DecodeStep>& rows = window[wi];
      const BatchEstimate e = fast.batch(rows, carries[wi]);
      const ExpectedWork w = work.batch(rows);
      expected += w;
      check_batch_bound(rows.front().batch, e.counters.cycles,
                        work.roofline_cycles(w, carries[wi].in ? carried_bytes : 0));
      counter_values(e.counters, batch_counters);
      sums.add(batch_counters);

      BatchResult b;
      b.rows = &rows;
      b.source = e.interpolated ? "interpolated" : "reused";
      b.start_cycle = r.cycles;
      b.cycles = e.counters.cycles;
      b.class_cycles = e.counters.class_cycles;
      b.counters = &batch_counters;
      r.cycles += b.cycles;
      r.min_batch_cycles = std::min(r.min_batch_cycles, b.cycles);
      r.max_batch_cycles = std::max(r.max_batch_cycles, b.cycles);
      ++r.batches;
      r.steps += rows.size();
      (e.interpolated ? steps_interpolated : steps_reused) += rows.size();
      if (e.without_estimate) steps_without_estimate += rows.size();
      const double pct_here =
          pct(static_cast<double>(e.error_estimate_cycles), static_cast<double>(b.cycles));
      if (pct_here > max_error_pct || r.batches == 1) {
        max_error_pct = pct_here;
        max_error_cycles = e.error_estimate_cycles;
      }
      error_cycles += e.error_estimate_cycles;
      sink(b);
    }
  }
  if (r.batches == 0) r.min_batch_cycles = 0;
  const Counters total = sums.total();
  r.class_cycles = total.class_cycles;
  // Every group: sums and integrals; the fast mode has no extremes (report.json).
  static_cast<StatGroups&>(r) = total;
  r.array_peak_macs_per_cycle = ProcessorArray::peak_macs_per_cycle(hw.array);
  r.weight_bytes = amap.weight_bytes();
  r.kv_bytes = amap.kv_bytes();
  r.context_counts = reader.counts();
  r.stopped = reader.stopped();

  FastSummary f = fast.summary();
  f.steps_reused = steps_reused;
  f.steps_interpolated = steps_interpolated;
  f.steps_without_estimate = steps_without_estimate;
  f.max_error_estimate_cycles = max_error_cycles;
  f.max_error_estimate_pct = round6(max_error_pct);
  f.mean_error_estimate_pct =
      round6(pct(static_cast<double>(error_cycles), static_cast<double>(r.cycles)));
  r.fast = f;
  check_work(r, expected);
  return r;
}

}  // namespace skv::sim
