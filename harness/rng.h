// A small deterministic random number generator (SplitMix64) with a portable bounded draw.
//
// Standard library distributions differ between implementations, so every random choice the
// harness makes goes through this class: the same seed gives the same draws on every build.
#pragma once

#include <cstdint>

namespace interleave {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, bound). Requires bound > 0.
  std::uint64_t below(std::uint64_t bound) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    std::uint64_t x;
    do {
      x = next();
    } while (x >= limit);
    return x % bound;
  }

 private:
  std::uint64_t state_;
};

// The seed of execution `index` in a run with seed `run_seed`. Execution 0 uses the run seed
// itself, so `--seed <execution seed> --executions 1` re-runs exactly one reported execution.
inline std::uint64_t execution_seed(std::uint64_t run_seed, std::uint64_t index) {
  if (index == 0) return run_seed;
  return Rng(run_seed ^ (index * 0xD1B54A32D192ED03ULL)).next();
}

}  // namespace interleave
