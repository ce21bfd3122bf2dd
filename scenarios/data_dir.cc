#include "scenarios/data_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace interleave::scenarios {

std::filesystem::path DataDir::base() {
  if (const char* env = std::getenv("INTERLEAVE_TMPDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  if (::access("/dev/shm", W_OK | X_OK) == 0) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

DataDir::DataDir() {
  std::string pattern = (base() / "interleave-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a data directory " + pattern + ": " +
                             std::strerror(errno));
  }
  path_ = pattern;
}

DataDir::~DataDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace interleave::scenarios
