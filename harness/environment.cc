#include "harness/environment.h"

#include <cerrno>
#include <cstring>

#include "fmt/format.h"

namespace interleave {

bool is_environment_errno(int sys_errno) {
  switch (sys_errno) {
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case EAGAIN:
    case EIO:
    case EROFS:
    case EACCES:
      return true;
    default:
      return false;
  }
}

std::string describe_errno(int sys_errno) {
  const char* name = strerrorname_np(sys_errno);
  return fmt::format("{} ({})", name != nullptr ? name : std::to_string(sys_errno),
                     std::strerror(sys_errno));
}

EnvironmentError::EnvironmentError(const std::string& what, int sys_errno)
    : std::runtime_error(fmt::format("{}: {}", what, describe_errno(sys_errno))),
      sys_errno_(sys_errno) {}

EnvironmentError EnvironmentError::described(const std::string& message, int sys_errno) {
  return EnvironmentError(Described{}, message, sys_errno);
}

void throw_if_environment(const std::string& what, int sys_errno) {
  if (is_environment_errno(sys_errno)) throw EnvironmentError(what, sys_errno);
}

}  // namespace interleave
