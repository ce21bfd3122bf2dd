// Worker processes that die for reasons of the machine (killed from outside, as the OOM killer
// would) in every phase: between executions, while preparing, during an execution while it is not
// their turn. None of it is a verdict on the program: the worker is replaced and, where an
// execution was cut short, it is run again.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gtest/gtest.h"
#include "harness/environment.h"
#include "harness/seam.h"
#include "harness/strategies/replay.h"
#include "harness/testutil.h"

namespace interleave {
namespace {

using testing::Body;
using testing::instances_of;

// True once `pid` has exited (a zombie, or gone).
bool dead(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && line.size() > paren + 2 && line[paren + 2] == 'Z';
}

void kill_and_wait(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (!dead(pid)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ExecutionResult run_once(Engine& engine, std::vector<int> decisions = {}) {
  auto program = testing::program_of(engine.topology())();
  ReplayStrategy strategy(std::move(decisions), ReplayStrategy::Then::kSequential);
  strategy.begin(0, engine.topology().actors());
  return engine.run(*program, strategy);
}

Body two_steps() {
  return [](int, std::span<std::byte>) {
    yield_point("a");
    yield_point("b");
  };
}

TEST(WorkerDeath, AWorkerKilledBetweenExecutionsIsReplacedAndTheNextOneRuns) {
  Engine engine(testing::processes(2), instances_of(two_steps()));
  ASSERT_EQ(run_once(engine).outcome, Outcome::kCompleted);
  const std::vector<pid_t> before = engine.worker_pids();
  ASSERT_EQ(before.size(), 2u);
  kill_and_wait(before[1]);
  const ExecutionResult result = run_once(engine);
  EXPECT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  EXPECT_EQ(result.trace.size(), 6u);
  EXPECT_EQ(engine.workers_replaced(), 1u);
  EXPECT_NE(engine.worker_pids()[1], before[1]);
}

TEST(WorkerDeath, AWorkerThatDiesWhilePreparingIsReplacedAndTheExecutionRuns) {
  const std::filesystem::path marker =
      std::filesystem::temp_directory_path() / ("interleave-prepare-" + std::to_string(::getpid()));
  std::filesystem::remove(marker);
  const InstanceFactory dies_once = [marker](std::string_view, int process,
                                             std::span<std::byte> scratch) {
    if (process == 1 && !std::filesystem::exists(marker)) {
      std::ofstream(marker) << "died";
      ::raise(SIGKILL);
    }
    return std::unique_ptr<ProcessInstance>(
        std::make_unique<testing::FnInstance>(two_steps(), scratch));
  };
  Engine engine(testing::processes(2), dies_once);
  const ExecutionResult result = run_once(engine);
  EXPECT_EQ(result.outcome, Outcome::kCompleted) << result.message;
  EXPECT_EQ(engine.workers_replaced(), 1u);
  std::filesystem::remove(marker);
}

// Actor 1 records its pid and waits at a yield point; actor 0 kills it from outside: the execution
// is lost (no crash is blamed on either actor), and one that is lost every time is an error of the
// environment after three attempts.
TEST(WorkerDeath, AWorkerKilledDuringAnExecutionVoidsItAndRepeatedLossIsAnEnvironmentError) {
  const Body body = [](int actor, std::span<std::byte> scratch) {
    auto& pid = *reinterpret_cast<std::atomic<pid_t>*>(scratch.data() + 64);
    if (actor == 1) pid.store(::getpid());
    yield_point("ready");
    if (actor == 0) kill_and_wait(pid.load());
    yield_point("after");
  };
  Engine engine(testing::processes(2), instances_of(body));
  const ExecutionResult lost = run_once(engine, {1, 1, 0, 0});
  EXPECT_EQ(lost.outcome, Outcome::kLost) << lost.message;
  EXPECT_NE(lost.message.find("killed by SIGKILL"), std::string::npos) << lost.message;

  ReplayStrategy same({1, 1, 0, 0}, ReplayStrategy::Then::kSequential);
  try {
    run_judged(testing::program_of(engine.topology()), same, 0, engine);
    ADD_FAILURE() << "an execution lost every time must end in an EnvironmentError";
  } catch (const EnvironmentError& e) {
    EXPECT_NE(std::string(e.what()).find("killed from outside"), std::string::npos) << e.what();
  }
  EXPECT_GE(engine.workers_replaced(), 3u);
}

}  // namespace
}  // namespace interleave
