#include "models/array/ProcessorArray.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "common/IntMath.h"
#include "models/tlm/HideableBound.h"

namespace skv {

ProcessorArray::ProcessorArray(sc_core::sc_module_name name,
                               const config::ProcessorArrayConfig& cfg,
                               const config::MemorySystemConfig& mem,
                               const tlmx::ClockDomain& clock)
    : sc_module(name),
      cmd("cmd"),
      weights("weights", mem.request_bytes),
      cfg_(cfg),
      mem_(mem),
      clock_(clock),
      prefetcher_(weights, mem.request_bytes, mem.max_outstanding) {
  cmd.register_b_transport(this, &ProcessorArray::b_transport);
}

std::string ProcessorArray::activity() const {
  if (!in_gemv_) {
    if (ahead_.empty()) return {};
    return fmt::format(
        "processor_array holds {} weight streams fetched ahead of their GEMVs; its "
        "weight buffer {}",
        ahead_.size(), prefetcher_.describe());
  }
  return fmt::format("processor_array is at weight request {} of {} of a GEMV; its weight buffer {}",
                     chunk_ + 1, chunks_, prefetcher_.describe());
}

std::uint64_t ProcessorArray::peak_macs_per_cycle(const config::ProcessorArrayConfig& cfg) {
  return std::uint64_t{cfg.rows} * cfg.cols * cfg.macs_per_pe_per_cycle;
}

std::uint64_t ProcessorArray::mac_slots(const config::ProcessorArrayConfig& cfg,
                                        const tlmx::GemvOp& op) {
  return ceil_div(std::uint64_t{op.weight_bits} * op.activation_bits,
                  std::uint64_t{cfg.weight_bits} * cfg.activation_bits);
}

std::uint64_t ProcessorArray::gemv_compute_cycles(const tlmx::GemvOp& op) const {
  const std::uint64_t rows = op.array_rows != 0 ? op.array_rows : cfg_.rows;
  return ceil_div(op.out_features, rows) *
         ceil_div(op.in_features * mac_slots(op),
                  std::uint64_t{cfg_.cols} * cfg_.macs_per_pe_per_cycle) *
         op.batch;
}

std::uint64_t ProcessorArray::vector_cycles(const tlmx::VectorOp& op) const {
  return ceil_div(op.elements * op.ops_per_element, cfg_.vector_lanes);
}

void ProcessorArray::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  tlmx::OpExtension* ext = nullptr;
  gp.get_extension(ext);
  if (ext == nullptr) throw std::logic_error("ProcessorArray: command without an operation");
  if (!tlmx::kind_fits(ext->op, ext->kind)) {
    throw std::logic_error("ProcessorArray: an operation whose kind does not fit it");
  }
  if (ext->prefetch) {
    const auto* g = std::get_if<tlmx::GemvOp>(&ext->op);
    if (g == nullptr) throw std::logic_error("ProcessorArray: a prefetch of no GEMV");
    start_stream(*g, ext->kind);  // takes no time: the DMA runs on its own
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  // Operations start at the caller's local time on a clock edge.
  sc_core::wait(delay);
  delay = sc_core::SC_ZERO_TIME;
  clock_.align();
  if (const auto* g = std::get_if<tlmx::GemvOp>(&ext->op)) {
    run_gemv(*g, ext->kind, ext->progress);
  } else if (const auto* v = std::get_if<tlmx::VectorOp>(&ext->op)) {
    run_vector(*v);
  } else {
    throw std::logic_error("ProcessorArray: operation it does not execute");
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

ProcessorArray::PrefetchStats ProcessorArray::prefetch_stats() const {
  PrefetchStats s = prefetch_stats_;
  s.buffer_peak_bytes = prefetcher_.peak_held() * mem_.request_bytes;
  // request x ps to byte x cycles (rounded down; every change of the held slots falls
  // on a clock edge, so exact at a cut on one).
  s.buffer_occupancy_byte_cycles =
      prefetcher_.held_request_ps() * mem_.request_bytes / clock_.period_ps();
  return s;
}

void ProcessorArray::start_stream(const tlmx::GemvOp& op, tlmx::OpKind kind) {
  const std::uint64_t bytes = op.weight_bytes();
  ahead_.push_back(Ahead{op.weight_addr, bytes,
                         prefetcher_.enqueue(op.weight_addr, bytes, kind, /*ahead=*/true),
                         clock_.now_cycle()});
  ++prefetch_stats_.streams_ahead;
}

std::uint64_t ProcessorArray::beside_cycles(const tlmx::PassProgress* beside,
                                            sc_core::sc_time since, std::uint64_t cycles) const {
  if (beside == nullptr) return 0;
  // Still running now, or ending now: the whole span was beside it.
  if (!beside->finished || beside->end >= sc_core::sc_time_stamp()) return cycles;
  if (beside->end <= since) return 0;
  return std::min(cycles, clock_.cycle_at_or_after(beside->end) - clock_.cycle_at_or_after(since));
}

void ProcessorArray::run_gemv(const tlmx::GemvOp& op, tlmx::OpKind kind,
                              const tlmx::PassProgress* beside) {
  ++stats_.gemv_ops;
  if (beside != nullptr) ++beside_.slices;
  stats_.macs += op.macs();
  stats_.mac_slot_cycles += op.macs() * mac_slots(op);
  const std::uint64_t bytes = op.weight_bytes();
  stats_.weight_bytes += bytes;
  // Each weight is written into the buffer once and read into a PE once: the array holds
  // a tile while it applies it to every activation vector of the batch.
  stats_.weight_buffer_write_bytes += bytes;
  stats_.weight_buffer_read_bytes += bytes;
  const std::uint64_t chunks = ceil_div(bytes, mem_.request_bytes);
  std::uint64_t last = 0;
  if (ahead_.empty()) {
    last = prefetcher_.enqueue(op.weight_addr, bytes, kind);
  } else {
    // Its stream was started ahead: the oldest one, which must be this GEMV's.
    if (ahead_.front().addr != op.weight_addr || ahead_.front().bytes != bytes) {
      throw std::logic_error(
          "ProcessorArray: a GEMV other than the one its weights were fetched for");
    }
    last = ahead_.front().last;
    prefetcher_.promote_through(last);  // its GEMV has started: demand from now on
    // The hideable bound of this boundary (ProcessorArray.h).
    const std::uint64_t buffer = std::uint64_t{mem_.max_outstanding} * mem_.request_bytes;
    const std::uint64_t held = std::min(buffer, bytes);
    const tlmx::HideableBound bound = tlmx::hideable_bound(
        held, clock_.now_cycle() - ahead_.front().start_cycle, dram_peak_bytes_per_cycle_);
    prefetch_stats_.ahead_cycles += clock_.now_cycle() - ahead_.front().start_cycle;
    prefetch_stats_.hideable_bytes += bound.bytes;
    prefetch_stats_.hideable_cycles += bound.cycles;
    ahead_.pop_front();
  }
  const std::uint64_t first = last + 1 - chunks;
  // Requests of this stream sent before now: fetched ahead of the GEMV.
  const std::uint64_t sent = prefetcher_.requests_issued_before_now();
  const std::uint64_t ahead = sent > first ? std::min(sent - first, chunks) : 0;
  prefetch_stats_.prefetched_bytes +=
      ahead == chunks ? bytes : ahead * std::uint64_t{mem_.request_bytes};
  const std::uint64_t total = gemv_compute_cycles(op);
  // Chunk k of the weight stream carries its share of the compute: the cycles are
  // spread so that they add up to `total` exactly.
  in_gemv_ = true;
  chunks_ = chunks;
  for (std::uint64_t k = 0; k < chunks; ++k) {
    chunk_ = k;
    const sc_core::sc_time before = sc_core::sc_time_stamp();
    prefetcher_.wait_until(first + k);
    if (sc_core::sc_time_stamp() > before) {
      clock_.align();
      const std::uint64_t stall =
          clock_.cycle_at_or_after(sc_core::sc_time_stamp()) - clock_.cycle_at_or_after(before);
      stats_.weight_stall_cycles += stall;
      beside_.beside_weight_stall_cycles += beside_cycles(beside, before, stall);
    }
    const std::uint64_t cycles = (k + 1) * total / chunks - k * total / chunks;
    const sc_core::sc_time compute_from = sc_core::sc_time_stamp();
    sc_core::wait(clock_.cycles(cycles));
    stats_.gemv_compute_cycles += cycles;
    beside_.beside_compute_cycles += beside_cycles(beside, compute_from, cycles);
    prefetcher_.release_through(first + k);
  }
  in_gemv_ = false;
  const sc_core::sc_time fill_from = sc_core::sc_time_stamp();
  sc_core::wait(clock_.cycles(cfg_.pipeline_fill_cycles));
  stats_.fill_drain_cycles += cfg_.pipeline_fill_cycles;
  beside_.beside_fill_drain_cycles += beside_cycles(beside, fill_from, cfg_.pipeline_fill_cycles);
}

void ProcessorArray::run_vector(const tlmx::VectorOp& op) {
  ++stats_.vector_ops;
  stats_.vector_elements += op.elements;
  stats_.vector_element_ops += op.elements * op.ops_per_element;
  const std::uint64_t cycles = vector_cycles(op);
  sc_core::wait(clock_.cycles(cycles));
  stats_.vector_cycles += cycles;
}

}  // namespace skv
