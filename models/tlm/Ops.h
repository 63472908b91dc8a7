#pragma once
// Operations the decode sequencer sends to the compute units. They travel as a
// generic-payload extension over the units' command sockets (blocking transport):
// b_transport returns when the unit has finished the operation.

#include <cstdint>
#include <string>
#include <tlm>
#include <variant>
#include <vector>

#include "models/tlm/AttentionAlgo.h"  // AttentionAlgo, its names

namespace skv::tlmx {

// Where an operation's cycles are booked in the report's breakdown.
enum class OpClass { Gemv, Attention, Other };
inline constexpr int kOpClassCount = 3;
inline const char* op_class_name(OpClass c) {
  switch (c) {
    case OpClass::Gemv:
      return "gemv";
    case OpClass::Attention:
      return "attention";
    case OpClass::Other:
      return "other";
  }
  return "?";
}

// The kinds of operation a step runs, with the class each is booked to. Every operation
// the sequencer issues names its kind, and every DRAM request carries the kind of the
// operation that asked for it (RequestOwner), so cycles, bytes and stalls are booked per
// kind. SKV_FOR_OP_KINDS(M, A) expands to M(A, name, class, what) for each kind.
#define SKV_FOR_OP_KINDS(M, A)                                               \
  M(A, rmsnorm, Other, "RMSNorm before attention and before the FFN")        \
  M(A, qkv_gemv, Gemv, "the Q, K and V projections")                         \
  M(A, rope, Other, "RoPE on q and k")                                       \
  M(A, kv_append, Other, "the new token's k and v written to the KV cache")  \
  M(A, attention, Attention, "attention of one row")                         \
  M(A, o_gemv, Gemv, "the output projection")                                \
  M(A, residual, Other, "the residual adds")                                 \
  M(A, ffn_in_gemv, Gemv, "the FFN's input projection (gate and up, or up)") \
  M(A, activation, Other, "the FFN's activation (SiLU and gate, or GELU)")   \
  M(A, ffn_down_gemv, Gemv, "the FFN's down projection")                     \
  M(A, final_rmsnorm, Other, "the final RMSNorm")                            \
  M(A, lm_head_gemv, Gemv, "the LM head")

#define SKV_OP_KIND_ENUM_(a, name, cls, what) name,
enum class OpKind : std::uint8_t { SKV_FOR_OP_KINDS(SKV_OP_KIND_ENUM_, ) };
#undef SKV_OP_KIND_ENUM_
#define SKV_OP_KIND_COUNT_(a, name, cls, what) +1
inline constexpr int kOpKindCount = 0 SKV_FOR_OP_KINDS(SKV_OP_KIND_COUNT_, );
#undef SKV_OP_KIND_COUNT_

inline const char* op_kind_name(OpKind k) {
#define SKV_OP_KIND_NAME_(a, name, cls, what) #name,
  static constexpr const char* kNames[] = {SKV_FOR_OP_KINDS(SKV_OP_KIND_NAME_, )};
#undef SKV_OP_KIND_NAME_
  return kNames[static_cast<int>(k)];
}
inline constexpr OpClass op_class_of(OpKind k) {
#define SKV_OP_KIND_CLASS_(a, name, cls, what) OpClass::cls,
  constexpr OpClass kClasses[] = {SKV_FOR_OP_KINDS(SKV_OP_KIND_CLASS_, )};
#undef SKV_OP_KIND_CLASS_
  return kClasses[static_cast<int>(k)];
}

// y[batch][out] = W[out][in] x[batch][in]; W streams from DRAM.
struct GemvOp {
  std::uint64_t out_features = 0;
  std::uint64_t in_features = 0;
  std::uint32_t batch = 1;
  std::uint32_t weight_bits = 4;
  std::uint32_t activation_bits = 8;
  std::uint64_t weight_addr = 0;
  // Array rows it runs on (0: all of them): an O projection slice under
  // overlap.o_projection: head_streamed runs on those the attention pipelines leave free.
  std::uint32_t array_rows = 0;
  std::uint64_t weight_bytes() const { return out_features * in_features * weight_bits / 8; }
  std::uint64_t macs() const { return out_features * in_features * batch; }
};

// Element-wise work on the array's vector path (norms, RoPE, activations, residuals).
struct VectorOp {
  std::uint64_t elements = 0;
  std::uint32_t ops_per_element = 1;
};

// One request's attention for one layer: every query head against its K/V head.
// KV layout in DRAM from kv_base_addr: [kv_head][K then V][token][head_dim].
struct AttentionOp {
  std::uint32_t q_heads = 0;
  std::uint32_t kv_heads = 0;
  std::uint32_t head_dim = 0;
  std::uint32_t kv_bits = 32;
  std::uint64_t tokens = 0;  // attended tokens (cache incl. the new one)
  std::uint64_t kv_base_addr = 0;
  std::uint64_t max_tokens = 0;  // reserved tokens per K or V region
  AttentionAlgo algo = AttentionAlgo::SwiftKV;
  // DRAM scratch for materialised scores that do not fit on chip: [q_head][token].
  std::uint64_t score_base_addr = 0;
  std::uint64_t elem_bytes() const { return kv_bits / 8; }
  std::uint64_t region_bytes() const { return max_tokens * head_dim * elem_bytes(); }
  std::uint64_t k_addr(std::uint32_t kv_head, std::uint64_t token) const {
    return kv_base_addr + 2 * kv_head * region_bytes() + token * head_dim * elem_bytes();
  }
  std::uint64_t v_addr(std::uint32_t kv_head, std::uint64_t token) const {
    return k_addr(kv_head, token) + region_bytes();
  }
};

// The new token's k and v, written into the KV cache at position `position`.
struct KvAppendOp {
  AttentionOp layout;  // tokens unused
  std::uint64_t position = 0;
};

// Marks a KV SRAM access to on-chip scratch (materialised scores that fit on chip):
// port time only, no DRAM behind it.
class OnChipScratch : public tlm::tlm_extension<OnChipScratch> {
 public:
  tlm_extension_base* clone() const override { return new OnChipScratch(*this); }
  void copy_from(const tlm_extension_base&) override {}
};

// Attaches a caller-owned extension to a payload for one call and detaches it on every
// way out, exceptions included, so the payload never deletes what it does not own.
template <class Ext>
class ScopedExtension {
 public:
  ScopedExtension(tlm::tlm_generic_payload& gp, Ext* ext) : gp_(gp), ext_(ext) {
    if (ext_ != nullptr) gp_.set_extension(ext_);
  }
  ~ScopedExtension() {
    if (ext_ != nullptr) gp_.clear_extension(ext_);
  }
  ScopedExtension(const ScopedExtension&) = delete;
  ScopedExtension& operator=(const ScopedExtension&) = delete;

