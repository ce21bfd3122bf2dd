#include "harness/backends/blocked_in.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace interleave::detail {

std::optional<std::string> uncontrolled_lock_wait(pid_t tid, const void* own,
                                                  std::size_t own_size) {
  if (tid <= 0) return std::nullopt;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/syscall", static_cast<int>(tid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char text[256];
  const ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  text[n] = '\0';
  // "<number> <arg0> <arg1> ...", "running", or "-1 <sp> <pc>" outside a system call.
  char* end = nullptr;
  const long number = std::strtol(text, &end, 10);
  if (end == text) return std::nullopt;
  if (number == SYS_flock) {
    return std::string("flock(2), a file lock the scheduler does not see");
  }
  if (number != SYS_futex) return std::nullopt;
  const std::uintptr_t word = std::strtoull(end, nullptr, 16);
  const auto begin = reinterpret_cast<std::uintptr_t>(own);
  if (word >= begin && word < begin + own_size) return std::nullopt;  // the harness's own wait
  return std::string(
      "a futex(2) wait, as std::mutex, pthread mutexes and std::condition_variable do");
}

}  // namespace interleave::detail
