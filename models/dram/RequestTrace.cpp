#include "models/dram/RequestTrace.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>
#include <string_view>

#include "common/Error.h"
#include "common/InputFile.h"

namespace skv::dram {

namespace {

std::string_view next_token(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  std::size_t j = i;
  while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') ++j;
  const std::string_view tok = s.substr(i, j - i);
  s.remove_prefix(j);
  return tok;
}

bool parse_uint(std::string_view tok, int base, std::uint64_t& out) {
  if (tok.empty()) return false;
  const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), out, base);
  return r.ec == std::errc() && r.ptr == tok.data() + tok.size();
}

}  // namespace

std::string outside_device(const TraceRequest& r, std::uint64_t capacity_bytes) {
  if (r.addr < capacity_bytes && r.bytes <= capacity_bytes - r.addr) return {};
  return fmt::format("address 0x{:x} with {} bytes ends past the device's capacity of {} "
                     "bytes (allowed: addresses 0x0 to 0x{:x})",
                     r.addr, r.bytes, capacity_bytes, capacity_bytes - 1);
}

RequestTraceReader::RequestTraceReader(std::istream& in, std::string source,
                                       std::uint32_t default_bytes)
    : in_(&in), source_(std::move(source)), default_bytes_(default_bytes) {}

RequestTraceReader::RequestTraceReader(const std::string& path, std::uint32_t default_bytes)
    : file_(std::make_unique<std::ifstream>(path)),
      in_(file_.get()),
      source_(path),
      default_bytes_(default_bytes) {
  check_readable_file(path, "request trace");
  if (!*file_) throw InputError(fmt::format("{}: cannot open request trace", path));
}

void RequestTraceReader::fail(const std::string& what) const {
  throw InputError(fmt::format("{}:{}: {}", source_, line_no_, what));
}

bool RequestTraceReader::next(TraceRequest& out) {
  while (std::getline(*in_, line_)) {
    ++line_no_;
    std::string_view s(line_);
    if (const std::size_t hash = s.find('#'); hash != std::string_view::npos) {
      s = s.substr(0, hash);
    }
    std::string_view tok = next_token(s);
    if (tok.empty()) continue;

    const bool colon_form = tok.back() == ':';
    if (colon_form) tok.remove_suffix(1);
    std::uint64_t cycle = 0;
    if (!parse_uint(tok, 10, cycle)) {
      fail(
          fmt::format("'{}' is not an issue cycle (allowed: a decimal cycle count, or "
                      "'CYCLE:' in the colon form)",
                      tok));
    }
    if (cycle > kMaxIssueCycle) {
      fail(fmt::format("issue cycle {} is past the latest a trace may give (allowed: 0 to {}; "
                       "the replay would simulate every refresh of the idle time before it)",
                       cycle, kMaxIssueCycle));
    }
    if (cycle < last_cycle_) {
      fail(
          fmt::format("issue cycle {} is less than the previous line's {} (allowed: cycles "
                      "that never decrease)",
                      cycle, last_cycle_));
    }
    const std::string_view op = next_token(s);
    bool is_write;
    if (op == "R" || op == "r" || op == "read" || op == "READ") {
      is_write = false;
    } else if (op == "W" || op == "w" || op == "write" || op == "WRITE") {
      is_write = true;
    } else {
      fail(fmt::format("'{}' is not an operation (allowed: R, W, read, write)", op));
    }
    std::string_view addr_tok = next_token(s);
    if (addr_tok.size() > 2 && addr_tok[0] == '0' && (addr_tok[1] == 'x' || addr_tok[1] == 'X')) {
      addr_tok.remove_prefix(2);
    }
    std::uint64_t addr = 0;
    if (!parse_uint(addr_tok, 16, addr)) {
      fail(fmt::format("'{}' is not an address (allowed: hex, e.g. 0x1f40, up to 64 bits)",
                       addr_tok));
    }
    std::uint64_t bytes = default_bytes_;
    const std::string_view size_tok = next_token(s);
    if (!colon_form && !size_tok.empty()) {
      if (!parse_uint(size_tok, 10, bytes) || bytes == 0 || bytes > (1u << 24)) {
        fail(fmt::format("'{}' is not a request size (allowed: 1 to 16777216 bytes, decimal)",
                         size_tok));
      }
      const std::string_view extra = next_token(s);
      if (!extra.empty()) {
        fail(fmt::format("unexpected '{}' after the size (allowed: CYCLE OP ADDRESS [BYTES])",
                         extra));
      }
    }
    last_cycle_ = cycle;
    out.cycle = cycle;
    out.is_write = is_write;
    out.addr = addr;
    out.bytes = static_cast<std::uint32_t>(bytes);
    return true;
  }
  if (in_->bad()) fail("read error");
  return false;
}

RequestGenerator::RequestGenerator(const TraceSpec& spec) : spec_(spec), state_(spec.seed) {
  if (spec.bytes == 0) throw std::invalid_argument("RequestGenerator: bytes must be positive");
  if (spec.footprint < spec.bytes) {
    throw std::invalid_argument("RequestGenerator: footprint smaller than one request");
  }
  if (spec.write_pct > 100) throw std::invalid_argument("RequestGenerator: write_pct > 100");
}

// splitmix64: small, fast, and the same sequence on every platform.
std::uint64_t RequestGenerator::random() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool RequestGenerator::next(TraceRequest& out) {
  if (index_ >= spec_.count) return false;
  const std::uint64_t slots = spec_.footprint / spec_.bytes;
  const std::uint64_t slot =
      spec_.pattern == TracePattern::Sequential ? index_ % slots : random() % slots;
  out.cycle = index_ * spec_.interval_cycles;
  out.addr = spec_.start + slot * spec_.bytes;
  out.bytes = spec_.bytes;
  out.is_write = spec_.write_pct > 0 && random() % 100 < spec_.write_pct;
  ++index_;
  return true;
}

void write_trace(std::ostream& out, const TraceSpec& spec) {
  out << fmt::format(
      "# swiftkv-sim DRAM request trace: CYCLE OP ADDRESS BYTES (docs/dram.md)\n"
      "# generated: pattern={} count={} bytes={} write_pct={} start=0x{:x} footprint={} "
      "seed={} interval_cycles={}\n",
      spec.pattern == TracePattern::Sequential ? "seq" : "random", spec.count, spec.bytes,
      spec.write_pct, spec.start, spec.footprint, spec.seed, spec.interval_cycles);
  RequestGenerator gen(spec);
  TraceRequest r;
  fmt::memory_buffer buf;
  while (gen.next(r)) {
    fmt::format_to(std::back_inserter(buf), "{} {} 0x{:x} {}\n", r.cycle, r.is_write ? 'W' : 'R',
                   r.addr, r.bytes);
    if (buf.size() > (1u << 16)) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

}  // namespace skv::dram
