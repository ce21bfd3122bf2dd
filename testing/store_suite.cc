#include "testing/store_suite.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "fmt/format.h"
#include "harness/engine.h"
#include "harness/explore.h"
#include "harness/schedule.h"
#include "harness/trace.h"
#include "scenarios/registry.h"

namespace interleave::testing {
namespace {

std::string self_path() {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string("<test binary>");
}

std::string current_test() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info != nullptr ? fmt::format("{}.{}", info->test_suite_name(), info->name()) : "*";
}

std::string report(const scenarios::Target& t, const Failure& f) {
  const std::string token = encode_token(scenarios::schedule_for(t, f.result.decisions()));
  return fmt::format(
      "{} on {} ({}): {}\n\n{}\nreplay:  INTERLEAVE_REPLAY={} {} --gtest_filter={}\n",
      t.scenario->name(), t.store(), scenarios::to_string(t.mode), f.verdict.name(),
      f.verdict.message + "\n\n" +
          render_swimlanes(f.result.trace, scenarios::topology_of(t.mode, t.sizes).actors()),
      token, self_path(), current_test());
}

}  // namespace

std::vector<std::string> suite_scenarios() {
  std::vector<std::string> out;
  for (const scenarios::Scenario* s : scenarios::all_scenarios()) {
    if (!s->test_only()) out.emplace_back(s->name());
  }
  return out;
}

std::string param_name(const std::tuple<std::string, scenarios::Mode>& param) {
  std::string name =
      fmt::format("{}_{}", std::get<0>(param), scenarios::to_string(std::get<1>(param)));
  for (char& c : name) c = c == '-' ? '_' : c;
  return name;
}

std::string check_store(const StoreUnderTest& store, std::string_view scenario,
                        scenarios::Mode mode) {
  scenarios::Target t;
  t.scenario = scenarios::find_scenario(scenario);
  if (t.scenario == nullptr) return fmt::format("unknown scenario '{}'", scenario);
  t.mode = mode;
  t.sizes = scenarios::default_sizes(mode);
  t.open = store.open;
  t.store_name = store.name;
  Engine engine(scenarios::topology_of(mode, t.sizes), scenarios::scenario_instances(store.open));
  if (const char* token = std::getenv("INTERLEAVE_REPLAY")) {
    Schedule schedule;
    std::string error;
    if (!parse_token(token, &schedule, &error)) return error;
    if (schedule.scenario != scenario || schedule.mode != scenarios::to_string(mode)) return {};
    const ExploreReport replayed = replay(scenarios::factory_for(t), schedule.decisions, engine);
    if (replayed.error) return *replayed.error;
    return replayed.failure ? report(t, *replayed.failure) : std::string();
  }
  for (const char* kind : {"random", "pct"}) {
    const ExploreReport found = explore(scenarios::factory_for(t),
                                        {.strategy = kind, .executions = store.executions}, engine);
    if (found.failure) return report(t, *found.failure);
  }
  return {};
}

}  // namespace interleave::testing
