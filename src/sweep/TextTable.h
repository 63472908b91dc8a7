#pragma once
// A plain-text table for the terminal: names left-aligned, figures right-aligned, a rule
// under the header. A row with fewer cells than the header ends in an error line, printed
// as it is, which does not set a column's width (the row's cells before it do).

#include <string>
#include <vector>

namespace skv::sweep {

// `left_columns`: how many leading columns hold names (left-aligned).
std::string text_table(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows, std::size_t left_columns);

}  // namespace skv::sweep
