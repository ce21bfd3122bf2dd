#include "programs/token.h"

#include "fmt/format.h"
#include "harness/printable.h"

namespace interleave::programs {
namespace {

constexpr const char* kScenario = "run";
constexpr const char* kMode = "programs";

std::string store_field(const ProgramSpec& spec) { return fmt::format("p{:08x}", spec.hash()); }

}  // namespace

bool is_program_token(const Schedule& schedule) {
  return schedule.scenario == kScenario && schedule.mode == kMode;
}

std::string token_for(const ProgramSpec& spec, const std::vector<int>& decisions) {
  Schedule s;
  s.scenario = kScenario;
  s.store = store_field(spec);
  s.mode = kMode;
  s.sizes = {{'a', static_cast<std::uint32_t>(spec.workers.size())},
             {'t', static_cast<std::uint32_t>(spec.threads)}};
  s.decisions = decisions;
  return encode_token(s);
}

std::vector<int> decisions_from(std::string_view token, const ProgramSpec& spec) {
  Schedule s;
  std::string error;
  if (!parse_token(token, &s, &error)) throw ProgramError("--schedule: " + error);
  if (!is_program_token(s)) {
    throw ProgramError(
        fmt::format("--schedule: a token of `interleave explore` ({}); replay it "
                    "with interleave replay",
                    printable(s.scenario)));
  }
  if (s.size('a', 0) != spec.workers.size()) {
    throw ProgramError(fmt::format("--schedule: the token is for {} workers, not {}",
                                   s.size('a', 0), spec.workers.size()));
  }
  if (s.size('t', 1) != static_cast<std::uint32_t>(spec.threads)) {
    throw ProgramError(fmt::format("--schedule: the token is for {} threads per worker, not {}",
                                   s.size('t', 1), spec.threads));
  }
  if (s.store != store_field(spec)) {
    throw ProgramError(
        fmt::format("--schedule: the token is for another program ({}, this command "
                    "line is {}): give the same workers, --setup and --spurious-wakeups",
                    s.store, store_field(spec)));
  }
  return s.decisions;
}

}  // namespace interleave::programs
