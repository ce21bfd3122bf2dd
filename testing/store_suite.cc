#include "testing/store_suite.h"

#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "cli/checks.h"
#include "cli/cli.h"
#include "cli/outputs.h"
#include "cli/parse.h"
#include "cli/report.h"
#include "fmt/format.h"
#include "harness/backends/engine.h"
#include "harness/environment.h"
#include "harness/explore/explore.h"
#include "harness/schedule.h"
#include "harness/strategies/dependence.h"

namespace interleave::testing {
namespace {

using Kind = SuiteResult::Kind;

// Tests whose name INTERLEAVE_REPLAY's token matched, in this process.
std::atomic<int> replays_matched{0};
// Set by testing::main: this binary is also the command line, so its replay lines work.
std::atomic<bool> binary_runs_commands{false};

std::string self_path() {
  char buffer[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string("<test binary>");
}

std::string current_test() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return info != nullptr ? fmt::format("{}.{}", info->test_suite_name(), info->name()) : "*";
}

SuiteResult fail(std::string text) { return {Kind::kFail, std::move(text)}; }

// The command the reports' replay lines name: this binary when it is the command line, else none.
std::string program() { return binary_runs_commands ? self_path() : std::string(); }

std::string gtest_replay_line(const std::string& token) { return detail::gtest_replay_line(token); }

bool has_flag(const std::vector<std::string>& args, std::string_view flag) {
  for (const std::string& a : args) {
    if (a == flag || (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=')) {
      return true;
    }
  }
  return false;
}

// The explore flags the store's description and INTERLEAVE_PARAMS give, in that order (the later
// win). Throws cli::UsageError.
std::vector<std::string> suite_params(const StoreUnderTest& store, std::string_view scenario) {
  std::vector<std::string> out =
      cli::explore_params_arguments(store.params, fmt::format("the params of {}", store.name));
  if (const auto it = store.scenario_params.find(scenario); it != store.scenario_params.end()) {
    const std::vector<std::string> more = cli::explore_params_arguments(
        it->second, fmt::format("the params of {} for {}", store.name, scenario));
    out.insert(out.end(), more.begin(), more.end());
  }
  if (const char* env = std::getenv("INTERLEAVE_PARAMS")) {
    const std::vector<std::string> more = cli::explore_params_arguments(env, "INTERLEAVE_PARAMS");
    out.insert(out.end(), more.begin(), more.end());
  }
  for (const char* unsupported : {"--json", "--junit"}) {
    if (has_flag(out, unsupported)) {
      throw cli::UsageError(fmt::format(
          "the suite reports through GoogleTest and takes no {} (use --gtest_output=xml:FILE)",
          unsupported + 2));
    }
  }
  return out;
}

// A found bug against the store's expectation for this test.
bool as_expected(const StoreUnderTest& store, std::string_view scenario, scenarios::Mode mode,
                 const Verdict& verdict) {
  for (const scenarios::ExpectedBug& e : store.expected_bugs) {
    if (e.matches(scenario, mode) && (!e.kind || verdict.bug == e.kind)) return true;
  }
  return false;
}

// Follows a token's decisions while they fit this build, then goes on without preemption: a
// build whose steps changed (a fix) still runs the schedule as far as it exists.
class FollowWhileItFits final : public Strategy {
 public:
  explicit FollowWhileItFits(std::vector<int> decisions) : decisions_(std::move(decisions)) {}
  bool begin_execution(const ExecutionStart&) override { return true; }
  int pick(const DecisionPoint& point) override {
    if (!diverged_at_ && followed_ < decisions_.size()) {
      const int wanted = decisions_[followed_];
      for (int a : point.runnable) {
        if (a == wanted) {
          ++followed_;
          return wanted;
        }
      }
      diverged_at_ = point.step;
    }
    return point.current_runnable ? point.current : point.runnable.front();
  }
  std::size_t followed() const { return followed_; }
  std::optional<std::uint32_t> diverged_at() const { return diverged_at_; }

 private:
  std::vector<int> decisions_;
  std::size_t followed_ = 0;
  std::optional<std::uint32_t> diverged_at_;
};

SuiteResult replay_in_test(const StoreUnderTest& store, const scenarios::Catalog& catalog,
                           std::string_view scenario, scenarios::Mode mode,
                           const std::string& token) {
  Schedule schedule;
  std::string error;
  if (!parse_token(token, &schedule, &error)) return fail("INTERLEAVE_REPLAY: " + error);
  if (schedule.scenario != scenario || schedule.store != store.name ||
      schedule.mode != scenarios::to_string(mode)) {
    return {Kind::kSkip, "INTERLEAVE_REPLAY names another test's schedule"};
  }
  replays_matched.fetch_add(1);
  cli::ReplayPlan plan;
  try {
    plan = cli::plan_replay(token, "threads", "disk", catalog);
  } catch (const cli::UsageError& e) {
    return fail(fmt::format("INTERLEAVE_REPLAY: {}", e.what()));
  }
  const std::size_t decisions = plan.schedule.decisions.size();
  Engine engine(plan.target.topology(), scenarios::scenario_instances(catalog));
  ExploreReport replayed =
      replay(scenarios::factory_for(plan.target), plan.schedule.decisions, engine);
  if (replayed.environment_error) {
    return fail("error of the environment, no verdict on the store: " +
                *replayed.environment_error);
  }
  std::string ran =
      fmt::format("replayed: all {} decisions of the token ran, {} steps\n", decisions,
                  replayed.failure ? replayed.failure->result.trace.size() : replayed.stats.steps);
  if (replayed.error) {
    // This build's steps differ from the token's (the code changed): run the schedule as far as
    // it fits, then on without preemption, and say how far it went.
    FollowWhileItFits follow(plan.schedule.decisions);
    const Judged judged = run_judged(scenarios::factory_for(plan.target), follow, 0, engine);
    ran = fmt::format(
        "replayed: the first {} of the token's {} decisions ran as recorded; at step {} this "
        "build took a step the token does not have (its code changed), and the execution went "
        "on without preemption ({} steps)\n",
        follow.followed(), decisions, follow.diverged_at().value_or(judged.result.trace.size()),
        judged.result.trace.size());
    replayed = ExploreReport{};
    replayed.verdict = judged.verdict;
    replayed.actors = plan.target.sizes.actors;
    replayed.stats.executions = 1;
    replayed.stats.steps = judged.result.trace.size();
    if (!judged.verdict.passed()) {
      Failure f;
      f.verdict = judged.verdict;
      f.result = judged.result;
      f.preemptions = f.original_preemptions = count_preemptions(judged.result.trace);
      f.original_steps = judged.result.trace.size();
      f.spans = judged.spans;
      replayed.failure = std::move(f);
    }
  }
  const cli::RunInfo info{.subject = cli::scenario_subject(plan.target, program()),
                          .command = "replay",
                          .strategy = "replay"};
  if (!replayed.failure) {
    if (store.expect(scenario, mode) == scenarios::Expect::kBug) {
      return fail(ran + "the bug expected here did not show: " + cli::to_text(info, replayed));
    }
    return {Kind::kPass, ran + cli::to_text(info, replayed)};
  }
  const std::string report = ran + cli::to_text(info, replayed) + gtest_replay_line(token);
  if (as_expected(store, scenario, mode, replayed.verdict)) return {Kind::kPass, report};
  return fail(report);
}

// How one explore run ended for the test.
enum class Ran { kClean, kFoundAsExpected, kFailed };

// One explore run with `args` (an explore command line); `text` gathers the pass lines, or is the
// failure's report.
Ran explore_once(const StoreUnderTest& store, const scenarios::Catalog& catalog,
                 std::string_view scenario, scenarios::Mode mode, std::vector<std::string> args,
                 std::string* text) {
  const auto failed = [&](std::string why) {
    *text = std::move(why);
    return Ran::kFailed;
  };
  const cli::ParsedCommand parsed =
      cli::parse_command_line(std::move(args), cli::CommandEnv{}, cli::Context{&catalog, ""});
  const auto* explore_args = std::get_if<cli::ExploreArgs>(&parsed);
  if (explore_args == nullptr) return failed("the suite's params asked for help");
  cli::ExploreArgs ea = *explore_args;
  const cli::ExplorePlan plan = cli::plan_explore(ea);
  if (!ea.executions && !plan.strategy->systematic) ea.executions = store.executions;
  const cli::ExplorePlan checked = cli::plan_explore(ea);
  const ExploreOptions options = cli::explore_options(checked, ea);
  if (ea.files.trace_out) cli::check_writable(*ea.files.trace_out);

  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<Engine*> running;
  for (int j = 0; j < ea.jobs; ++j) {
    engines.push_back(std::make_unique<Engine>(checked.target.topology(),
                                               scenarios::scenario_instances(catalog),
                                               EngineOptions{.limits = ea.limits}));
    engines.back()->start();
    running.push_back(engines.back().get());
  }
  const ExploreReport report = explore(scenarios::factory_for(checked.target), options, running);
  const cli::RunInfo info{.subject = cli::scenario_subject(checked.target, program()),
                          .strategy = ea.strategy,
                          .seed = ea.seed,
                          .depth = ea.depth.value_or(3)};
  if (report.failure) {
    std::string found =
        cli::to_text(info, report) + gtest_replay_line(cli::failure_token(info, report));
    if (ea.files.trace_out) {
      cli::write_file(*ea.files.trace_out, cli::chrome_trace(info, report).dump(1) + "\n");
    }
    if (as_expected(store, scenario, mode, report.verdict)) {
      *text += "found as expected: " + found;
      return Ran::kFoundAsExpected;
    }
    if (store.expect(scenario, mode) == scenarios::Expect::kBug) {
      found = "a bug was found, but not of the kind expected here:\n" + found;
    }
    return failed(std::move(found));
  }
  if (report.environment_error) {
    return failed("error of the environment, no verdict on the store: " +
                  *report.environment_error);
  }
  if (report.error) return failed(*report.error);
  if (report.stopped) return failed("interrupted");
  if (report.stats.executions == 0) return failed("no execution ran, so there is no verdict");
  *text += cli::to_text(info, report);
  return Ran::kClean;
}

class ReplayGuard final : public ::testing::Environment {
 public:
  void TearDown() override {
    const char* token = std::getenv("INTERLEAVE_REPLAY");
    if (token != nullptr && replays_matched.load() == 0) {
      ADD_FAILURE() << "INTERLEAVE_REPLAY=" << token
                    << " names no test that ran: check the token and --gtest_filter (the token "
                       "names the scenario, the store and the mode of its test)";
    }
  }
};

bool is_command(std::string_view arg) {
  return arg == "list" || arg == "explore" || arg == "replay" || arg == "matrix";
}

}  // namespace

std::vector<std::string> suite_scenarios(const StoreUnderTest& store) {
  scenarios::Catalog catalog;
  std::vector<std::string> out;
  try {
    catalog.add(store);
  } catch (const std::invalid_argument&) {
    // check_store() reports it; the suite still gets its tests.
    for (const auto& s : store.scenarios) out.emplace_back(s->name());
    return out.empty() ? std::vector<std::string>{"invalid-store"} : out;
  }
  for (const scenarios::Scenario* s : catalog.scenarios_of(catalog.stores().front())) {
    out.emplace_back(s->name());
  }
  return out;
}

std::string param_name(const std::tuple<std::string, scenarios::Mode>& param) {
  std::string name =
      fmt::format("{}_{}", std::get<0>(param), scenarios::to_string(std::get<1>(param)));
  for (char& c : name) c = (c == '-' || c == '.') ? '_' : c;
  return name;
}

SuiteResult check_store(const StoreUnderTest& store, std::string_view scenario,
                        scenarios::Mode mode) {
  scenarios::Catalog catalog;
  try {
    catalog.add(store);
  } catch (const std::invalid_argument& e) {
    return fail(e.what());
  }
  try {
    if (const char* token = std::getenv("INTERLEAVE_REPLAY")) {
      return replay_in_test(store, catalog, scenario, mode, token);
    }
    const std::vector<std::string> params = suite_params(store, scenario);
    std::vector<std::string> base = {"explore",
                                     "--scenario",
                                     std::string(scenario),
                                     "--store",
                                     store.name,
                                     "--mode",
                                     std::string(scenarios::to_string(mode))};
    const std::vector<std::string> strategies = has_flag(params, "--strategy")
                                                    ? std::vector<std::string>{""}
                                                    : std::vector<std::string>{"random", "pct"};
    std::string summary;
    for (const std::string& strategy : strategies) {
      std::vector<std::string> args = base;
      if (!strategy.empty()) args.push_back("--strategy=" + strategy);
      args.insert(args.end(), params.begin(), params.end());
      switch (explore_once(store, catalog, scenario, mode, std::move(args), &summary)) {
        case Ran::kFailed:
          return fail(std::move(summary));
        case Ran::kFoundAsExpected:
          return {Kind::kPass, std::move(summary)};
        case Ran::kClean:
          break;
      }
    }
    if (store.expect(scenario, mode) == scenarios::Expect::kBug) {
      return fail(fmt::format("a bug is expected in {} in {} mode, and none was found:\n{}",
                              scenario, scenarios::to_string(mode), summary));
    }
    return {Kind::kPass, summary};
  } catch (const cli::UsageError& e) {
    return fail(e.what());
  } catch (const EnvironmentError& e) {
    return fail(fmt::format("error of the environment, no verdict on the store: {}", e.what()));
  }
}

int main(int argc, char** argv, const scenarios::Catalog& catalog) {
  if (argc > 1 && argv[1] != nullptr && is_command(argv[1])) {
    return cli::main(argc, argv, catalog, self_path());
  }
  binary_runs_commands = true;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}

namespace detail {

bool install_replay_guard() {
  static const bool installed = [] {
    ::testing::AddGlobalTestEnvironment(new ReplayGuard);
    return true;
  }();
  return installed;
}

std::string gtest_replay_line(const std::string& token) {
  return fmt::format("replay:  INTERLEAVE_REPLAY={} {} --gtest_filter={}\n", token, self_path(),
                     current_test());
}

void count_replay_match() { replays_matched.fetch_add(1); }

void report(const SuiteResult& result) {
  if (!result.text.empty()) std::cout << result.text << std::flush;
}

}  // namespace detail
}  // namespace interleave::testing
