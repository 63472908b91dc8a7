// `swiftkv-sim schema`: the config keys, from the schemas beside the config structs
// (common/ConfigSchema.h), as the tables of docs/formats.md.

#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/Commands.h"
#include "common/BuildId.h"
#include "common/Error.h"
#include "config/ResolvedConfig.h"
#include "config/SchemaDocs.h"
#include "sweep/SweepFiles.h"

namespace skv::cli {

namespace {

struct SchemaOptions {
  std::string docs;   // rewrite this file's tables
  std::string check;  // or only check them
};

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void add_schema_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<SchemaOptions>();
  CLI::App* sub = app.add_subcommand(
      "schema",
      "Print the keys of hardware configs, models and DRAM presets (the tables of "
      "docs/formats.md), or bring a document's tables up to date");
  auto* docs = sub->add_option("--docs", o->docs,
                               "Rewrite the schema tables of this Markdown file in place");
  sub->add_option("--check", o->check,
                  "Exit 1 if this Markdown file's schema tables differ from the schemas")
      ->excludes(docs);
  sub->callback([o, &exit_code] {
    exit_code = 0;
    if (o->docs.empty() && o->check.empty()) {
      fmt::print("config schema version {} (build {})\n", config::schema_version(), build_id());
      for (const auto& t : config::schema_tables()) fmt::print("\n{}:\n\n{}", t.id, t.markdown);
      return;
    }
    const std::string& file = o->docs.empty() ? o->check : o->docs;
    const config::SplicedDoc d = config::splice_schema_tables(sweep::read_text_file(file), file);
    if (!o->check.empty()) {
      if (!d.changed.empty()) {
        throw InputError(
            fmt::format("{}: schema tables differ from the schemas: {} (run "
                        "swiftkv-sim schema --docs {})",
                        file, join(d.changed), file));
      }
      fmt::print("ok: {}: {} schema tables up to date\n", file, config::schema_tables().size());
      return;
    }
    if (!d.changed.empty()) sweep::write_file_atomic(file, d.text);
    fmt::print("{}: {} schema tables, {} rewritten{}\n", file, config::schema_tables().size(),
               d.changed.size(), d.changed.empty() ? "" : " (" + join(d.changed) + ")");
  });
}

}  // namespace skv::cli
