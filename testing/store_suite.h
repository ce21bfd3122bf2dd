// Testing a store of one's own with interleave, from GoogleTest: one test per scenario x mode.
//
//   interleave::testing::StoreUnderTest my_store() {
//     return {.name = "my-kv",
//             .open = [](const std::filesystem::path& dir) { return my_kv::open(dir); },
//             .modes = {interleave::scenarios::Mode::kThreads}};
//   }
//   INTERLEAVE_STORE_SUITE(MyKv, my_store);
//
// A test explores its scenario with the store's `params` (scenarios/catalog.h: every explore
// option, named as INTERLEAVE_PARAMS names them), and INTERLEAVE_PARAMS on top: without a strategy,
// random search and then PCT, `executions` each. It fails with the bug, where it was found (the
// strategy, the seed, the execution, the preemptions before and after shrinking), the interleaving
// and the replay lines; a passing test prints one line per strategy: executions run, "exhausted"
// for DFS and DPOR, PCT's bound. Where the store declares a bug expected (`expected_bugs`), the
// test fails unless that bug is found.
//
// Replay: INTERLEAVE_REPLAY=<token> runs that schedule in the test it names (the others are
// skipped) and says how many of its decisions ran; a token that names no test that ran fails the
// run. With interleave::testing::main as the binary's main, the binary is also the whole
// `interleave` command line over the store (`<binary> replay --schedule <token>`, `<binary>
// explore --store my-kv ...`), and the reports print those lines too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "scenarios/catalog.h"
#include "scenarios/program.h"

namespace interleave::testing {

using StoreUnderTest = scenarios::StoreUnderTest;

// What one test of the suite found.
struct SuiteResult {
  enum class Kind { kPass, kFail, kSkip };
  Kind kind = Kind::kPass;
  // kPass: the summary lines; kFail: the report (ending in the replay lines); kSkip: why.
  std::string text;
};

// The scenarios `store`'s suite runs (Catalog::scenarios_of): the built-in ones when it has `open`,
// then its own.
std::vector<std::string> suite_scenarios(const StoreUnderTest& store);

// Explores (or, with INTERLEAVE_REPLAY, replays) `scenario` on `store` in `mode`.
SuiteResult check_store(const StoreUnderTest& store, std::string_view scenario,
                        scenarios::Mode mode);

// "lost_update_threads": a GoogleTest-safe name for one parameter.
std::string param_name(const std::tuple<std::string, scenarios::Mode>& param);

// A test binary's main that is also the `interleave` command line over `catalog`: with a command
// (list, explore, replay or matrix) as its first argument it runs that command (cli/cli.h;
// `<binary> explore --help` for its flags); otherwise it runs the GoogleTest tests. Link
// interleave::testing, not gtest_main.
int main(int argc, char** argv, const scenarios::Catalog& catalog);

namespace detail {
// Registers (once) the GoogleTest environment that fails the run when INTERLEAVE_REPLAY names no
// test that ran. Returns true.
bool install_replay_guard();
// Reports a suite result to GoogleTest (fail, skip, or print the summary).
void report(const SuiteResult& result);
// "replay:  INTERLEAVE_REPLAY=<token> <this binary> --gtest_filter=<the current test>\n".
std::string gtest_replay_line(const std::string& token);
// Tells the replay guard that INTERLEAVE_REPLAY's token named a test that ran.
void count_replay_match();
}  // namespace detail

}  // namespace interleave::testing

// Defines the parameterized suite `SuiteName` over suite_scenarios() x the store's modes.
// `make_store` is a function returning a StoreUnderTest.
#define INTERLEAVE_STORE_SUITE(SuiteName, make_store)                                             \
  class SuiteName                                                                                 \
      : public ::testing::TestWithParam<std::tuple<std::string, ::interleave::scenarios::Mode>> { \
  };                                                                                              \
  [[maybe_unused]] static const bool SuiteName##_replay_guard =                                   \
      ::interleave::testing::detail::install_replay_guard();                                      \
  TEST_P(SuiteName, SurvivesScenario) {                                                           \
    static const ::interleave::testing::StoreUnderTest store = make_store();                      \
    const ::interleave::testing::SuiteResult result = ::interleave::testing::check_store(         \
        store, std::get<0>(GetParam()), std::get<1>(GetParam()));                                 \
    if (result.kind == ::interleave::testing::SuiteResult::Kind::kFail) FAIL() << result.text;    \
    if (result.kind == ::interleave::testing::SuiteResult::Kind::kSkip)                           \
      GTEST_SKIP() << result.text;                                                                \
    ::interleave::testing::detail::report(result);                                                \
  }                                                                                               \
  INSTANTIATE_TEST_SUITE_P(                                                                       \
      Interleave, SuiteName,                                                                      \
      ::testing::Combine(                                                                         \
          ::testing::ValuesIn(::interleave::testing::suite_scenarios(make_store())),              \
          ::testing::ValuesIn(make_store().modes)),                                               \
      [](const auto& info) { return ::interleave::testing::param_name(info.param); })
