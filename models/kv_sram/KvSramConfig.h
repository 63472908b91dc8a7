#pragma once
// The KV SRAM's validated configuration and its schema: the `kv_sram` keys of a hardware
// config (loaded by src/config; docs/formats.md's table of them is generated from the
// schema below).

#include <cstdint>
#include <string>

#include "common/ConfigSchema.h"

namespace skv::config {

struct KvSramConfig {
  std::uint64_t capacity_kib = 0;
  // The SRAM split by purpose: K/V fetched ahead of an attention (overlap.kv) and
  // native attention's scores; staging is what is left. 0 and 0: all of it is staging
  // and the scores' decision weighs the whole capacity (as without the keys).
  std::uint64_t prefetch_kib = 0;
  std::uint64_t score_kib = 0;
  std::uint32_t banks = 0;
  std::uint32_t bank_width_bytes = 0;   // bytes one bank reads or writes per cycle
  std::uint32_t ports = 1;              // independent access ports
  std::uint32_t access_latency_cycles = 1;
  std::string capacity_kib_at;  // "<file>:<line>" of its value (for checks made later)

  std::string prefetch_kib_at;
  std::string score_kib_at;

  std::uint64_t capacity_bytes() const { return capacity_kib * 1024; }
  std::uint64_t prefetch_bytes() const { return prefetch_kib * 1024; }
  // The room native attention's on-chip-score decision weighs: `score_kib` when given,
  // else the whole capacity.
  std::uint64_t score_space_bytes() const {
    return score_kib != 0 ? score_kib * 1024 : capacity_bytes();
  }
  // What the K/V tiles of the running attention stream through (double buffering).
  std::uint64_t staging_bytes() const {
    const std::uint64_t taken = (prefetch_kib + score_kib) * 1024;
    return capacity_bytes() > taken ? capacity_bytes() - taken : 0;
  }
  std::uint64_t bytes_per_cycle() const { return std::uint64_t{banks} * bank_width_bytes; }
};

inline const schema::Schema<KvSramConfig>& kv_sram_schema() {
  using namespace schema;
  static const Schema<KvSramConfig> instance = [] {
    Schema<KvSramConfig> s;
    s.key("capacity_kib", SKV_MEMBER(capacity_kib), integer(1, 1u << 24), "KiB", required,
          Timing::Yes,
          "capacity; split into staging, prefetch (`prefetch_kib`) and score space "
          "(`score_kib`): staging = capacity - prefetch_kib - score_kib is the depth of the "
          "running attention's K/V stream (`staging / request_bytes` requests ahead)");
    s.key("prefetch_kib", SKV_MEMBER(prefetch_kib), integer(0, 1u << 24), "KiB", fixed(0),
          Timing::Yes,
          "prefetch space: K/V fetched ahead of an attention under `overlap.kv: "
          "next_attention` (which requires it > 0), split evenly between a batch's rows");
    s.key("score_kib", SKV_MEMBER(score_kib), integer(0, 1u << 24), "KiB", fixed(0), Timing::Yes,
          "score space: when > 0, native attention keeps its scores on chip only if they fit "
          "in it beside two K/V tiles (`attention.scores: auto`; `sram` requires it); 0: the "
          "decision weighs the whole capacity");
    s.key("banks", SKV_MEMBER(banks), integer(1, 1024), "banks", required, Timing::Yes,
          "SRAM banks");
    s.key("bank_width_bytes", SKV_MEMBER(bank_width_bytes), integer(1, 4096), "bytes/cycle",
          required, Timing::Yes,
          "bytes one bank reads or writes per cycle; an access of n bytes holds a port "
          "`ceil(n / (banks * bank_width_bytes))` cycles");
    s.key("ports", SKV_MEMBER(ports), integer(1, 16), "ports", required, Timing::Yes,
          "independent access ports");
    s.key("access_latency_cycles", SKV_MEMBER(access_latency_cycles), integer(1, 64), "cycles",
          required, Timing::Yes, "latency of one access");
    return s;
  }();
  return instance;
}

}  // namespace skv::config
