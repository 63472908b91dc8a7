#pragma once
// Opening the files a user names: every failure is one InputError line that names the
// file and says why in plain words ("is a directory", the operating system's reason).

#include <cstdint>
#include <string>

namespace skv {

// The most a config file (hardware, model, DRAM preset, sweep) may hold: the shipped
// ones are a few KiB, and a larger file is almost surely the wrong file (a trace, a
// device such as /dev/zero), which would otherwise be read whole into memory.
constexpr std::uint64_t kMaxConfigFileBytes = std::uint64_t{1} << 20;

// Throws InputError "<path>: cannot open <what>: <reason>" unless `path` can be opened
// for reading and is a regular file or a pipe (not a directory, not a device).
void check_readable_file(const std::string& path, const std::string& what);

// The whole text of config file `path`, refused (before it is read whole) when it holds
// more than kMaxConfigFileBytes.
std::string read_config_file(const std::string& path, const std::string& what);

// "<path>: cannot write <what>: <the operating system's reason>", for an output that
// failed to open or to write; `err` is the errno value (0: no reason known).
std::string write_error(const std::string& path, const std::string& what, int err);

}  // namespace skv
