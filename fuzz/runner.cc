#include "fuzz/runner.h"

#include <cstdio>
#include <cstdlib>

#include "fmt/format.h"
#include "fuzz/interleaving_coverage.h"
#include "fuzz/log_check.h"

namespace interleave::fuzz {
namespace {

bool g_abort_on_finding = true;

bool verbose() {
  static const bool on = [] {
    const char* v = std::getenv("INTERLEAVE_FUZZ_VERBOSE");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return on;
}

}  // namespace

void set_abort_on_finding(bool abort) { g_abort_on_finding = abort; }

std::string describe(const scenarios::Target& t) {
  const std::string sizes =
      t.mode == scenarios::Mode::kMixed
          ? fmt::format("{} processes x {} threads x {} ops", t.sizes.processes,
                        t.sizes.actors / t.sizes.processes, t.sizes.ops)
          : fmt::format("{} actors x {} ops", t.sizes.actors, t.sizes.ops);
  return fmt::format("{} on {} ({}, {})", t.scenario->name(), store::to_string(t.variant),
                     scenarios::to_string(t.mode), sizes);
}

std::optional<std::string> fuzz_log_one(std::span<const std::uint8_t> input) {
  std::optional<std::string> violation = check_log_input(input);
  if (violation) {
    std::fprintf(stderr, "log_fuzzer: property violated: %s\n", violation->c_str());
    if (g_abort_on_finding) std::abort();
  }
  return violation;
}

std::optional<FuzzRun> fuzz_schedule_one(std::span<const std::uint8_t> input,
                                         const FuzzConfig& config) {
  std::optional<FuzzRun> run = run_fuzz_input(input, config);
  if (!run) return std::nullopt;
  record_interleaving_coverage(run->result.trace);
  const std::string replay = "replay:  interleave replay --schedule " + run->token;
  if (!run->verdict.passed()) {
    // One report, printed in one place, ending with the line that reproduces it.
    std::fprintf(stderr, "schedule_fuzzer: BUG %s: %s\n%s\n%s\n",
                 std::string(run->verdict.name()).c_str(), describe(run->target).c_str(),
                 run->verdict.message.c_str(), replay.c_str());
    if (g_abort_on_finding) std::abort();
  } else if (verbose()) {
    std::fprintf(stderr, "schedule_fuzzer: pass: %s\n%s\n", describe(run->target).c_str(),
                 replay.c_str());
  }
  return run;
}

std::optional<FuzzRun> fuzz_schedule_one(std::span<const std::uint8_t> input) {
  return fuzz_schedule_one(input, env_fuzz_config());
}

}  // namespace interleave::fuzz
