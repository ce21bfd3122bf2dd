// Waiting on a shared 32-bit word: a short spin (when another CPU can make progress meanwhile),
// then futex sleep. Used by both sides of the control block.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>

namespace interleave::detail {

// Spins while the word is `value` for at most `spins` iterations; returns the word's value when it
// differs, or `value` when the spin ran out.
inline std::uint32_t spin_while(const std::atomic<std::uint32_t>& word, std::uint32_t value,
                                int spins) {
  for (int i = 0; i < spins; ++i) {
    const std::uint32_t now = word.load(std::memory_order_acquire);
    if (now != value) return now;
    if (i % 64 == 63) {
      sched_yield();  // let a waited-for thread on this CPU run (a loaded machine)
    } else {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  return value;
}

// The same on a plain word of the control block.
inline std::uint32_t spin_while(const std::uint32_t& word, std::uint32_t value, int spins) {
  for (int i = 0; i < spins; ++i) {
    const std::uint32_t now = __atomic_load_n(&word, __ATOMIC_ACQUIRE);
    if (now != value) return now;
    if (i % 64 == 63) {
      sched_yield();
    } else {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
  return value;
}

// How long to spin before sleeping: 0 on a machine (or CPU mask) with one CPU, where spinning only
// delays the thread being waited for. INTERLEAVE_SPINS overrides it (for benchmarks).
int default_spins();

}  // namespace interleave::detail
