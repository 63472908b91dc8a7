#include "common/OutputPaths.h"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

#include "common/Error.h"

namespace skv {

namespace {

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::exists(a, ec) && std::filesystem::exists(b, ec)) {
    const bool same = std::filesystem::equivalent(a, b, ec);
    if (!ec) return same;
  }
  const auto ca = std::filesystem::weakly_canonical(a, ec);
  if (ec) return false;
  const auto cb = std::filesystem::weakly_canonical(b, ec);
  return !ec && ca == cb;
}

}  // namespace

void refuse_output_over_input(const std::string& output, const std::string& output_what,
                              const std::vector<std::pair<std::string, std::string>>& inputs) {
  for (const auto& [what, path] : inputs) {
    if (path.empty() || !same_file(output, path)) continue;
    throw InputError(fmt::format(
        "{}: {} is also the input {}; writing it would destroy that input (choose another path)",
        output, output_what, what));
  }
}

}  // namespace skv
