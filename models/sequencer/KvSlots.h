#pragma once
// Which KV-cache slot (one region per slot and layer in DRAM, src/sim/AddressMap) each
// request of a batch uses. A request keeps its slot from batch to batch while it keeps
// decoding; a request missing from a batch has finished (or was preempted: its cache is
// then gone) and its slot is free again; a new request takes the lowest free slot. So a
// request's KV cache stays at one address however the batch around it changes.

#include <cstdint>
#include <optional>
#include <vector>

#include "models/sequencer/DecodeStep.h"

namespace skv::sim {

class KvSlots {
 public:
  explicit KvSlots(std::uint32_t slots) : owner_(slots) {}

  // The slot of each row's request, in row order. The caller has checked that the batch
  // has at most `slots` rows and no request twice.
  std::vector<std::uint32_t> assign(const std::vector<trace::DecodeStep>& rows) {
    std::vector<std::uint32_t> out(rows.size(), kUnassigned);
    std::vector<bool> kept(owner_.size(), false);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      for (std::uint32_t s = 0; s < owner_.size(); ++s) {
        if (owner_[s] == rows[i].request) {
          out[i] = s;
          kept[s] = true;
          break;
        }
      }
    }
    for (std::uint32_t s = 0; s < owner_.size(); ++s) {
      if (!kept[s]) owner_[s].reset();
    }
    std::uint32_t next_free = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (out[i] != kUnassigned) continue;
      while (owner_[next_free].has_value()) ++next_free;
      owner_[next_free] = rows[i].request;
      out[i] = next_free;
    }
    return out;
  }

 private:
  static constexpr std::uint32_t kUnassigned = 0xFFFFFFFFu;
  std::vector<std::optional<std::uint64_t>> owner_;  // the request in each slot
};

}  // namespace skv::sim
