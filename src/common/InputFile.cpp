#include "common/InputFile.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/Error.h"

namespace skv {

namespace {

// An open descriptor, closed when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Opens `path` for reading, checked as check_readable_file says.
int open_checked(const std::string& path, const std::string& what) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    throw InputError(fmt::format("{}: cannot open {}: {}", path, what, std::strerror(err)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    throw InputError(fmt::format("{}: cannot open {}: {}", path, what, std::strerror(err)));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    throw InputError(fmt::format("{}: cannot open {}: it is a directory", path, what));
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    close(fd);
    throw InputError(fmt::format(
        "{}: cannot open {}: it is a device, not a file (allowed: a file or a pipe)", path,
        what));
  }
  return fd;
}

std::string too_big(const std::string& path, const std::string& what) {
  return fmt::format("{}: cannot read {}: it holds more than {} MiB, the most a config file may "
                     "hold (is it the right file?)",
                     path, what, kMaxConfigFileBytes >> 20);
}

}  // namespace

void check_readable_file(const std::string& path, const std::string& what) {
  const Fd fd{open_checked(path, what)};
}

std::string read_config_file(const std::string& path, const std::string& what) {
  const Fd fd{open_checked(path, what)};
  struct stat st {};
  if (fstat(fd.fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uint64_t>(st.st_size) > kMaxConfigFileBytes) {
    throw InputError(too_big(path, what));
  }
  std::string text;
  char buf[65536];
  while (true) {
    const ssize_t n = read(fd.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw InputError(fmt::format("{}: cannot read {}: {}", path, what, std::strerror(err)));
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigFileBytes) throw InputError(too_big(path, what));
  }
  return text;
}

std::string write_error(const std::string& path, const std::string& what, int err) {
  if (err == 0) return fmt::format("{}: cannot write {}", path, what);
  return fmt::format("{}: cannot write {}: {}", path, what, std::strerror(err));
}

}  // namespace skv
