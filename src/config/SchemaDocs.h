#pragma once
// The key tables of docs/formats.md, generated from the config schemas: one table per
// section of the hardware config, the model and the DRAM preset. In the document each
// table sits between two marker comments,
//
//   <!-- BEGIN schema-table hw.processor_array -->
//   | key | type | ...
//   <!-- END schema-table -->
//
// and `swiftkv-sim schema --docs FILE` rewrites what is between them.

#include <string>
#include <vector>

namespace skv::config {

struct SchemaTable {
  std::string id;        // "hw" (top level), "hw.processor_array", "model", "dram.timing", ...
  std::string markdown;  // the table, one line per key after the header, each line ending '\n'
};

// Every table, in document order.
std::vector<SchemaTable> schema_tables();

struct SplicedDoc {
  std::string text;                  // the document with every marked table regenerated
  std::vector<std::string> changed;  // ids of the tables whose text changed
};

// Regenerates every marked table of `doc`. An unknown id, a BEGIN without its END, or a
// table of schema_tables() that the document does not mark is an InputError naming
// `doc_name` and the line.
SplicedDoc splice_schema_tables(const std::string& doc, const std::string& doc_name);

}  // namespace skv::config
