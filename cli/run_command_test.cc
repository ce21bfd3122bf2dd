// `interleave run`'s command line: what it refuses before anything runs.
#include "cli/run_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "gtest/gtest.h"
#include "harness/schedule.h"

namespace interleave::cli {
namespace {

TEST(RunCommand, ATokenForAnotherProgramOrAnotherWorkerCountIsRefusedBeforeAnythingRuns) {
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  Schedule other{"run", "p00000000", "programs", {{'a', 2}}, {0, 1}};
  const std::string token = encode_token(other);
  EXPECT_THROW(run_programs({"--workers", "2", "--schedule", token, "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
  EXPECT_THROW(run_programs({"--workers", "3", "--schedule", token, "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
  Schedule explore_token{"lost-update", "unlocked", "threads", {{'a', 2}}, {0, 1}};
  EXPECT_THROW(run_programs({"--schedule", encode_token(explore_token), "--", INTERLEAVE_RUN_WORKER,
                             "busy-wait"}),
               UsageError);
}

TEST(RunCommand, BadInputIsAUsageError) {
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  EXPECT_THROW(run_programs({}), UsageError);                              // no program
  EXPECT_THROW(run_programs({"--", "/nonexistent/program"}), UsageError);  // not found
  EXPECT_THROW(run_programs({"--workers", "0", "--", INTERLEAVE_RUN_WORKER}), UsageError);
  EXPECT_THROW(run_programs({"--strategy", "bogus", "--", INTERLEAVE_RUN_WORKER}), UsageError);
  EXPECT_THROW(run_programs({"--workers", "2", "--worker-cmd", INTERLEAVE_RUN_WORKER}),
               UsageError);  // two workers, one command
  // Numbers take the strict parsers of every other command.
  for (const char* bad :
       {"--seed=-1", "--seed=123456789012345678901234", "--time-limit=nan", "--executions=0",
        "--depth=17", "--jobs=65", "--shard=2/2", "--preemption-bound=1"}) {
    EXPECT_THROW(run_programs({bad, "--", INTERLEAVE_RUN_WORKER}), UsageError) << bad;
  }
  // An output that cannot be written is found before anything runs, not after.
  EXPECT_ANY_THROW(
      run_programs({"--trace-out", "/nonexistent/dir/t.json", "--", INTERLEAVE_RUN_WORKER}));
}

// The message of the UsageError `args` throw, or "" when they throw none.
std::string refusal(const std::vector<std::string>& args) {
  try {
    (void)parse_run_args(args);
    (void)resolve_spec(parse_run_args(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return {};
}

TEST(RunCommand, AProgramThatCannotBeExecutedIsAUsageErrorSayingWhy) {
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  char dir[] = "/tmp/interleave-run-command-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string text = std::string(dir) + "/text";
  const std::string script = std::string(dir) + "/script";
  {
    std::ofstream(text) << "not a program\n";
    std::ofstream(script) << "#!/nonexistent/interpreter\n";
  }
  ::chmod(text.c_str(), 0755);
  ::chmod(script.c_str(), 0755);
  const std::pair<std::string, std::string> cases[] = {
      {dir, "it is a directory"},
      {"", "an empty name"},
      {text, "neither an ELF program nor a #! script"},
      {script, "its interpreter /nonexistent/interpreter cannot be executed"},
      {"/nonexistent/program", "not found"},
  };
  for (const auto& [program, why] : cases) {
    const std::string message = refusal({"--", program});
    EXPECT_NE(message.find(why), std::string::npos) << program << ": " << message;
  }
  ::unlink(text.c_str());
  ::unlink(script.c_str());
  ::rmdir(dir);
}

TEST(RunCommand, AShimThatIsMissingOrIsNotTheShimIsAUsageError) {
  ::unsetenv("INTERLEAVE_SHIM");
  EXPECT_NE(refusal({"--shim", "/nonexistent/shim.so", "--", INTERLEAVE_RUN_WORKER})
                .find("--shim /nonexistent/shim.so: No such file"),
            std::string::npos);
  EXPECT_NE(refusal({"--shim", INTERLEAVE_RUN_WORKER, "--", INTERLEAVE_RUN_WORKER})
                .find("is not interleave's shim"),
            std::string::npos);
  ::setenv("INTERLEAVE_SHIM", "/bin/true", 1);
  EXPECT_NE(refusal({"--", INTERLEAVE_RUN_WORKER}).find("INTERLEAVE_SHIM /bin/true is not"),
            std::string::npos);
  ::setenv("INTERLEAVE_SHIM", INTERLEAVE_SHIM, 1);
  EXPECT_EQ(refusal({"--", INTERLEAVE_RUN_WORKER}), "");
}

TEST(RunCommand, ExplorationFlagsWithAScheduleAreRefused) {
  const Schedule s{"run", "p00000000", "programs", {{'a', 2}}, {0, 1}};
  for (const char* flag : {"--strategy=pct", "--seed=3", "--executions=5", "--time-limit=1",
                           "--jobs=2", "--shard=0/2", "--no-shrink"}) {
    EXPECT_NE(refusal({flag, "--schedule", encode_token(s), "--", INTERLEAVE_RUN_WORKER})
                  .find("has no effect on a replay"),
              std::string::npos)
        << flag;
  }
}

}  // namespace
}  // namespace interleave::cli
