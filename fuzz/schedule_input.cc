#include "fuzz/schedule_input.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>

#include "fmt/format.h"
#include "fuzz/bytes_strategy.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "scenarios/registry.h"

namespace interleave::fuzz {
namespace {

// Engines by topology. Each holds its actor threads or worker processes for the life of the
// process (a fuzzer runs millions of inputs; starting threads or forking per input would dominate).
// The cache is never destroyed: libFuzzer ends with exit() or a signal, and workers die with the
// harness anyway (PR_SET_PDEATHSIG); joining parked actor threads from a static destructor would
// only add an exit-time ordering hazard.
using TopologyKey = std::string;  // the groups' kinds and sizes

std::map<TopologyKey, std::unique_ptr<Engine>>& engines() {
  static auto* cache = new std::map<TopologyKey, std::unique_ptr<Engine>>();
  return *cache;
}

Engine& engine_for(const Topology& topology) {
  TopologyKey key = topology.event_loop ? "e" : "";
  for (const Topology::Group& g : topology.groups) {
    key += fmt::format("{}{},", to_string(g.kind), g.actors);
  }
  std::unique_ptr<Engine>& slot = engines()[key];
  if (slot != nullptr && !slot->usable()) {
    // An in-process hang left a thread in uncontrolled code: abandon the engine (its destructor
    // leaks what it cannot join) and start over.
    slot.reset();
  }
  if (slot == nullptr) {
    slot = std::make_unique<Engine>(topology, scenarios::scenario_instances(), EngineOptions{});
  }
  return *slot;
}

}  // namespace

const FuzzConfig& env_fuzz_config() {
  static const FuzzConfig config = [] {
    std::string error;
    std::optional<FuzzConfig> parsed = fuzz_config_from_env(&error);
    if (!parsed) {
      std::fprintf(stderr, "interleave fuzz: %s\n", error.c_str());
      std::exit(2);
    }
    return *parsed;
  }();
  return config;
}

std::span<const scenarios::Scenario* const> fuzzable_scenarios() {
  static const std::vector<const scenarios::Scenario*> list = [] {
    std::vector<const scenarios::Scenario*> out;
    for (const scenarios::Scenario* s : scenarios::all_scenarios()) {
      if (!s->test_only()) out.push_back(s);
    }
    return out;
  }();
  return list;
}

std::optional<FuzzConfig> fuzz_config_from_env(std::string* error) {
  FuzzConfig config;
  if (const char* mode = std::getenv("INTERLEAVE_FUZZ_MODE"); mode != nullptr && *mode != '\0') {
    const auto parsed = scenarios::parse_mode(mode);
    if (!parsed) {
      *error = fmt::format("INTERLEAVE_FUZZ_MODE='{}' is not threads, processes or mixed", mode);
      return std::nullopt;
    }
    config.mode = *parsed;
  }
  if (const char* name = std::getenv("INTERLEAVE_FUZZ_STORE"); name != nullptr && *name != '\0') {
    const auto parsed = store::parse_variant(name);
    if (!parsed) {
      *error = fmt::format("INTERLEAVE_FUZZ_STORE='{}' names no store variant", name);
      return std::nullopt;
    }
    config.store = *parsed;
  }
  return config;
}

bool decode_fuzz_input(std::span<const std::uint8_t> input, const FuzzConfig& config,
                       scenarios::Target* target, std::vector<std::uint8_t>* decision_bytes) {
  if (input.size() < kScheduleHeaderBytes) return false;
  const auto scenarios_list = fuzzable_scenarios();
  const auto variants = store::all_variants();
  scenarios::Target t;
  t.scenario = scenarios_list[input[0] % scenarios_list.size()];
  t.variant = config.store.value_or(variants[input[1] % variants.size()]);
  t.mode = config.mode;
  t.sizes.ops = 1 + (input[2] >> 1) % 3;
  if (t.mode == scenarios::Mode::kMixed) {
    t.sizes.actors = 4;
    t.sizes.processes = 2;
  } else {
    t.sizes.actors = 2 + (input[2] & 1);
    t.sizes.processes = 1;
  }
  // Invariant: every size chosen above is one every fuzzable scenario and mode accepts.
  if (auto bad = scenarios::check_target(t)) {
    std::fprintf(stderr, "interleave fuzz: decoded an unrunnable target: %s\n", bad->c_str());
    std::abort();
  }
  *target = t;
  decision_bytes->assign(input.begin() + kScheduleHeaderBytes, input.end());
  return true;
}

bool decode_fuzz_input(std::span<const std::uint8_t> input, scenarios::Target* target,
                       std::vector<std::uint8_t>* decision_bytes) {
  return decode_fuzz_input(input, env_fuzz_config(), target, decision_bytes);
}

std::optional<FuzzRun> run_fuzz_input(std::span<const std::uint8_t> input,
                                      const FuzzConfig& config) {
  FuzzRun run;
  std::vector<std::uint8_t> decision_bytes;
  if (!decode_fuzz_input(input, config, &run.target, &decision_bytes)) return std::nullopt;
  Engine& engine = engine_for(run.target.topology());
  std::unique_ptr<Program> program = scenarios::factory_for(run.target)();
  BytesStrategy strategy(decision_bytes);
  strategy.begin(0, program->topology().actors());
  run.result = engine.run(*program, strategy);
  run.verdict = verdict_of_outcome(run.result);
  if (run.result.outcome == Outcome::kCompleted) {
    run.verdict = program->judge(run.result, engine.scratch());
  }
  run.token = encode_token(scenarios::schedule_for(run.target, run.result.decisions()));
  return run;
}

void warm_up_engines(const FuzzConfig& config) {
  // Sizes byte 0 and 1: 2 and 3 actors (threads, processes), or the one mixed topology. No
  // decision bytes: the sequential execution, whatever its verdict.
  for (std::uint8_t sizes : {0, 1}) {
    const std::uint8_t input[kScheduleHeaderBytes] = {0, 0, sizes};
    (void)run_fuzz_input(input, config);
  }
}

std::optional<std::string> replay_token_for_input(std::span<const std::uint8_t> input) {
  std::optional<FuzzRun> run = run_fuzz_input(input, env_fuzz_config());
  if (!run) return std::nullopt;
  return run->token;
}

}  // namespace interleave::fuzz
