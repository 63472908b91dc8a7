#include "sweep/TextTable.h"

#include <fmt/format.h>

#include <algorithm>

namespace skv::sweep {

std::string text_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows,
                       std::size_t left_columns) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    // An error row's last cell (its error line) does not set a width; its names do.
    const std::size_t sized = row.size() == header.size() ? row.size() : row.size() - 1;
    for (std::size_t c = 0; c < sized && c < width.size(); ++c) {
      width[c] = std::max(width[c], row[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out += "  ";
      // Names left-aligned, figures right-aligned; the last cell of an error row as is.
      if (row.size() != header.size() && c + 1 == row.size()) {
        out += row[c];
      } else if (c < left_columns) {
        out += fmt::format("{:<{}}", row[c], width[c]);
      } else {
        out += fmt::format("{:>{}}", row[c], width[c]);
      }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(header);
  std::size_t total = 0;
  for (const auto w : width) total += w + 2;
  out += std::string(total - 2, '-') + "\n";
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace skv::sweep
