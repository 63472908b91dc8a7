#include "common/OutputPaths.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

OutputDirLock::OutputDirLock(const std::string& dir, const std::string& command) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw InputError(fmt::format("{}: cannot create output directory: {}", dir, ec.message()));
  const std::string path = (std::filesystem::path(dir) / ".swiftkv-sim.lock").string();
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw InputError(
        fmt::format("{}: cannot write in the output directory: {}", dir, std::strerror(errno)));
  }
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char holder[128] = {};
    const ssize_t n = pread(fd_, holder, sizeof holder - 1, 0);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : "";
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      throw InputError(fmt::format(
          "{}: output directory in use by another swiftkv-sim ({}); wait for it to end, or "
          "write elsewhere with -o",
          dir, who.empty() ? std::string("a process starting") : who));
    }
    throw InputError(
        fmt::format("{}: cannot lock the output directory: {}", dir, std::strerror(err)));
  }
  // Who holds it, for the message a second command gets (the lock holds without it).
  const std::string me = fmt::format("{} pid {}\n", command, getpid());
  if (ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = pwrite(fd_, me.data(), me.size(), 0);
  }
}

OutputDirLock::~OutputDirLock() {
  if (fd_ >= 0) close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace skv
