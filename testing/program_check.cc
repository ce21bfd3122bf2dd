#include "testing/program_check.h"

#include <cstdlib>

#include "cli/run_command.h"
#include "fmt/format.h"
#include "harness/schedule.h"
#include "programs/token.h"

namespace interleave::testing {
namespace {

using Kind = SuiteResult::Kind;

// run's arguments for `p`: its params, INTERLEAVE_PARAMS, then the program.
std::vector<std::string> run_arguments(const ProgramUnderTest& p) {
  std::vector<std::string> args = cli::run_params_arguments(p.params, "the program's params");
  if (const char* env = std::getenv("INTERLEAVE_PARAMS")) {
    const std::vector<std::string> more = cli::run_params_arguments(env, "INTERLEAVE_PARAMS");
    args.insert(args.end(), more.begin(), more.end());
  }
  for (const std::string& a : args) {
    for (const char* refused : {"--json", "--junit", "--trace-out", "--schedule", "--repeat"}) {
      if (a == refused || a.starts_with(std::string(refused) + "=")) {
        throw cli::UsageError(fmt::format(
            "a program's test reports through GoogleTest and takes no {} (INTERLEAVE_REPLAY "
            "replays a token)",
            refused + 2));
      }
    }
  }
  if (!p.setup.empty()) args.push_back("--setup=" + p.setup);
  if (!p.check.empty()) args.push_back("--check=" + p.check);
  if (!p.shim.empty() && std::getenv("INTERLEAVE_SHIM") == nullptr) {
    args.push_back("--shim=" + p.shim);
  }
  if (p.worker_commands.empty()) {
    args.push_back(fmt::format("--workers={}", p.workers));
    args.push_back("--");
    args.insert(args.end(), p.program.begin(), p.program.end());
  } else {
    for (const std::string& c : p.worker_commands) args.push_back("--worker-cmd=" + c);
  }
  return args;
}

// Whether INTERLEAVE_REPLAY's token is for the program `args` run (another test's token is skipped,
// not refused).
bool token_is_ours(const cli::RunArgs& args, const char* token) {
  Schedule s;
  std::string error;
  if (!parse_token(token, &s, &error) || !programs::is_program_token(s)) return false;
  try {
    (void)programs::decisions_from(token, cli::resolve_spec(args));
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

SuiteResult check_program(const ProgramUnderTest& p) {
  const char* replay = std::getenv("INTERLEAVE_REPLAY");
  try {
    cli::RunArgs args = cli::parse_run_args(run_arguments(p));
    args.progress = false;
    if (replay != nullptr) {
      if (!token_is_ours(args, replay)) {
        return {Kind::kSkip, "INTERLEAVE_REPLAY names another test's schedule"};
      }
      detail::count_replay_match();
      args.schedule = replay;
    }
    const cli::RunOutcome out = cli::run_program_target(args);
    const ExploreReport& report = out.run.report;
    std::string text = cli::to_text(out.info, report);
    if (report.failure) {
      return {Kind::kFail, text + detail::gtest_replay_line(cli::failure_token(out.info, report))};
    }
    if (report.error) return {Kind::kFail, text + "error: " + *report.error + "\n"};
    if (report.environment_error) {
      return {Kind::kFail,
              "error of the environment, no verdict on the program: " + *report.environment_error};
    }
    if (!out.info.escapes.empty()) {
      for (const std::string& e : out.info.escapes) text += "not controlled: " + e + "\n";
      return {Kind::kFail, text};
    }
    if (report.stats.executions == 0) return {Kind::kFail, "no execution ran, so no verdict\n"};
    return {Kind::kPass, text};
  } catch (const std::exception& e) {
    return {Kind::kFail, fmt::format("interleave: error: {}\n", e.what())};
  }
}

}  // namespace interleave::testing
