// Decode trace format v1 (src/trace/DecodeTrace.h, docs/formats.md): writer and reader,
// batch grouping, every reader error with its file:line, the generator and the
// request-level importer.

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/Error.h"
#include "support/TempDir.h"
#include "support/TextChecks.h"
#include "trace/DecodeTrace.h"

using skv::InputError;
using skv::test::TempDir;
using namespace skv::trace;
using skv::test::error_of;

namespace {

// `msg` is one line "<file>:<line>: <reason>" whose reason contains `reason_part`.
void check_error(const std::string& msg, const std::string& file, int line,
                 const std::string& reason_part) {
  INFO("message: " << msg);
  const std::string prefix = fmt::format("{}:{}: ", file, line);
  CHECK(msg.rfind(prefix, 0) == 0);
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(msg.find(reason_part) != std::string::npos);
}

// Every batch of the trace at `path`.
std::vector<std::vector<DecodeStep>> read_all(const std::string& path) {
  DecodeTraceReader reader(path);
  std::vector<std::vector<DecodeStep>> out;
  std::vector<DecodeStep> batch;
  while (reader.next_batch(batch)) out.push_back(batch);
  return out;
}

std::vector<DecodeStep> flatten(const std::vector<std::vector<DecodeStep>>& batches) {
  std::vector<DecodeStep> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The error reading the whole trace `body` (written after the magic and header lines,
// which are lines 1 and 2) raises.
std::string read_error(const TempDir& dir, const std::string& body) {
  const std::string path =
      dir.write("t.trace", std::string(kMagicV1) + "\n" + kHeaderV1 + "\n" + body);
  return error_of([&] { read_all(path); });
}

struct Request {
  std::uint64_t context = 0;
  std::uint64_t generated = 0;
};

// The first `limit` data rows of a `TIMESTAMP,ContextTokens,GeneratedTokens` file, parsed
// here independently of the importer.
std::vector<Request> read_requests(const std::string& path, std::size_t limit) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // header
  std::vector<Request> out;
  while (out.size() < limit && std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    const auto c1 = line.find(',');
    const auto c2 = line.find(',', c1 + 1);
    out.push_back(
        {std::stoull(line.substr(c1 + 1, c2 - c1 - 1)), std::stoull(line.substr(c2 + 1))});
  }
  return out;
}

// The imported trace holds, for request r (numbered from 0) and step i < GeneratedTokens,
// one row with kv_len = ContextTokens + i, in request order, one row per batch.
void check_import(const std::vector<Request>& requests, const std::string& trace_path,
                  std::uint64_t rows_returned) {
  const auto batches = read_all(trace_path);
  const auto rows = flatten(batches);
  std::uint64_t expected_rows = 0;
  for (const auto& r : requests) expected_rows += r.generated;
  CHECK(rows_returned == expected_rows);
  REQUIRE(rows.size() == expected_rows);
  CHECK(batches.size() == expected_rows);  // each step is a batch of its own
  std::size_t k = 0;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    for (std::uint64_t i = 0; i < requests[r].generated; ++i, ++k) {
      INFO("request " << r << " step " << i);
      REQUIRE(rows[k].request == r);
      REQUIRE(rows[k].step == i);
      REQUIRE(rows[k].kv_len == requests[r].context + i);
      REQUIRE(rows[k].batch == k);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Writer and reader

TEST_CASE("decode trace: writer output reads back row for row", "[trace]") {
  TempDir dir;
  const std::string path = dir.file("rt.trace");
  const std::vector<DecodeStep> rows = {
      {0, 7, 0, 100, 0}, {0, 9, 3, 51, 0}, {4, 7, 1, 101, 0}, {5, 9, 4, 52, 0}, {5, 7, 2, 102, 0}};
  DecodeTraceWriter w(path, {"first comment", "second comment"});
  for (const auto& r : rows) w.write(r);
  CHECK(w.rows() == rows.size());
  w.close();

  // Version line, two comments, header, then one line per row.
  CHECK(skv::test::read_file(path) ==
        "# swiftkv-decode-trace v1\n# first comment\n# second comment\n"
        "batch,request,step,kv_len\n0,7,0,100\n0,9,3,51\n4,7,1,101\n5,9,4,52\n5,7,2,102\n");

  const auto back = flatten(read_all(path));
  REQUIRE(back.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CHECK(back[i].batch == rows[i].batch);
    CHECK(back[i].request == rows[i].request);
    CHECK(back[i].step == rows[i].step);
    CHECK(back[i].kv_len == rows[i].kv_len);
    CHECK(back[i].line == 5 + i);  // rows start on line 5
  }
  CHECK(count_trace_rows(path) == rows.size());
}

TEST_CASE("decode trace: consecutive rows with one batch id form one batch", "[trace]") {
  TempDir dir;
  const std::string path =
      dir.write("b.trace",
                "# swiftkv-decode-trace v1\nbatch,request,step,kv_len\n0,0,0,8\n0,1,0,9\n0,2,0,10\n"
                "3,0,1,9\n3,2,1,11\n10,1,1,10\n");
  const auto batches = read_all(path);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].size() == 3);
  CHECK(batches[1].size() == 2);
  CHECK(batches[2].size() == 1);
  for (const auto& b : batches) {
    for (const auto& r : b) CHECK(r.batch == b.front().batch);
  }
  CHECK(batches[1].front().batch == 3);
  CHECK(batches[2].front().batch == 10);  // ids may skip, as long as they increase
  CHECK(batches[2].front().line == 8);
}

TEST_CASE("decode trace: comments, blank lines, spaces and CRLF are accepted", "[trace]") {
  TempDir dir;
  const std::string path =
      dir.write("c.trace",
                "# swiftkv-decode-trace v1\r\n# a comment\r\n\r\n  batch,request,step,kv_len  \r\n"
                "# between rows\r\n0, 1 ,2,\t3\r\n\r\n  # indented comment\r\n1,1,3,4\r\n");
  const auto rows = flatten(read_all(path));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].request == 1);
  CHECK(rows[0].step == 2);
  CHECK(rows[0].kv_len == 3);
  CHECK(rows[0].line == 6);
  CHECK(rows[1].kv_len == 4);
  CHECK(rows[1].line == 9);
}

