#pragma once
// An output that would overwrite one of the command's own inputs is refused before
// anything is written (`trace import X.csv -o X.csv` would truncate its input, then fail
// on it).

#include <string>
#include <utility>
#include <vector>

namespace skv {

// Throws InputError when `output` names the same file as one of `inputs` (pairs of
// what the input is, e.g. "--trace", and its path): the same path spelt differently, a
// link to it, or a hard link.
void refuse_output_over_input(const std::string& output, const std::string& output_what,
                              const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace skv
