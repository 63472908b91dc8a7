// `swiftkv-sim trace gen|import`: makes decode traces.

#include <fmt/format.h>

#include <memory>

#include "cli/Commands.h"
#include "common/OutputPaths.h"
#include "trace/DecodeTrace.h"

namespace skv::cli {

void add_trace_command(CLI::App& app, int& exit_code) {
  CLI::App* sub = app.add_subcommand("trace", "Make decode traces (gen, import)");
  sub->require_subcommand(1);

  auto g = std::make_shared<trace::GenerateOptions>();
  auto g_out = std::make_shared<std::string>();
  CLI::App* gen = sub->add_subcommand("gen", "Generate a trace from a prompt and generation length");
  gen->add_option("--requests", g->requests, "Number of requests")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, trace::kMaxTraceRows));
  gen->add_option("--prompt", g->prompt_tokens, "Prompt tokens per request")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, trace::kMaxRequestTokens));
  gen->add_option("--gen", g->generate_tokens, "Decode steps per request")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, trace::kMaxRequestTokens));
  gen->add_option("--batch", g->batch_size, "Requests decoded together")->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20));
  gen->add_option("-o,--out", *g_out, "Output trace file")->required();
  gen->callback([g, g_out, &exit_code] {
    const std::uint64_t rows = trace::generate_trace(*g, *g_out);
    fmt::print("wrote {}: {} decode steps\n", *g_out, rows);
    exit_code = 0;
  });

  auto im = std::make_shared<trace::ImportOptions>();
  auto im_in = std::make_shared<std::string>();
  auto im_out = std::make_shared<std::string>();
  CLI::App* imp = sub->add_subcommand(
      "import", "Expand a request trace (TIMESTAMP,ContextTokens,GeneratedTokens) into decode steps");
  imp->add_option("input", *im_in, "Request-level CSV")->required();
  imp->add_option("-o,--out", *im_out, "Output trace file")->required();
  imp->add_option("--max-requests", im->max_requests, "Import at most this many requests (0: all)")
      ->capture_default_str();
  imp->add_option("--skip-requests", im->skip_requests, "Skip this many requests first")
      ->capture_default_str();
  imp->callback([im, im_in, im_out, &exit_code] {
    refuse_output_over_input(*im_out, "-o", {{"request CSV", *im_in}});
    const std::uint64_t rows = trace::import_request_trace(*im_in, *im, *im_out);
    fmt::print("wrote {}: {} decode steps\n", *im_out, rows);
    exit_code = 0;
  });
}

}  // namespace skv::cli
