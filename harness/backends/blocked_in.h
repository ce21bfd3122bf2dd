// What a thread is blocked in, when it is a lock the scheduler does not see: a store that takes a
// std::mutex (or a pthread mutex, a condition variable, a raw flock) instead of interleave::Mutex
// and interleave::FileLock stalls the baton there, and the hang it causes is named for it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>

namespace interleave::detail {

// Reads /proc/<tid>/syscall. Returns what the thread waits in, as a phrase ("a futex(2) wait, as
// std::mutex, pthread mutexes and std::condition_variable do"), when it is in a blocking lock
// call: futex(2) on an address outside [own, own + own_size) (the harness's own words), or
// flock(2). nullopt when it runs, waits in something else, or the file cannot be read.
std::optional<std::string> uncontrolled_lock_wait(pid_t tid, const void* own, std::size_t own_size);

}  // namespace interleave::detail
