// Testing your own store with interleave, from GoogleTest.
//
// Implement interleave::store::Store (store/store.h) for your store, mark its shared steps with
// yield points and use interleave::Mutex / interleave::FileLock (harness/seam.h), then:
//
//   interleave::testing::StoreUnderTest my_store() {
//     return {.name = "my-kv",
//             .open = [](const std::filesystem::path& dir) { return my_kv::open(dir); },
//             .modes = {interleave::scenarios::Mode::kThreads}};
//   }
//   INTERLEAVE_STORE_SUITE(MyKv, my_store);
//
// Each scenario x mode becomes one test. A test explores with random search and PCT and fails with
// the bug, the interleaving and a replay line: `INTERLEAVE_REPLAY=<token> <test binary>
// --gtest_filter=<test>` runs that exact schedule again (in the same test binary, which is the only
// program that knows your store).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "scenarios/program.h"

namespace interleave::testing {

struct StoreUnderTest {
  std::string name;             // names the store in tokens and reports; no ':' or space
  scenarios::StoreOpener open;  // opens (creating if missing) the store in a directory
  std::vector<scenarios::Mode> modes = {scenarios::Mode::kThreads};  // where it must be clean
  std::uint64_t executions = 500;  // per strategy (random, then PCT)
};

// The scenarios a store suite runs: every built-in one that is not test-only.
std::vector<std::string> suite_scenarios();

// Explores `scenario` on `store` in `mode`. Returns "" when no bug is found, else a report ending
// in the replay line. With INTERLEAVE_REPLAY set to a token of this scenario and mode it replays
// that schedule instead (and returns "" for other tests).
std::string check_store(const StoreUnderTest& store, std::string_view scenario,
                        scenarios::Mode mode);

// "lost_update_threads": a GoogleTest-safe name for one parameter.
std::string param_name(const std::tuple<std::string, scenarios::Mode>& param);

}  // namespace interleave::testing

// Defines the parameterized suite `SuiteName` over suite_scenarios() x the store's modes.
// `make_store` is a function returning a StoreUnderTest.
#define INTERLEAVE_STORE_SUITE(SuiteName, make_store)                                              \
  class SuiteName                                                                                  \
      : public ::testing::TestWithParam<std::tuple<std::string, ::interleave::scenarios::Mode>> {  \
  };                                                                                               \
  TEST_P(SuiteName, SurvivesScenario) {                                                            \
    static const ::interleave::testing::StoreUnderTest store = make_store();                       \
    const std::string failure = ::interleave::testing::check_store(store, std::get<0>(GetParam()), \
                                                                   std::get<1>(GetParam()));       \
    if (!failure.empty()) FAIL() << failure;                                                       \
  }                                                                                                \
  INSTANTIATE_TEST_SUITE_P(                                                                        \
      Interleave, SuiteName,                                                                       \
      ::testing::Combine(::testing::ValuesIn(::interleave::testing::suite_scenarios()),            \
                         ::testing::ValuesIn(make_store().modes)),                                 \
      [](const auto& info) { return ::interleave::testing::param_name(info.param); })
