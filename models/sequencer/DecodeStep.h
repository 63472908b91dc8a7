#pragma once
// One decode step of one request, and where the sequencer takes its batches from
// (src/trace/DecodeTrace.h reads them from a decode trace file, as a stream).

#include <cstdint>
#include <string>
#include <vector>

namespace skv::trace {

struct DecodeStep {
  std::uint64_t batch = 0;    // decode iteration; equal ids are decoded together
  std::uint64_t request = 0;  // request id
  std::uint64_t step = 0;     // index of this decode step within its request
  std::uint64_t kv_len = 0;   // tokens in the request's KV cache before this step
  std::uint64_t line = 0;     // source line, for error messages
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Reads the next batch (consecutive rows with one batch id). False at the end; throws
  // InputError on a bad row.
  virtual bool next_batch(std::vector<DecodeStep>& out) = 0;
  // Where the rows come from, for error messages.
  virtual const std::string& path() const = 0;
};

}  // namespace skv::trace