 private:
  tlm::tlm_generic_payload& gp_;
  Ext* ext_;
};

using Op = std::variant<GemvOp, VectorOp, AttentionOp, KvAppendOp>;

// How far an attention has got, for the operations that run beside it
// (overlap.o_projection: head_streamed). The sequencer owns it and attaches it to the
// attention's command, which counts every head pass it ends and says when it ends
// (notifying `changed` each time), and to each O projection slice's command, which books
// its array cycles before the attention's end as run beside it.
struct PassProgress {
  std::uint64_t passes_done = 0;
  bool finished = false;
  sc_core::sc_time end;  // when it finished
  sc_core::sc_event changed;
  void reset() {
    passes_done = 0;
    finished = false;
    end = sc_core::SC_ZERO_TIME;
  }
};

class OpExtension : public tlm::tlm_extension<OpExtension> {
 public:
  Op op;
  OpKind kind = OpKind::rmsnorm;  // which of the step's operations it is
  // A GEMV's weight stream only: the unit starts fetching the weights into its weight
  // buffer and returns at once; the GEMV itself comes later, in the same order.
  // An attention's K/V stream (overlap.kv: next_attention) likewise: the pipeline passes
  // the command's KvPrefetch ranges to the KV SRAM, which fetches them into its prefetch
  // space, and returns at once.
  bool prefetch = false;
  // overlap.o_projection: head_streamed: on the attention that the slices run beside,
  // and on each slice (PassProgress); null otherwise.
  PassProgress* progress = nullptr;
  tlm_extension_base* clone() const override { return new OpExtension(*this); }
  void copy_from(const tlm_extension_base& other) override {
    op = static_cast<const OpExtension&>(other).op;
    kind = static_cast<const OpExtension&>(other).kind;
    prefetch = static_cast<const OpExtension&>(other).prefetch;
    progress = static_cast<const OpExtension&>(other).progress;
  }
};

// Whether `kind` names an operation of `op`'s type (a GEMV kind for a GemvOp, ...); a
// unit refuses an operation whose kind does not fit it.
inline bool kind_fits(const Op& op, OpKind kind) {
  if (std::holds_alternative<GemvOp>(op)) return op_class_of(kind) == OpClass::Gemv;
  if (std::holds_alternative<AttentionOp>(op)) return kind == OpKind::attention;
  if (std::holds_alternative<KvAppendOp>(op)) return kind == OpKind::kv_append;
  return op_class_of(kind) == OpClass::Other && kind != OpKind::kv_append;
}

// Rides on every DRAM request (and on the KV SRAM accesses that become DRAM requests):
// the kind of the operation that asked for it, so the controller books the bytes and the
// time they waited to that operation rather than to whatever runs when they move.
class RequestOwner : public tlm::tlm_extension<RequestOwner> {
 public:
  OpKind kind = OpKind::rmsnorm;
  // Prefetch: fetched for an operation that has not started yet. The initiator clears it
  // when that operation starts (promotion), also on a request still waiting at the DRAM
  // controller, which reads it when it arbitrates (overlap.arbitration).
  bool prefetch = false;
  OpClass cls() const { return op_class_of(kind); }
  tlm_extension_base* clone() const override { return new RequestOwner(*this); }
  void copy_from(const tlm_extension_base& other) override {
    kind = static_cast<const RequestOwner&>(other).kind;
    prefetch = static_cast<const RequestOwner&>(other).prefetch;
  }
};

struct AddrRange {
  std::uint64_t addr = 0;
  std::uint64_t bytes = 0;
};

// Rides on the first read of each K/V tile: that read starts a new tile (the reader is
// done with the previous one, whose buffer may be reused); `this_tile` lists the tile's
// ranges (staged now if they were not already), and `next_tile` the ranges the reader
// will want after it, so the SRAM stages them in its other buffer meanwhile (double
// buffering).
class TileHint : public tlm::tlm_extension<TileHint> {
 public:
  std::vector<AddrRange> this_tile;
  std::vector<AddrRange> next_tile;
  tlm_extension_base* clone() const override { return new TileHint(*this); }
  void copy_from(const tlm_extension_base& other) override {
    *this = static_cast<const TileHint&>(other);
  }
};

// Rides on an attention's prefetch command (sequencer to pipeline) and on the
// pipeline's command to the KV SRAM (no read or write of its own): fetch `ranges` into
// the SRAM's prefetch space now, for the attention that will read them later
// (overlap.kv: next_attention; AttentionPlanner::prefetch_ranges chose them).
class KvPrefetch : public tlm::tlm_extension<KvPrefetch> {
 public:
  std::vector<AddrRange> ranges;
  tlm_extension_base* clone() const override { return new KvPrefetch(*this); }
  void copy_from(const tlm_extension_base& other) override {
    *this = static_cast<const KvPrefetch&>(other);
  }
};

}  // namespace skv::tlmx
