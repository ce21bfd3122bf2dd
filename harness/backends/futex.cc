#include "harness/backends/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace interleave::detail {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

void futex_wait(std::uint32_t* word, std::uint32_t expected, const timespec* timeout) {
  syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, nullptr, 0);
}

void futex_wake(std::uint32_t* word, int count) {
  syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
}

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected, const timespec* timeout) {
  futex_wait(reinterpret_cast<std::uint32_t*>(word), expected, timeout);
}

void futex_wake(std::atomic<std::uint32_t>* word, int count) {
  futex_wake(reinterpret_cast<std::uint32_t*>(word), count);
}

}  // namespace interleave::detail
