#include "fuzz/interleaving_coverage.h"

#include <bit>
#include <string_view>

namespace interleave::fuzz {
namespace {

// Two regions of one array: [0, kPairs) switch pairs, [kPairs, kCounters) depth.
constexpr std::size_t kPairs = 4096;
constexpr std::size_t kDepth = 4096;
constexpr std::size_t kCounters = kPairs + kDepth;

// libFuzzer (clang 14, Linux) finds user counters through the linker-made symbols
// __start___libfuzzer_extra_counters / __stop___libfuzzer_extra_counters of this section, clears
// them before every input (word by word: keep the size a multiple of 8 and the array aligned) and
// reads them after it. `used` keeps the array although nothing reads it by name.
alignas(64)
    __attribute__((used, section("__libfuzzer_extra_counters"))) std::uint8_t g_counters[kCounters];

std::uint64_t fnv1a(std::string_view text, std::uint64_t h = 14695981039346656037ull) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
  return fnv1a(std::string_view(reinterpret_cast<const char*>(&b), sizeof b), a);
}

void bump(std::size_t index) {
  std::uint8_t& c = g_counters[index];
  if (c != 255) ++c;
}

}  // namespace

int switch_bucket(std::uint32_t switches) {
  if (switches < 4) return static_cast<int>(switches);
  // 4-7 -> 4, 8-15 -> 5, 16-31 -> 6, 32+ -> 7.
  const int log2 = std::bit_width(switches) - 1;
  return log2 + 2 > 7 ? 7 : log2 + 2;
}

void record_interleaving_coverage(const Trace& trace) {
  std::uint32_t switches = 0;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    const std::uint64_t label = fnv1a(trace[i].label);
    if (i > 0 && trace[i].actor != trace[i - 1].actor) {
      ++switches;
      bump(mix(previous, label) % kPairs);
    }
    bump(kPairs + mix(label, static_cast<std::uint64_t>(switch_bucket(switches))) % kDepth);
    previous = label;
  }
}

std::span<const std::uint8_t> interleaving_counters() { return {g_counters, kCounters}; }

}  // namespace interleave::fuzz
