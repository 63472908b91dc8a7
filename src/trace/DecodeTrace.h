#pragma once
// Decode trace, format version 1 (docs/formats.md): one row per decode step of one
// request; rows sharing a batch id are decoded together. Read as a stream: memory does
// not grow with the trace's length.

#include <cstdint>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <vector>

#include "models/sequencer/DecodeStep.h"

namespace skv::trace {

inline constexpr const char* kMagicV1 = "# swiftkv-decode-trace v1";
inline constexpr const char* kHeaderV1 = "batch,request,step,kv_len";


class DecodeTraceReader : public BatchSource {
 public:
  explicit DecodeTraceReader(const std::string& path);
  // Reads `in`, naming it `source` in errors ("source:line: ...").
  DecodeTraceReader(std::istream& in, std::string source);

  // Reads the next batch (consecutive rows with one batch id). False at the end.
  bool next_batch(std::vector<DecodeStep>& out) override;

  const std::string& path() const override { return path_; }

 private:
  void read_header();
  bool read_row(DecodeStep& row);
  [[noreturn]] void fail(const std::string& what) const;

  std::string path_;
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_ = nullptr;
  std::uint64_t line_ = 0;
  bool have_lookahead_ = false;
  DecodeStep lookahead_;
  bool any_batch_ = false;
  std::uint64_t last_batch_ = 0;
};

// Counts the data rows of a trace (for progress reporting) without keeping them.
std::uint64_t count_trace_rows(const std::string& path);

class DecodeTraceWriter {
 public:
  // Writes the version line, `comment` lines (each prefixed "# ") and the header.
  DecodeTraceWriter(const std::string& path, const std::vector<std::string>& comment);
  void write(const DecodeStep& row);
  std::uint64_t rows() const { return rows_; }
  void close();

 private:
  std::string path_;
  std::ofstream out_;
  std::uint64_t rows_ = 0;
};

// The most tokens one request may reach (its prompt and generated tokens together), for
// `trace gen` and `trace import`: 2^24, far above any model's context (the largest shipped
// is 32768), so a larger value is a mistake, and each token writes a row.
constexpr std::uint64_t kMaxRequestTokens = std::uint64_t{1} << 24;
// The most rows `trace gen` writes: 2^32, some 80 GiB of trace.
constexpr std::uint64_t kMaxTraceRows = std::uint64_t{1} << 32;

struct GenerateOptions {
  std::uint64_t requests = 1;
  std::uint64_t prompt_tokens = 128;
  std::uint64_t generate_tokens = 16;
  std::uint64_t batch_size = 1;  // requests decoded in lockstep
};

// Writes a synthetic trace; returns the number of rows.
std::uint64_t generate_trace(const GenerateOptions& opts, const std::string& out_path);

struct ImportOptions {
  std::uint64_t max_requests = 0;  // 0: all
  std::uint64_t skip_requests = 0;
};

// Expands a request-level trace `TIMESTAMP,ContextTokens,GeneratedTokens` into decode
// steps: request r's step i attends over ContextTokens + i cached tokens. Returns rows.
std::uint64_t import_request_trace(const std::string& csv_path, const ImportOptions& opts,
                                   const std::string& out_path);

// The same expansion from a stream (named `source` in errors), each decode step handed to
// `emit` in order. Returns the number of requests read (skipped ones included); throws
// InputError on a bad line. import_request_trace is this with a DecodeTraceWriter.
std::uint64_t import_request_rows(std::istream& in, const std::string& source,
                                  const ImportOptions& opts,
                                  const std::function<void(const DecodeStep&)>& emit);

}  // namespace skv::trace
