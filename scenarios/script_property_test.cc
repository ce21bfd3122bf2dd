// RapidCheck over generated concurrent programs: the fixed store passes them all under random
// schedules; the unlocked store fails one, and RapidCheck shrinks it to a small program.
#include "gtest/gtest.h"
// gtest before rapidcheck/gtest.h
#include <map>

#include "fmt/format.h"
#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "rapidcheck.h"
#include "rapidcheck/gtest.h"
#include "scenarios/script.h"

namespace interleave::scenarios {
namespace {

constexpr int kSchedules = 12;  // random schedules (seeds 1..kSchedules) per generated program

rc::Gen<ScriptOp> gen_op() {
  return rc::gen::apply(
      [](OpKind kind, std::string key, int value) {
        ScriptOp op{kind, key, {}};
        if (kind == OpKind::kPut) op.value = fmt::format("v{}", value);
        if (kind == OpKind::kIncrement) op.value = std::to_string(value % 3 + 1);
        return op;
      },
      rc::gen::element(OpKind::kPut, OpKind::kGet, OpKind::kDel, OpKind::kIncrement),
      rc::gen::element<std::string>("a", "b"), rc::gen::inRange(0, 9));
}

// 1-4 operations.
rc::Gen<std::vector<ScriptOp>> gen_ops() {
  return rc::gen::mapcat(rc::gen::inRange(1, 5), [](int n) {
    return rc::gen::container<std::vector<ScriptOp>>(static_cast<std::size_t>(n), gen_op());
  });
}

// 2-3 actors, 1-4 operations each, keys "a" and "b".
rc::Gen<Script> gen_script() {
  return rc::gen::map(
      rc::gen::mapcat(rc::gen::inRange(2, 4),
                      [](int n) {
                        return rc::gen::container<std::vector<std::vector<ScriptOp>>>(
                            static_cast<std::size_t>(n), gen_ops());
                      }),
      [](std::vector<std::vector<ScriptOp>> actors) { return Script{std::move(actors)}; });
}

// Runs `script` under kSchedules random schedules; returns the first failing verdict.
Verdict run_script(const Script& script, store::Variant variant, Mode mode, Engine& engine) {
  const ProgramFactory factory = [&] {
    return std::make_unique<ScriptProgram>(script, variant, mode);
  };
  const ExploreReport report =
      explore(factory, {.executions = kSchedules, .shrink = false}, engine);
  return report.verdict;
}

// Engines per actor count, kept across cases (actor threads and workers are reused).
Engine& engine_for(Mode mode, int actors) {
  static std::map<std::pair<Mode, int>, std::unique_ptr<Engine>> engines;
  auto& engine = engines[{mode, actors}];
  if (!engine) {
    engine = std::make_unique<Engine>(topology_of(mode, Sizes{actors, 1, 1}), script_instances());
  }
  return *engine;
}

rc::detail::TestMetadata metadata() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata m;
  m.id = std::string(info->test_suite_name()) + "/" + info->name();
  m.description = info->name();
  return m;
}

// Runs `property` for at least `cases` cases (RapidCheck's default is 100).
void check_with_cases(const std::function<void()>& property, int cases) {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(params.maxSuccess, cases);
  const auto result = rc::detail::checkTestable(property, metadata(), params);
  rc::detail::printResultMessage(result, std::cerr);
  ASSERT_TRUE(result.template is<rc::detail::SuccessResult>());
}

TEST(ScriptProperties, SafeStorePassesEveryGeneratedProgramInThreadsMode) {
  check_with_cases(
      [] {
        const Script script = *gen_script();
        const Verdict verdict =
            run_script(script, store::Variant::kSafe, Mode::kThreads,
                       engine_for(Mode::kThreads, static_cast<int>(script.actors.size())));
        RC_ASSERT(verdict.passed());
      },
      200);
}

TEST(ScriptProperties, SafeStorePassesEveryGeneratedProgramInProcessesMode) {
  check_with_cases(
      [] {
        const Script script = *gen_script();
        const Verdict verdict =
            run_script(script, store::Variant::kSafe, Mode::kProcesses,
                       engine_for(Mode::kProcesses, static_cast<int>(script.actors.size())));
        RC_ASSERT(verdict.passed());
      },
      200);
}

TEST(ScriptProperties, UnlockedStoreFailsAProgramThatShrinksToTwoActorsOfAtMostTwoOperations) {
  // The last failing evaluation is the counterexample RapidCheck settles on after shrinking.
  std::optional<Script> last_failing;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = 200;
  const auto result = rc::detail::checkTestable(
      [&] {
        const Script script = *gen_script();
        const Verdict verdict =
            run_script(script, store::Variant::kUnlocked, Mode::kThreads,
                       engine_for(Mode::kThreads, static_cast<int>(script.actors.size())));
        if (!verdict.passed()) last_failing = script;
        RC_ASSERT(verdict.passed());
      },
      metadata(), params);
  ASSERT_TRUE(result.template is<rc::detail::FailureResult>()) << "no failing program was found";
  ASSERT_TRUE(last_failing.has_value());
  EXPECT_LE(last_failing->actors.size(), 2u) << last_failing->to_string();
  for (const auto& ops : last_failing->actors) {
    EXPECT_LE(ops.size(), 2u) << last_failing->to_string();
  }
  std::cerr << "shrunk counterexample: " << last_failing->to_string() << "\n";
}

TEST(Script, TextRoundTrips) {
  Script script;
  ASSERT_TRUE(Script::parse("put a v1; increment b 2 | get a; del b", &script));
  EXPECT_EQ(script.actors.size(), 2u);
  EXPECT_EQ(script.to_string(), "put a v1; increment b 2 | get a; del b");
}

}  // namespace
}  // namespace interleave::scenarios
