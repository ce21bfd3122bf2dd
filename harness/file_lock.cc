#include <sys/file.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/seam.h"

namespace interleave::detail {
namespace {

[[noreturn]] void die(const char* what, const char* name, int error) {
  std::fprintf(stderr, "interleave: %s on file lock %s failed: %s\n", what, name,
               std::strerror(error));
  std::abort();
}

}  // namespace

void DescriptorLock::lock() {
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) die("flock(LOCK_EX)", name_, errno);
  }
}

bool DescriptorLock::try_lock() {
  for (;;) {
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) die("flock(LOCK_EX|LOCK_NB)", name_, errno);
  }
}

void DescriptorLock::unlock() {
  while (::flock(fd_, LOCK_UN) != 0) {
    if (errno != EINTR) die("flock(LOCK_UN)", name_, errno);
  }
}

}  // namespace interleave::detail
