#include "trace/DecodeTrace.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include <cerrno>
#include <cstdio>

#include "common/Error.h"
#include "common/InputFile.h"

namespace skv::trace {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
  s = trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

// Splits a CSV line of plain fields (no quoting in these formats).
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(trim(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

DecodeTraceReader::DecodeTraceReader(const std::string& path) : path_(path) {
  check_readable_file(path, "decode trace");
  file_ = std::make_unique<std::ifstream>(path);
  if (!*file_) throw InputError(fmt::format("{}: cannot open decode trace", path));
  in_ = file_.get();
  read_header();
}

DecodeTraceReader::DecodeTraceReader(std::istream& in, std::string source)
    : path_(std::move(source)), in_(&in) {
  read_header();
}

void DecodeTraceReader::read_header() {
  std::string line;
  if (!std::getline(*in_, line) || trim(line) != kMagicV1) {
    line_ = 1;
    fail(fmt::format("not a decode trace: the first line must be '{}'", kMagicV1));
  }
  line_ = 1;
  while (std::getline(*in_, line)) {
    ++line_;
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    if (l != kHeaderV1) fail(fmt::format("expected the column header '{}'", kHeaderV1));
    return;
  }
  fail(fmt::format("missing the column header '{}'", kHeaderV1));
}

void DecodeTraceReader::fail(const std::string& what) const {
  throw InputError(fmt::format("{}:{}: {}", path_, line_, what));
}

bool DecodeTraceReader::read_row(DecodeStep& row) {
  std::string line;
  while (std::getline(*in_, line)) {
    ++line_;
    std::string_view l = trim(line);
    if (l.empty() || l.front() == '#') continue;
    auto f = split(l);
    if (f.size() != 4) {
      fail(fmt::format("expected 4 fields ({}), found {}", kHeaderV1, f.size()));
    }
    static constexpr const char* kNames[] = {"batch", "request", "step", "kv_len"};
    std::uint64_t v[4];
    for (int i = 0; i < 4; ++i) {
      if (!parse_u64(f[i], v[i])) {
        fail(fmt::format("{}: '{}' is not a whole number >= 0", kNames[i], f[i]));
      }
    }
    row = DecodeStep{v[0], v[1], v[2], v[3], line_};
    return true;
  }
  return false;
}

bool DecodeTraceReader::next_batch(std::vector<DecodeStep>& out) {
  out.clear();
  DecodeStep row;
  if (have_lookahead_) {
    row = lookahead_;
    have_lookahead_ = false;
  } else if (!read_row(row)) {
    return false;
  }
  if (any_batch_ && row.batch <= last_batch_) {
    fail(fmt::format("batch {} comes after batch {}: batch ids must increase, and the rows of "
                     "one batch must be consecutive", row.batch, last_batch_));
  }
  any_batch_ = true;
  last_batch_ = row.batch;
  out.push_back(row);
  while (read_row(row)) {
    if (row.batch != last_batch_) {
      lookahead_ = row;
      have_lookahead_ = true;
      break;
    }
    for (const auto& r : out) {
      if (r.request == row.request) {
        fail(fmt::format("request {} appears twice in batch {}", row.request, row.batch));
      }
    }
    out.push_back(row);
  }
  return true;
}

std::uint64_t count_trace_rows(const std::string& path) {
  DecodeTraceReader reader(path);
  std::vector<DecodeStep> batch;
  std::uint64_t n = 0;
  while (reader.next_batch(batch)) n += batch.size();
  return n;
}

DecodeTraceWriter::DecodeTraceWriter(const std::string& path,
                                     const std::vector<std::string>& comment)
    : path_(path), out_(path) {
  if (!out_) throw InputError(write_error(path, "decode trace", errno));
  out_ << kMagicV1 << '\n';
  for (const auto& c : comment) out_ << "# " << c << '\n';
  out_ << kHeaderV1 << '\n';
}

void DecodeTraceWriter::write(const DecodeStep& row) {
  out_ << row.batch << ',' << row.request << ',' << row.step << ',' << row.kv_len << '\n';
  ++rows_;
}

void DecodeTraceWriter::close() {
  out_.close();
  if (!out_) throw InputError(write_error(path_, "the decode trace", errno));
}

std::uint64_t generate_trace(const GenerateOptions& o, const std::string& out_path) {
  if (o.requests == 0 || o.generate_tokens == 0 || o.batch_size == 0) {
    throw InputError("trace gen: --requests, --gen and --batch must be at least 1");
  }
  if (o.prompt_tokens > kMaxRequestTokens || o.generate_tokens > kMaxRequestTokens - o.prompt_tokens) {
    throw InputError(fmt::format(
        "trace gen: --prompt {} plus --gen {} is more than the {} tokens a request may reach "
        "(no model's context comes near it)",
        o.prompt_tokens, o.generate_tokens, kMaxRequestTokens));
  }
  if (o.requests > kMaxTraceRows / o.generate_tokens) {
    throw InputError(fmt::format(
        "trace gen: --requests {} times --gen {} is more than the {} rows a generated trace may "
        "hold",
        o.requests, o.generate_tokens, kMaxTraceRows));
  }
  DecodeTraceWriter w(out_path,
                      {fmt::format("generated: {} requests, prompt {} tokens, {} decode steps "
                                   "each, batch size {}", o.requests, o.prompt_tokens,
                                   o.generate_tokens, o.batch_size)});
  std::uint64_t batch = 0;
  for (std::uint64_t first = 0; first < o.requests; first += o.batch_size) {
    const std::uint64_t last = std::min(o.requests, first + o.batch_size);
    for (std::uint64_t step = 0; step < o.generate_tokens; ++step, ++batch) {
      for (std::uint64_t r = first; r < last; ++r) {
        w.write(DecodeStep{batch, r, step, o.prompt_tokens + step, 0});
      }
    }
  }
  w.close();
  return w.rows();
}

namespace {

// The request trace's first line: its header.
void read_request_header(std::istream& in, const std::string& source) {
  std::string line;
  if (!std::getline(in, line)) throw InputError(fmt::format("{}:1: empty file", source));
  auto header = split(trim(line));
  if (header.size() != 3 || header[1] != "ContextTokens" || header[2] != "GeneratedTokens") {
    throw InputError(fmt::format("{}:1: expected the header "
                                 "'TIMESTAMP,ContextTokens,GeneratedTokens'", source));
  }
}

// The request trace's rows after the header, expanded into decode steps; returns the
// requests read (skipped ones included).
std::uint64_t expand_request_rows(std::istream& in, const std::string& source,
                                  const ImportOptions& o,
                                  const std::function<void(const DecodeStep&)>& emit) {
  std::string line;
  std::uint64_t line_no = 1;
  std::uint64_t request = 0;
  std::uint64_t batch = 0;
  std::uint64_t seen = 0;
  while (std::getline(in, line)) {
    if (o.max_requests != 0 && request >= o.max_requests) break;  // rows after are not read
    ++line_no;
    std::string_view l = trim(line);
    if (l.empty()) continue;
    auto f = split(l);
    std::uint64_t ctx = 0;
    std::uint64_t gen = 0;
    if (f.size() != 3) {
      throw InputError(fmt::format("{}:{}: expected 3 fields (TIMESTAMP,ContextTokens,"
                                   "GeneratedTokens), found {}", source, line_no, f.size()));
    }
    if (!parse_u64(f[1], ctx)) {
      throw InputError(fmt::format("{}:{}: ContextTokens: '{}' is not a whole number >= 0",
                                   source, line_no, f[1]));
    }
    if (!parse_u64(f[2], gen)) {
      throw InputError(fmt::format("{}:{}: GeneratedTokens: '{}' is not a whole number >= 0",
                                   source, line_no, f[2]));
    }
    if (ctx > kMaxRequestTokens || gen > kMaxRequestTokens - ctx) {
      throw InputError(fmt::format(
          "{}:{}: ContextTokens {} plus GeneratedTokens {} is more than the {} tokens a request "
          "may reach (no model's context comes near it)",
          source, line_no, ctx, gen, kMaxRequestTokens));
    }
    if (seen++ < o.skip_requests) continue;
    for (std::uint64_t i = 0; i < gen; ++i) {
      emit(DecodeStep{batch++, request, i, ctx + i, 0});
    }
    ++request;
  }
  return seen;
}

}  // namespace

std::uint64_t import_request_rows(std::istream& in, const std::string& source,
                                  const ImportOptions& o,
                                  const std::function<void(const DecodeStep&)>& emit) {
  read_request_header(in, source);
  return expand_request_rows(in, source, o, emit);
}

std::uint64_t import_request_trace(const std::string& csv_path, const ImportOptions& o,
                                   const std::string& out_path) {
  check_readable_file(csv_path, "request trace");
  std::ifstream in(csv_path);
  if (!in) throw InputError(fmt::format("{}: cannot open request trace", csv_path));
  read_request_header(in, csv_path);
  DecodeTraceWriter w(out_path, {fmt::format("imported from {}", csv_path),
                                 "each request: GeneratedTokens decode steps, kv_len growing "
                                 "from ContextTokens"});
  const std::uint64_t seen =
      expand_request_rows(in, csv_path, o, [&w](const DecodeStep& row) { w.write(row); });
  w.close();
  if (w.rows() == 0) {
    std::remove(out_path.c_str());  // an empty trace is an error, not an output
    throw InputError(fmt::format(
        "{}: no rows to import: {} requests read, {} skipped, none with GeneratedTokens > 0",
        csv_path, seen, std::min(seen, o.skip_requests)));
  }
  return w.rows();
}

}  // namespace skv::trace
