// The schedule fuzzer's input format, and running one input as one controlled execution.
//
// An input is a sequence of bytes:
//
//   byte 0     the scenario: the (b % n)-th of the non-test-only scenarios, in registry order
//   byte 1     the store variant: all_variants()[b % 5] (ignored when the config pins one)
//   byte 2     the sizes: actors 2 + (b & 1), operations 1 + (b >> 1) % 3; in mixed mode 2
//   processes
//              x 2 threads (4 actors) and the same operations
//   byte 3...  the scheduling choices, one per decision with more than one runnable actor
//              (fuzz/bytes_strategy.h)
//
// An input shorter than 3 bytes does not decode. The mode is not in the input: it comes from the
// config (INTERLEAVE_FUZZ_MODE, default threads), as does a pinned store (INTERLEAVE_FUZZ_STORE),
// so one corpus serves every mode and store. The interpretation of a byte never changes with the
// config: a pinned store only ignores byte 1.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/backends/engine.h"
#include "harness/execution.h"
#include "harness/verdict.h"
#include "scenarios/program.h"

namespace interleave::fuzz {

inline constexpr std::size_t kScheduleHeaderBytes = 3;

struct FuzzConfig {
  scenarios::Mode mode = scenarios::Mode::kThreads;
  std::optional<store::Variant> store;  // pinned store, or nullopt: the input's byte 1 chooses
};

// The config from INTERLEAVE_FUZZ_MODE (threads|processes|mixed) and INTERLEAVE_FUZZ_STORE (a
// variant name). Returns nullopt and sets `*error` to a one-line reason for an unknown name.
std::optional<FuzzConfig> fuzz_config_from_env(std::string* error);

// fuzz_config_from_env(), read once per process. An invalid environment prints the reason on
// stderr and exits with status 2 (no input could be run as asked): call it once at start-up
// (LLVMFuzzerInitialize) so that this happens before any input runs.
const FuzzConfig& env_fuzz_config();

// Decodes `input` under `config`. Returns false (and leaves the outputs) when it is too short;
// otherwise sets the target (whose sizes check_target() accepts) and the decision bytes.
bool decode_fuzz_input(std::span<const std::uint8_t> input, const FuzzConfig& config,
                       scenarios::Target* target, std::vector<std::uint8_t>* decision_bytes);
// The same, under env_fuzz_config().
bool decode_fuzz_input(std::span<const std::uint8_t> input, scenarios::Target* target,
                       std::vector<std::uint8_t>* decision_bytes);

// One input, run and judged.
struct FuzzRun {
  scenarios::Target target;
  ExecutionResult result;
  Verdict verdict;    // verdict_of_outcome(), or the program's judge for a completed execution
  std::string token;  // the schedule token that replays this execution: `interleave replay
                      // --schedule <token>` reproduces the verdict and the trace
};

// Runs `input` once under `config` on an engine kept for the target's topology (created on first
// use, reused by every later call, so actor threads and worker processes persist across inputs).
// Returns nullopt when the input does not decode. Not thread-safe: call from one thread.
// After an in-process hang the engine is abandoned (its stuck thread leaked) and the next call
// for that topology makes a new one.
std::optional<FuzzRun> run_fuzz_input(std::span<const std::uint8_t> input,
                                      const FuzzConfig& config);

// Runs one execution on every engine `config` can use (one per topology), so that their actor
// threads and worker processes exist from now on. Call it from LLVMFuzzerInitialize, before
// libFuzzer starts threads of its own: a fork while another thread holds a lock inside the
// sanitizer runtime (clang 14's ASan takes none of its locks around fork) leaves the child to
// deadlock on it, which shows as a hang of the first execution in processes and mixed mode.
void warm_up_engines(const FuzzConfig& config);

// Runs `input` once under env_fuzz_config() and returns the token of that execution (bug
// or not), or nullopt when it does not decode. For `interleave replay --fuzz-input FILE`.
std::optional<std::string> replay_token_for_input(std::span<const std::uint8_t> input);

// The non-test-only scenarios, in registry order: what byte 0 indexes.
std::span<const scenarios::Scenario* const> fuzzable_scenarios();

}  // namespace interleave::fuzz
