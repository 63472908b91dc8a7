#include "config/SchemaDocs.h"

#include <fmt/format.h>

#include <set>

#include "common/ConfigSchema.h"
#include "common/Error.h"
#include "models/sequencer/ModelConfig.h"
#include "models/top/HwConfig.h"

namespace skv::config {

namespace {

constexpr const char* kBegin = "<!-- BEGIN schema-table ";
constexpr const char* kEnd = "<!-- END schema-table -->";

std::string code(const std::string& s) { return "`" + s + "`"; }

std::string range_cell(const schema::KeyInfo& k) {
  if (k.type == schema::Type::Name) {
    std::string out;
    for (const auto& n : k.names) out += (out.empty() ? "" : ", ") + code(n);
    return out;
  }
  if (k.type == schema::Type::Boolean || k.type == schema::Type::String) return "";
  return k.allowed_text();
}

std::string table(const std::vector<schema::KeyInfo>& keys, const std::string& section) {
  std::string out =
      "| key | type | unit | range | default | timing | meaning | member |\n"
      "|---|---|---|---|---|---|---|---|\n";
  for (const auto& k : keys) {
    if (k.section != section) continue;
    const std::string cells[] = {
        code(k.key),
        schema::type_name(k.type),
        k.unit,
        range_cell(k),
        k.default_kind == schema::Default::Required ? "req." : k.default_text,
        k.affects_timing ? "yes" : "no",
        k.description,
        code(k.member)};
    std::string row = "|";
    for (const auto& c : cells) row += c.empty() ? " |" : " " + c + " |";
    out += row + "\n";
  }
  return out;
}

template <class S>
void add_tables(std::vector<SchemaTable>& out, const std::string& prefix,
                const schema::Schema<S>& s, const std::string& except) {
  const std::vector<schema::KeyInfo> keys = s.keys();
  for (const schema::Section& sec : s.sections()) {
    if (!except.empty() && (sec.path == except || sec.path.rfind(except + ".", 0) == 0)) continue;
    out.push_back(
        SchemaTable{sec.path.empty() ? prefix : prefix + "." + sec.path, table(keys, sec.path)});
  }
}

int line_at(const std::string& text, std::size_t pos) {
  int line = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

}  // namespace

std::vector<SchemaTable> schema_tables() {
  std::vector<SchemaTable> out;
  // The hardware config's `dram` section holds a DRAM preset: its tables are the preset's.
  add_tables(out, "hw", hw_schema(), "dram");
  add_tables(out, "model", model_schema(), "");
  add_tables(out, "dram", dram::dram_schema(), "");
  return out;
}

SplicedDoc splice_schema_tables(const std::string& doc, const std::string& doc_name) {
  const std::vector<SchemaTable> tables = schema_tables();
  SplicedDoc out;
  std::set<std::string> seen;
  std::size_t pos = 0;
  while (true) {
    const std::size_t begin = doc.find(kBegin, pos);
    if (begin == std::string::npos) break;
    const std::size_t id_start = begin + std::string(kBegin).size();
    const std::size_t close = doc.find(" -->", id_start);
    const std::size_t line_end = doc.find('\n', id_start);
    if (close == std::string::npos || line_end == std::string::npos || close > line_end) {
      throw InputError(fmt::format("{}:{}: a schema-table marker without its ' -->'", doc_name,
                                   line_at(doc, begin)));
    }
    const std::string id = doc.substr(id_start, close - id_start);
    const SchemaTable* t = nullptr;
    for (const auto& c : tables) {
      if (c.id == id) t = &c;
    }
    if (!t) {
      throw InputError(
          fmt::format("{}:{}: no schema table '{}'", doc_name, line_at(doc, begin), id));
    }
    if (!seen.insert(id).second) {
      throw InputError(
          fmt::format("{}:{}: schema table '{}' a second time", doc_name, line_at(doc, begin), id));
    }
    const std::size_t end = doc.find(kEnd, line_end);
    if (end == std::string::npos) {
      throw InputError(fmt::format("{}:{}: schema table '{}' has no '{}'", doc_name,
                                   line_at(doc, begin), id, kEnd));
    }
    out.text += doc.substr(pos, line_end + 1 - pos);
    if (doc.compare(line_end + 1, end - (line_end + 1), t->markdown) != 0)
      out.changed.push_back(id);
    out.text += t->markdown;
    pos = end;
  }
  out.text += doc.substr(pos);
  for (const auto& t : tables) {
    if (!seen.count(t.id)) {
      throw InputError(
          fmt::format("{}: has no schema table '{}' (mark its place with '{}{} -->' "
                      "and '{}')",
                      doc_name, t.id, kBegin, t.id, kEnd));
    }
  }
  return out;
}

}  // namespace skv::config
