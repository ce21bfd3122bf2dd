// Thin wrappers over the Linux futex system call on a 32-bit atomic word.
//
// The word may live in private memory (threads) or in a MAP_SHARED mapping (processes); these use
// the shared (non-PRIVATE) futex operations so both work.
#pragma once

#include <atomic>
#include <cstdint>
#include <ctime>

namespace interleave::detail {

// Sleeps while `*word == expected`; returns on a wake, a signal, a spurious wake-up, or when the
// relative `timeout` (if not null) passes. Callers re-check their condition in a loop.
void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t expected,
                const timespec* timeout = nullptr);

// Wakes at most `count` sleepers on `word`.
void futex_wake(std::atomic<std::uint32_t>* word, int count = 1);

// The same on a plain 32-bit word of the control block (accessed with the __atomic builtins).
void futex_wait(std::uint32_t* word, std::uint32_t expected, const timespec* timeout = nullptr);
void futex_wake(std::uint32_t* word, int count = 1);

}  // namespace interleave::detail