TEST_CASE("decode trace: a trace with a header and no rows is empty", "[trace]") {
  TempDir dir;
  const std::string path =
      dir.write("e.trace", "# swiftkv-decode-trace v1\n# nothing\nbatch,request,step,kv_len\n");
  CHECK(read_all(path).empty());
  CHECK(count_trace_rows(path) == 0);
}

TEST_CASE("decode trace: a bad first line is an error at line 1", "[trace]") {
  TempDir dir;
  const std::string wrong =
      dir.write("w.trace", "# swiftkv-decode-trace v2\nbatch,request,step,kv_len\n");
  check_error(error_of([&] { DecodeTraceReader r(wrong); }), wrong, 1, "not a decode trace");
  const std::string csv = dir.write("x.trace", "batch,request,step,kv_len\n0,0,0,1\n");
  check_error(error_of([&] { DecodeTraceReader r(csv); }), csv, 1,
              "the first line must be '# swiftkv-decode-trace v1'");
  const std::string empty = dir.write("empty.trace", "");
  check_error(error_of([&] { DecodeTraceReader r(empty); }), empty, 1, "not a decode trace");
}

TEST_CASE("decode trace: a missing or wrong header is an error at its line", "[trace]") {
  TempDir dir;
  const std::string no_header =
      dir.write("n.trace", "# swiftkv-decode-trace v1\n# comment\n0,0,0,1\n");
  check_error(error_of([&] { DecodeTraceReader r(no_header); }), no_header, 3,
              "expected the column header 'batch,request,step,kv_len'");
  const std::string reordered =
      dir.write("r.trace", "# swiftkv-decode-trace v1\nrequest,batch,step,kv_len\n0,0,0,1\n");
  check_error(error_of([&] { DecodeTraceReader r(reordered); }), reordered, 2,
              "expected the column header");
  const std::string only_comments =
      dir.write("o.trace", "# swiftkv-decode-trace v1\n# one\n\n# two\n");
  check_error(error_of([&] { DecodeTraceReader r(only_comments); }), only_comments, 4,
              "missing the column header");
}

TEST_CASE("decode trace: a row with the wrong number of fields is an error at its line",
          "[trace]") {
  TempDir dir;
  const std::string path = dir.file("t.trace");
  check_error(read_error(dir, "0,0,0,1\n1,0,1\n"), path, 4, "expected 4 fields");
  check_error(read_error(dir, "0,0,0,1\n1,0,1\n"), path, 4, "found 3");
  check_error(read_error(dir, "# c\n0,0,0,1,5\n"), path, 4, "found 5");
  check_error(read_error(dir, "0 0 0 1\n"), path, 3, "found 1");
}

