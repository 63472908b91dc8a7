#pragma once
// A directory of its own under the system temp directory for one test, removed with
// everything in it when the test ends. Tests write their inputs and outputs here and
// never touch tracked files.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace skv::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "skv-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory from " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;  // a destructor must not throw; a leftover temp dir is harmless
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // `name` below this directory, as a string (for APIs that take paths as strings).
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes `text` to `name` (creating parent directories) and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + p.string());
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

// The whole content of a file ("" with `ok` false if it cannot be read).
inline std::string read_file(const std::string& path, bool* ok = nullptr) {
  std::ifstream in(path, std::ios::binary);
  if (ok) *ok = static_cast<bool>(in);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Lines of a text file (without their '\n'), each split at commas.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
      const auto comma = line.find(',', start);
      fields.push_back(line.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    rows.push_back(fields);
  }
  return rows;
}

// The rows after a CSV file's header line (read_csv: no quoting), each as header name to
// value; a row whose field count differs from the header's is an error.
inline std::vector<std::map<std::string, std::string>> read_csv_records(const std::string& path) {
  const auto lines = read_csv(path);
  std::vector<std::map<std::string, std::string>> records;
  for (std::size_t r = 1; r < lines.size(); ++r) {
    if (lines[r].size() != lines[0].size()) {
      throw std::runtime_error(path + ": row " + std::to_string(r) + " has " +
                               std::to_string(lines[r].size()) + " fields, the header " +
                               std::to_string(lines[0].size()));
    }
    std::map<std::string, std::string> record;
    for (std::size_t c = 0; c < lines[0].size(); ++c) record[lines[0][c]] = lines[r][c];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace skv::test
