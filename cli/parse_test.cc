// The parse step in-process (cli/parse.h): what a command line means, and how it is rejected.
#include "cli/parse.h"

#include <string>
#include <vector>

#include "cli/checks.h"
#include "gtest/gtest.h"
#include "harness/printable.h"
#include "harness/schedule.h"

namespace interleave::cli {
namespace {

using Args = std::vector<std::string>;

const Args kExplore = {"explore", "--scenario", "lost-update", "--store", "mutex"};

Args with(Args base, const Args& more) {
  base.insert(base.end(), more.begin(), more.end());
  return base;
}

// The message parse_command_line() rejects `args` with, checked to be one printable line of
// bounded length; "" when it accepts them.
std::string rejection(const Args& args, const CommandEnv& env = {}) {
  try {
    parse_command_line(args, env);
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_LE(message.size(), kMaxUsageMessage) << message;
    for (char c : message) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f)
          << "byte " << int(static_cast<unsigned char>(c)) << " in " << message;
    }
    return message;
  }
  return "";
}

ExploreArgs explore_of(const Args& args, const CommandEnv& env = {}) {
  return std::get<ExploreArgs>(parse_command_line(args, env));
}

TEST(Parse, ANegativeOrOverlongSeedIsRejected) {
  EXPECT_EQ(rejection(with(kExplore, {"--seed", "-1"})),
            "--seed: '-1' is not a whole number from 0 to 2^64-1");
  EXPECT_EQ(rejection(with(kExplore, {"--seed", "12345678901234567890123"})),
            "--seed: '12345678901234567890123' is not a whole number from 0 to 2^64-1");
  EXPECT_EQ(explore_of(with(kExplore, {"--seed", "18446744073709551615"})).seed,
            18446744073709551615u);
}

TEST(Parse, ANanTimeLimitIsRejectedInReadableWords) {
  EXPECT_EQ(rejection(with(kExplore, {"--time-limit", "nan"})),
            "--time-limit: 'nan' is not a positive number of seconds");
  EXPECT_EQ(rejection(with(kExplore, {"--time-limit", "-1"})),
            "--time-limit: '-1' is not a positive number of seconds");
  EXPECT_EQ(explore_of(with(kExplore, {"--time-limit", "0.25"})).time_limit, 0.25);
}

TEST(Parse, EveryNumericFlagIsParsedStrictly) {
  const Args explore_flags = {"--seed",   "--executions", "--depth",     "--preemption-bound",
                              "--actors", "--ops",        "--processes", "--threads",
                              "--jobs",   "--time-limit", "--max-steps", "--hang-timeout-ms",
                              "--workers"};
  for (const std::string& flag : explore_flags) {
    const char* too_big = flag == "--time-limit" ? "1e400" : "99999999999999999999999";
    for (const char* bad : {"-1", "1x", "", too_big}) {
      const std::string message = rejection(with(kExplore, {flag + "=" + bad, "--strategy=dfs"}));
      EXPECT_EQ(message.rfind(flag + ": '" + bad + "' is not a ", 0), 0u)
          << flag << " " << bad << ": " << message;
    }
  }
  for (const std::string flag : {"--executions", "--seed", "--max-steps", "--hang-timeout-ms"}) {
    EXPECT_EQ(rejection({"matrix", flag, "-1"}).rfind(flag + ": '-1' is not a ", 0), 0u) << flag;
  }
  for (const std::string flag : {"--max-steps", "--hang-timeout-ms"}) {
    EXPECT_EQ(rejection({"replay", "--schedule", "x", flag, "1.5"}).rfind(flag + ": '1.5'", 0), 0u)
        << flag;
  }
}

TEST(Parse, AnEmptyParamsValueIsRejectedNotTakenAsZero) {
  const CommandEnv env{.params = "seed="};
  EXPECT_EQ(rejection(kExplore, env), "INTERLEAVE_PARAMS: 'seed' needs a value (seed=...)");
  EXPECT_EQ(rejection(kExplore, {.params = "seed"}),
            "INTERLEAVE_PARAMS: 'seed' needs a value (seed=...)");
}

TEST(Parse, ABadParamsValueIsRejectedEvenWhenAFlagOverridesIt) {
  EXPECT_EQ(rejection(with(kExplore, {"--seed", "3"}), {.params = "seed=-1"}),
            "--seed: '-1' is not a whole number from 0 to 2^64-1");
  EXPECT_EQ(explore_of(with(kExplore, {"--seed", "3"}), {.params = "seed=7"}).seed, 3u);
  EXPECT_EQ(explore_of(kExplore, {.params = "seed=7"}).seed, 7u);
}

