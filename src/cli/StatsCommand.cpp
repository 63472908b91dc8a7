// `swiftkv-sim stats`: every counter of the stats registry and every derived figure, with
// its path in report.json, kind, unit and description (the table of docs/stats.md).

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/Commands.h"
#include "common/Error.h"
#include "report/StatsListing.h"
#include "sweep/SweepFiles.h"

namespace skv::cli {

namespace {

constexpr const char* kBegin = "<!-- stats:table -->\n";
constexpr const char* kEnd = "<!-- /stats:table -->\n";

struct StatsOptions {
  std::string docs;   // rewrite this file's table
  std::string check;  // or only check it
};

}  // namespace

void add_stats_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* sub = app.add_subcommand(
      "stats",
      "Print every counter and derived figure a run reports (the table of docs/stats.md), or "
      "bring a document's table up to date");
  auto* docs = sub->add_option("--docs", o->docs, "Rewrite the stats table of this Markdown file");
  sub->add_option("--check", o->check,
                  "Exit 1 if this Markdown file's stats table differs from the registry")
      ->excludes(docs);
  sub->callback([o, &exit_code] {
    exit_code = 0;
    const std::string table = report::stats_markdown();
    if (o->docs.empty() && o->check.empty()) {
      fmt::print("{}", table);
      return;
    }
    const std::string& file = o->docs.empty() ? o->check : o->docs;
    const std::string text = sweep::read_text_file(file);
    const std::size_t begin = text.find(kBegin);
    const std::size_t end = begin == std::string::npos ? begin : text.find(kEnd, begin);
    if (end == std::string::npos) {
      throw InputError(fmt::format("{}: no stats table (a line '{}' and, after it, a line '{}')",
                                   file, std::string(kBegin, std::string(kBegin).size() - 1),
                                   std::string(kEnd, std::string(kEnd).size() - 1)));
    }
    const std::size_t from = begin + std::string(kBegin).size();
    const bool same = text.compare(from, end - from, table) == 0;
    if (!o->check.empty()) {
      if (!same) {
        throw InputError(fmt::format(
            "{}: the stats table differs from the registry (run swiftkv-sim stats --docs {})", file,
            file));
      }
      fmt::print("ok: {}: stats table up to date\n", file);
      return;
    }
    if (!same) sweep::write_file_atomic(file, text.substr(0, from) + table + text.substr(end));
    fmt::print("{}: stats table {}\n", file, same ? "up to date" : "rewritten");
  });
}

}  // namespace skv::cli