TEST_CASE("decode trace: a field that is not a whole number is an error naming the column",
          "[trace]") {
  TempDir dir;
  const std::string path = dir.file("t.trace");
  check_error(read_error(dir, "0,0,0,1\n1,0,x,2\n"), path, 4, "step: 'x' is not a whole number");
  check_error(read_error(dir, "0,0,0,-5\n"), path, 3, "kv_len: '-5' is not a whole number");
  check_error(read_error(dir, "0,,0,1\n"), path, 3, "request: '' is not a whole number");
  check_error(read_error(dir, "1.5,0,0,1\n"), path, 3, "batch: '1.5' is not a whole number");
  check_error(read_error(dir, "0,0,0,18446744073709551616\n"), path, 3, "kv_len:");
}

TEST_CASE("decode trace: batch ids must increase and a batch's rows be consecutive", "[trace]") {
  TempDir dir;
  const std::string path = dir.file("t.trace");
  check_error(read_error(dir, "0,0,0,1\n2,0,1,2\n1,0,2,3\n"), path, 5,
              "batch 1 comes after batch 2");
  // Batch 0 again after batch 1: its rows are not consecutive.
  check_error(read_error(dir, "0,0,0,1\n1,1,0,1\n# c\n0,2,0,1\n"), path, 6,
              "batch 0 comes after batch 1");
  check_error(read_error(dir, "3,0,0,1\n3,1,0,1\n3,2,0,1\n3,3,0,1\n2,0,1,2\n"), path, 7,
              "batch 2 comes after batch 3");
}

TEST_CASE("decode trace: a request appears at most once in a batch", "[trace]") {
  TempDir dir;
  const std::string path = dir.file("t.trace");
  check_error(read_error(dir, "0,4,0,1\n0,5,0,1\n0,4,1,2\n"), path, 5,
              "request 4 appears twice in batch 0");
  // The same request in successive batches is what decoding is.
  const auto ok = read_all(
      dir.write("ok.trace", std::string(kMagicV1) + "\n" + kHeaderV1 + "\n0,4,0,1\n1,4,1,2\n"));
  CHECK(ok.size() == 2);
}

TEST_CASE("decode trace: missing and unwritable files", "[trace]") {
  TempDir dir;
  const std::string missing = dir.file("none.trace");
  CHECK(error_of([&] { DecodeTraceReader r(missing); }) == missing + ": cannot open decode trace: No such file or directory");
  const std::string unwritable = dir.file("no/such/dir/out.trace");
  CHECK(error_of([&] { DecodeTraceWriter w(unwritable, {}); }) ==
        unwritable + ": cannot write decode trace: No such file or directory");
}

// ---------------------------------------------------------------------------------------
// Generator

TEST_CASE("trace generator: row counts, batching and kv_len growth", "[trace]") {
  TempDir dir;
  const std::string path = dir.file("g.trace");
  GenerateOptions o;
  o.requests = 5;
  o.prompt_tokens = 10;
  o.generate_tokens = 3;
  o.batch_size = 2;
  // 5 requests x 3 steps = 15 rows; groups {0,1}, {2,3}, {4} each take 3 batches.
  CHECK(generate_trace(o, path) == 15);
  const auto batches = read_all(path);
  REQUIRE(batches.size() == 9);
  const std::vector<std::size_t> sizes = {2, 2, 2, 2, 2, 2, 1, 1, 1};
  for (std::size_t b = 0; b < batches.size(); ++b) {
    INFO("batch " << b);
    CHECK(batches[b].size() == sizes[b]);
    CHECK(batches[b].front().batch == b);
    const std::uint64_t first_request = 2 * (b / 3);
    const std::uint64_t step = b % 3;
    for (std::size_t k = 0; k < batches[b].size(); ++k) {
      CHECK(batches[b][k].request == first_request + k);
      CHECK(batches[b][k].step == step);
      CHECK(batches[b][k].kv_len == 10 + step);  // prompt + step
    }
  }
}

TEST_CASE("trace generator: one request, and zero counts rejected", "[trace]") {
  TempDir dir;
  GenerateOptions o;
  o.requests = 1;
  o.prompt_tokens = 0;
  o.generate_tokens = 4;
  CHECK(generate_trace(o, dir.file("one.trace")) == 4);
  const auto rows = flatten(read_all(dir.file("one.trace")));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].kv_len == 0);
  CHECK(rows[3].kv_len == 3);
  CHECK(rows[3].batch == 3);

  o.generate_tokens = 0;
  CHECK(error_of([&] { generate_trace(o, dir.file("zero.trace")); }).find("at least 1") !=
        std::string::npos);
  o.generate_tokens = 1;
  o.batch_size = 0;
  CHECK(error_of([&] { generate_trace(o, dir.file("zero.trace")); }).find("at least 1") !=
        std::string::npos);
}