TEST(Parse, FlagsThatTakeNoValueCanBeGivenThroughParams) {
  const ExploreArgs on = explore_of(kExplore, {.params = "json=1 no-shrink=true"});
  EXPECT_TRUE(on.json);
  EXPECT_FALSE(on.shrink);
  EXPECT_TRUE(explore_of(kExplore, {.params = "json"}).json);
  EXPECT_FALSE(explore_of(kExplore, {.params = "json=0"}).json);
  EXPECT_FALSE(explore_of(kExplore, {.params = "json=false"}).json);
  EXPECT_TRUE(explore_of(kExplore, {.params = "no-shrink=false"}).shrink);
  EXPECT_TRUE(std::get<MatrixArgs>(parse_command_line({"matrix"}, {.params = "json=true"})).json);
  EXPECT_EQ(rejection(kExplore, {.params = "json=yes"}),
            "INTERLEAVE_PARAMS: 'json' takes no value: give json, json=1, json=true, json=0 or "
            "json=false");
}

TEST(Parse, AnUnknownParamsNameIsAUsageErrorNamingIt) {
  EXPECT_EQ(rejection(kExplore, {.params = "seed=1 bogus=2"}),
            "INTERLEAVE_PARAMS: unknown flag 'bogus' for explore (items are name=value or name)");
  EXPECT_EQ(rejection({"matrix"}, {.params = "strategy=pct"}),
            "INTERLEAVE_PARAMS: unknown flag 'strategy' for matrix (items are name=value or name)");
  EXPECT_EQ(rejection({"matrix"}, {.params = "=3"}),
            "INTERLEAVE_PARAMS: unknown flag '' for matrix (items are name=value or name)");
}

TEST(Parse, ParamsAreEchoedPrintablyForExploreAndMatrixOnly) {
  EXPECT_EQ(params_echo(kExplore, {.params = "seed=7"}),
            "interleave: INTERLEAVE_PARAMS=\"seed=7\"");
  EXPECT_EQ(params_echo({"replay"}, {.params = "seed=7"}), std::nullopt);
  EXPECT_EQ(params_echo(kExplore, {.params = ""}), std::nullopt);
  EXPECT_EQ(params_echo({"matrix"}, {.params = "seed=\x1b[2J"}),
            "interleave: INTERLEAVE_PARAMS=\"seed=\\x1b[2J\"");
}

TEST(Parse, UnexpectedArgumentsAreReportedInTheOrderGiven) {
  EXPECT_EQ(rejection(with(kExplore, {"a", "b", "c"})), "unexpected arguments: 'a' 'b' 'c'");
  EXPECT_EQ(rejection(with(kExplore, {"--bogus", "1", "x", "y", "z"})),
            "unexpected arguments: '--bogus' '1' 'x' and 2 more");
  EXPECT_EQ(rejection({"list", "extra"}), "unexpected argument: 'extra'");
}

TEST(Parse, NoCommandIsTheUsageOnStandardErrorAndExit2) {
  const ParsedCommand parsed = parse_command_line({}, {});
  const auto* help = std::get_if<HelpRequest>(&parsed);
  ASSERT_NE(help, nullptr);
  EXPECT_EQ(help->code, kExitUsage);
  EXPECT_NE(help->text.find("Subcommands:"), std::string::npos) << help->text;
  EXPECT_NE(help->text.find("no command given"), std::string::npos) << help->text;
}

TEST(Parse, ControlAndEscapeBytesFromInputAreEscaped) {
  EXPECT_EQ(rejection({"explore", "--scenario", "a\x1b[31mb", "--store", "mutex"})
                .rfind("unknown scenario 'a\\x1b[31mb' (known: lost-update, ", 0),
            0u);
  EXPECT_EQ(rejection(with(kExplore, {"\x07\n"})), "unexpected argument: '\\x07\\x0a'");
  EXPECT_EQ(rejection({"frob\x9b"}),
            "unknown command 'frob\\x9b' (known: list, explore, replay, matrix, run)");
}

