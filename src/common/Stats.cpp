#include "common/Stats.h"

namespace skv::stats {

namespace {
constexpr std::size_t kExact = 128;    // values below are their own bucket
constexpr std::uint32_t kSubBits = 6;  // 64 buckets per power of two above
constexpr std::size_t kBuckets = kExact + (63 - kSubBits) * (std::size_t{1} << kSubBits);

}  // namespace

Histogram::Histogram() = default;

std::size_t Histogram::bucket_of(std::uint64_t v) {
  if (v < kExact) return static_cast<std::size_t>(v);
  const auto msb = static_cast<std::uint32_t>(63 - __builtin_clzll(v));  // >= 7
  const std::uint32_t shift = msb - kSubBits;
  const std::uint64_t top = v >> shift;  // in [64, 127]
  return kExact + std::size_t{msb - kSubBits - 1} * (std::size_t{1} << kSubBits) +
         static_cast<std::size_t>(top - (std::uint64_t{1} << kSubBits));
}

std::uint64_t Histogram::bucket_upper(std::size_t i) {
  if (i < kExact) return i;
  const std::size_t k = i - kExact;
  const std::uint32_t msb = static_cast<std::uint32_t>(k >> kSubBits) + kSubBits + 1;
  const std::uint32_t shift = msb - kSubBits;
  const std::uint64_t top = (std::uint64_t{1} << kSubBits) + (k & ((1u << kSubBits) - 1));
  return ((top + 1) << shift) - 1;
}

void Histogram::add(std::uint64_t v) {
  if (buckets_.empty()) buckets_.assign(kBuckets, 0);
  ++buckets_[bucket_of(v)];
  ++count_;
  sum_ += v;
  if (v < min_) min_ = v;
  if (v > max_) max_ = v;
}

std::uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  // Rank of the value asked for, 1-based, rounded up: p50 of {1,2,3,4} is 2.
  auto target = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(count_) + 0.999999);
  if (target < 1) target = 1;
  if (target > count_) target = count_;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= target) {
      const std::uint64_t upper = bucket_upper(i);
      return upper < max_ ? upper : max_;
    }
  }
  return max_;
}

void Histogram::merge(const Histogram& o) {
  if (o.count_ == 0) return;
  if (buckets_.empty()) buckets_.assign(kBuckets, 0);
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  if (o.count_ && o.min_ < min_) min_ = o.min_;
  if (o.max_ > max_) max_ = o.max_;
}

}  // namespace skv::stats
