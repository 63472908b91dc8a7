#include "sweep/SweepFiles.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/Error.h"

namespace skv::sweep {

namespace fs = std::filesystem;

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file_atomic(const std::string& path, const std::string& content) {
  // The process id keeps two shards writing one directory's manifest apart.
  const std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot write: {}", tmp, std::strerror(errno)));
  std::size_t off = 0;
  while (off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw InputError(fmt::format("{}: write failed: {}", tmp, std::strerror(err)));
    }
    off += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw InputError(fmt::format("{}: cannot write: {}", path, std::strerror(err)));
  }
}

std::string hash_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file", path));
  StableHash h;
  std::string block(1 << 16, '\0');
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    h.add("block", std::string_view(block.data(), static_cast<std::size_t>(in.gcount())));
  }
  return h.hex();
}

const char* point_state_name(PointState s) {
  switch (s) {
    case PointState::Done:
      return "done";
    case PointState::Failed:
      return "failed";
    case PointState::Pending:
      break;
  }
  return "pending";
}

std::string format_status(const PointStatus& s) {
  std::string out = fmt::format("{}\ninputs_hash: {}\n", point_state_name(s.state), s.inputs_hash);
  if (s.state == PointState::Failed) {
    std::string line = s.error;
    for (char& c : line) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    out += fmt::format("error: {}\n", line);
  }
  return out;
}

std::optional<PointStatus> parse_status(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  PointStatus s;
  if (!std::getline(in, line)) return std::nullopt;
  if (line == "done") {
    s.state = PointState::Done;
  } else if (line == "failed") {
    s.state = PointState::Failed;
  } else {
    return std::nullopt;
  }
  bool have_hash = false;
  while (std::getline(in, line)) {
    const auto colon = line.find(": ");
    if (colon == std::string::npos) return std::nullopt;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    if (key == "inputs_hash") {
      s.inputs_hash = value;
      have_hash = true;
    } else if (key == "error") {
      s.error = value;
    } else {
      return std::nullopt;
    }
  }
  if (!have_hash) return std::nullopt;
  return s;
}

PointState resume_state(const std::optional<PointStatus>& recorded, const std::string& inputs_hash,
                        bool report_exists) {
  if (!recorded || recorded->inputs_hash != inputs_hash) return PointState::Pending;
  if (recorded->state == PointState::Done) {
    return report_exists ? PointState::Done : PointState::Pending;
  }
  return recorded->state;
}

PointStatus read_point_status(const std::string& point_dir, const std::string& inputs_hash) {
  const fs::path dir(point_dir);
  std::optional<PointStatus> recorded;
  std::error_code ec;
  if (fs::exists(dir / kStatusFile, ec))
    recorded = parse_status(read_text_file((dir / kStatusFile).string()));
  PointStatus out;
  out.inputs_hash = inputs_hash;
  out.state = resume_state(recorded, inputs_hash, fs::exists(dir / kReportFile, ec));
  if (out.state == PointState::Failed) out.error = recorded->error;
  return out;
}

}  // namespace skv::sweep