TEST(Parse, AHugeArgumentIsCappedAndItsLengthGiven) {
  const std::string huge(131'072, 'x');
  const std::string message = rejection({"explore", "--scenario", huge, "--store", "mutex"});
  EXPECT_NE(message.find("'" + std::string(kEchoLimit, 'x') + "... (131072 bytes)'"),
            std::string::npos)
      << message;
  EXPECT_LE(rejection(with(kExplore, {huge, huge, huge, huge})).size(), kMaxUsageMessage);
  EXPECT_LE(rejection(with(kExplore, {"--mode", huge})).size(), kMaxUsageMessage);
}

TEST(Parse, WorkersMeansProcessesModeWithThatManyActors) {
  const ExplorePlan plan = plan_explore(explore_of(with(kExplore, {"--workers", "3"})));
  EXPECT_EQ(plan.target.mode, scenarios::Mode::kProcesses);
  EXPECT_EQ(plan.target.sizes.actors, 3);
  const ExplorePlan also = plan_explore(
      explore_of(with(kExplore, {"--workers", "3", "--mode", "processes", "--ops", "1"})));
  EXPECT_EQ(also.target.sizes.actors, 3);
  EXPECT_EQ(also.target.sizes.ops, 1);
}

TEST(Parse, WorkersWithThreadsMeansMixedModeLikeProcessesWithThreads) {
  const ExplorePlan workers =
      plan_explore(explore_of(with(kExplore, {"--workers", "3", "--threads", "2"})));
  const ExplorePlan processes = plan_explore(
      explore_of(with(kExplore, {"--mode", "mixed", "--processes", "3", "--threads", "2"})));
  EXPECT_EQ(workers.target.mode, scenarios::Mode::kMixed);
  EXPECT_EQ(workers.target.sizes, processes.target.sizes);
  EXPECT_EQ(workers.target.sizes.actors, 6);
  EXPECT_EQ(workers.target.sizes.processes, 3);
  const ExplorePlan mixed =
      plan_explore(explore_of(with(kExplore, {"--workers", "3", "--mode", "mixed"})));
  EXPECT_EQ(mixed.target.sizes.processes, 3);
  EXPECT_EQ(mixed.target.sizes.actors, 6);  // 2 threads each by default
}

TEST(Parse, WorkersIsRejectedWithActorsWithProcessesOrInThreadsMode) {
  EXPECT_EQ(rejection(with(kExplore, {"--workers", "2", "--actors", "2"})),
            "--workers N is --mode processes --actors N: give one of --workers and --actors");
  EXPECT_EQ(rejection(with(kExplore, {"--workers", "2", "--processes", "2", "--threads", "2"})),
            "--workers P --threads T is --processes P --threads T: give one of --workers and "
            "--processes");
  EXPECT_EQ(rejection(with(kExplore, {"--workers", "2", "--mode", "threads"})),
            "--workers applies to --mode processes or mixed, not 'threads'");
  EXPECT_EQ(rejection(with(kExplore, {"--workers", "2", "--mode", "processes", "--threads", "2"})),
            "--threads applies to --mode mixed, not processes");
}

TEST(Parse, AShardThatGetsNoExecutionOfTheBudgetIsRejectedUpFront) {
  EXPECT_EQ(rejection(with(kExplore, {"--shard", "7/10", "--executions", "5"})),
            "shard 7/10 gets no execution of a budget of 5: shards deal executions by index mod "
            "10, so --executions must be above 7");
  EXPECT_EQ(rejection(with(kExplore, {"--shard", "7/10", "--executions", "8"})), "");
  EXPECT_EQ(
      rejection(with(kExplore, {"--shard", "7/10", "--executions", "5", "--strategy", "dfs"})), "")
      << "DFS deals subtrees, not execution indices";
  EXPECT_NE(
      rejection(with(kExplore, {"--executions", "5"}), {.shard_index = "7", .total_shards = "10"}),
      "");
  EXPECT_EQ(rejection(with(kExplore, {"--shard", "2/2"})),
            "shard 2/2: the index must be below the count");
  EXPECT_EQ(rejection(with(kExplore, {"--shard", "1/0"})),
            "--shard: '0' is not a whole number from 1 to 2^32-1");
  EXPECT_EQ(explore_of(kExplore, {.shard_index = "1", .total_shards = "2"}).shard.count, 2u);
  EXPECT_EQ(rejection(kExplore, {.shard_index = "-1"}),
            "GTEST_SHARD_INDEX: '-1' is not a whole number from 0 to 2^32-1");
}

TEST(Parse, HelpIsAnswerNotAnError) {
  const auto top = std::get<HelpRequest>(parse_command_line({"--help"}, {}));
  EXPECT_NE(top.text.find("Usage: interleave"), std::string::npos) << top.text;
  const auto explore = std::get<HelpRequest>(parse_command_line({"explore", "--help"}, {}));
  EXPECT_NE(explore.text.find("--workers"), std::string::npos) << explore.text;
  EXPECT_EQ(explore.text.back(), '\n');
}

TEST(Parse, AReplayTokenIsCheckedBeforeAnythingRuns) {
  EXPECT_EQ(rejection({"replay"}), "replay needs --schedule TOKEN or --fuzz-input FILE");
  EXPECT_EQ(rejection({"replay", "--schedule", "I2:x"}).rfind("malformed schedule token", 0), 0u);
  const Schedule unknown{"no\x1bpe", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0}};
  EXPECT_EQ(rejection({"replay", "--schedule", encode_token(unknown)})
                .rfind("the schedule names an unknown scenario 'no\\x1bpe' (known: ", 0),
            0u);
  const Schedule good{"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0}};
  EXPECT_EQ(
      std::get<ReplayArgs>(parse_command_line({"replay", "--schedule", encode_token(good)}, {}))
          .schedule,
      encode_token(good));
}

TEST(Printable, ControlBytesAreWrittenAsHexEscapes) {
  EXPECT_EQ(printable("a\x1b[0m\n\t\x7f\xff z"), "a\\x1b[0m\\x0a\\x09\\x7f\\xff z");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, LongTextIsCutWithItsLength) {
  EXPECT_EQ(printable(std::string(81, 'y')), std::string(80, 'y') + "... (81 bytes)");
  EXPECT_EQ(printable(std::string(80, 'y')), std::string(80, 'y'));
  EXPECT_EQ(printable(std::string(10, '\x01'), 8), "\\x01\\x01... (10 bytes)");
}

}  // namespace
}  // namespace interleave::cli