// ---------------------------------------------------------------------------------------
// Importer

TEST_CASE("trace importer: a small request trace expands into decode steps", "[trace]") {
  TempDir dir;
  const std::string csv = dir.write("req.csv",
                                    "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                    "2023-11-16 18:15:46.68,100,3\n"
                                    "2023-11-16 18:15:47.00,5,0\n"
                                    "\n"
                                    "2023-11-16 18:15:48.00,7,2\n");
  const std::string out = dir.file("req.trace");
  const std::uint64_t rows = import_request_trace(csv, ImportOptions{}, out);
  // A request with no generated tokens adds no rows but keeps its request number.
  check_import({{100, 3}, {5, 0}, {7, 2}}, out, rows);
  CHECK(rows == 5);
  CHECK(skv::test::read_file(out).rfind("# swiftkv-decode-trace v1\n", 0) == 0);
}

TEST_CASE("trace importer: skip and limit select requests, numbered from 0", "[trace]") {
  TempDir dir;
  const std::string csv = dir.write("req.csv",
                                    "TIMESTAMP,ContextTokens,GeneratedTokens\r\n"
                                    "t0,100,3\r\nt1,5,2\r\nt2,7,4\r\n"
                                    "a row after the limit is not even read\r\n");
  const std::string out = dir.file("sel.trace");
  ImportOptions o;
  o.skip_requests = 1;
  o.max_requests = 2;
  const std::uint64_t rows = import_request_trace(csv, o, out);
  check_import({{5, 2}, {7, 4}}, out, rows);
}

TEST_CASE("trace importer: the project's shipped request-trace slice", "[trace]") {
  TempDir dir;
  const std::string csv = std::string(SKV_SOURCE_DIR) + "/traces/azure-conv-2023-first20.csv";
  const auto requests = read_requests(csv, 20);
  REQUIRE(requests.size() == 20);
  const std::string out = dir.file("azure20.trace");
  const std::uint64_t rows = import_request_trace(csv, ImportOptions{}, out);
  check_import(requests, out, rows);
}

TEST_CASE("trace importer: the first requests of the shared Azure trace", "[trace]") {
  const std::string csv = std::string(SKV_SOURCE_DIR) + "/../shared/data/azure_llm_conv_2023.csv";
  if (!std::ifstream(csv)) {
    WARN("skipped: " << csv << " is not there");
    return;
  }
  TempDir dir;
  const std::size_t n = 200;
  const auto requests = read_requests(csv, n);
  REQUIRE(requests.size() == n);
  ImportOptions o;
  o.max_requests = n;
  const std::string out = dir.file("azure.trace");
  const std::uint64_t rows = import_request_trace(csv, o, out);
  check_import(requests, out, rows);
}

TEST_CASE("trace importer: errors carry the file and line", "[trace]") {
  TempDir dir;
  const std::string out = dir.file("x.trace");
  auto import_error = [&](const std::string& text) {
    const std::string csv = dir.write("bad.csv", text);
    return error_of([&] { import_request_trace(csv, ImportOptions{}, out); });
  };
  const std::string csv = dir.file("bad.csv");
  check_error(import_error(""), csv, 1, "empty file");
  check_error(import_error("time,context,generated\n1,2,3\n"), csv, 1,
              "expected the header 'TIMESTAMP,ContextTokens,GeneratedTokens'");
  check_error(import_error("TIMESTAMP,ContextTokens\n"), csv, 1, "expected the header");
  const std::string h = "TIMESTAMP,ContextTokens,GeneratedTokens\n";
  check_error(import_error(h + "t,1,2\nt,3\n"), csv, 3, "expected 3 fields");
  check_error(import_error(h + "t,1,2\nt,1,2,3\n"), csv, 3, "found 4");
  check_error(import_error(h + "t,1,2\n\nt,many,2\n"), csv, 4,
              "ContextTokens: 'many' is not a whole number");
  check_error(import_error(h + "t,1,-2\n"), csv, 2, "GeneratedTokens: '-2' is not a whole number");
  const std::string missing = dir.file("none.csv");
  CHECK(error_of([&] { import_request_trace(missing, ImportOptions{}, out); }) ==
        missing + ": cannot open request trace: No such file or directory");
}
