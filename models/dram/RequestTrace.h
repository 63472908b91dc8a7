#pragma once
// Memory request traces: a streaming reader and a generator of sequential and random ones.
//
// Format (one request a line; '#' starts a comment; blank lines are ignored):
//     CYCLE  OP  ADDRESS  [BYTES]
//   CYCLE    issue cycle in DRAM clock cycles, decimal, never less than the previous line's
//   OP       R or W (also r, w, read, write, READ, WRITE)
//   ADDRESS  byte address in hex, with or without 0x
//   BYTES    request size, decimal, 1 to 2^24 (default: the reader's default_bytes, 64)
// The form other simulators write (DRAMSys's .stl) is accepted too:
//     CYCLE: read|write 0xADDRESS [DATA]
// where anything after the address (the data) is ignored and the size is default_bytes.
// The reader holds one line at a time, so a trace of any length takes the same memory.

#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

namespace skv::dram {

struct TraceRequest {
  std::uint64_t cycle = 0;
  bool is_write = false;
  std::uint64_t addr = 0;
  std::uint32_t bytes = 64;
};

// The latest issue cycle a request trace may give: 2^32 (4.8 s of device time at 900
// MHz). A replay simulates every refresh of the idle time before a request, so a larger
// cycle (a timestamp in picoseconds, say) would run for minutes with nothing to show.
constexpr std::uint64_t kMaxIssueCycle = std::uint64_t{1} << 32;

// A request's bytes [addr, addr + bytes) must lie within `capacity_bytes`; "" when they
// do, else why not (for an error line).
std::string outside_device(const TraceRequest& r, std::uint64_t capacity_bytes);

class RequestTraceReader {
 public:
  // Reads `in`, naming it `source` in errors ("source:line: ...").
  RequestTraceReader(std::istream& in, std::string source, std::uint32_t default_bytes = 64);
  // Opens `path`; a missing file is an InputError.
  explicit RequestTraceReader(const std::string& path, std::uint32_t default_bytes = 64);

  // The next request, or false at the end. Bad lines throw skv::InputError.
  bool next(TraceRequest& out);
  std::uint64_t line() const { return line_no_; }

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::unique_ptr<std::ifstream> file_;
  std::istream* in_;
  std::string source_;
  std::uint32_t default_bytes_;
  std::string line_;
  std::uint64_t line_no_ = 0;
  std::uint64_t last_cycle_ = 0;
};

enum class TracePattern { Sequential, Random };

struct TraceSpec {
  TracePattern pattern = TracePattern::Sequential;
  std::uint64_t count = 1000;
  std::uint32_t bytes = 64;              // per request; random addresses are aligned to it
  std::uint32_t write_pct = 0;           // share of writes, 0..100
  std::uint64_t start = 0;               // first byte address
  std::uint64_t footprint = 1ull << 30;  // addresses stay in [start, start + footprint)
  std::uint64_t seed = 1;
  std::uint64_t interval_cycles = 0;  // issue cycle of request i is i * interval (0: all at 0)
};

// Produces the requests of a TraceSpec one by one (deterministic for a given seed).
class RequestGenerator {
 public:
  explicit RequestGenerator(const TraceSpec& spec);
  bool next(TraceRequest& out);

 private:
  std::uint64_t random();
  TraceSpec spec_;
  std::uint64_t index_ = 0;
  std::uint64_t state_;
};

// Writes a header comment naming the format and the spec, then every request.
void write_trace(std::ostream& out, const TraceSpec& spec);

}  // namespace skv::dram
