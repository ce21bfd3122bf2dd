// Where the binary's output goes when things go wrong: a report that cannot be written is an
// error of the environment (exit 3) that says so on stderr and keeps the replay line of a bug.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "cli/testutil.h"
#include "gtest/gtest.h"

namespace {

using cli_test::CliRun;
using cli_test::interleave;

constexpr int kExitEnvironment = 3;
const std::string kCannotWrite = "interleave: error: cannot write the report to standard output: ";
const std::string kReplay = "replay:  interleave replay --schedule ";

// The token of the "replay:  ..." line in `err`, or "".
std::string replay_token(const std::string& err) {
  const std::size_t at = err.find(kReplay);
  if (at == std::string::npos) return "";
  const std::size_t begin = at + kReplay.size();
  return err.substr(begin, err.find('\n', begin) - begin);
}

TEST(Streams, AReportOnAFullDeviceExitsWithTheEnvironmentCode) {
  for (const std::string args : {"list", "--help", "explore --help",
                                 "explore --scenario lost-update --store mutex "
                                 "--executions 3 --json"}) {
    const CliRun r = interleave(args, "", ">/dev/full");
    EXPECT_EQ(r.code, kExitEnvironment) << args;
    EXPECT_EQ(r.err, kCannotWrite + "No space left on device\n") << args;
  }
}

TEST(Streams, ABugWhoseReportCannotBeWrittenStillPrintsItsReplayLine) {
  const CliRun r = interleave("explore --scenario lost-update --store unlocked", "", ">/dev/full");
  EXPECT_EQ(r.code, kExitEnvironment);
  EXPECT_EQ(r.err.rfind(kCannotWrite + "No space left on device\n", 0), 0u) << r.err;
  const std::string token = replay_token(r.err);
  ASSERT_EQ(token.rfind("I1:lost-update:unlocked:threads:", 0), 0u) << r.err;
  EXPECT_EQ(interleave("replay --schedule " + token).code, 1) << "the printed line reproduces it";
  // A threads-mode hang ends the process at once (an actor is stuck); the check still runs.
  const CliRun hang = interleave("explore --scenario hang-spin --store safe --hang-timeout-ms 200",
                                 "", ">/dev/full");
  EXPECT_EQ(hang.code, kExitEnvironment);
  EXPECT_EQ(replay_token(hang.err).rfind("I1:hang-spin:safe:threads:", 0), 0u) << hang.err;
}

TEST(Streams, AClosedStandardOutputIsAnEnvironmentError) {
  const CliRun list = interleave("list", "", ">&-");
  EXPECT_EQ(list.code, kExitEnvironment);
  EXPECT_EQ(list.err, kCannotWrite + "Bad file descriptor\n");
  const CliRun workers =
      interleave("explore --scenario lost-update --store mutex --mode processes --json", "", ">&-");
  EXPECT_EQ(workers.code, kExitEnvironment);
  EXPECT_EQ(workers.err.rfind(kCannotWrite + "Bad file descriptor\n", 0), 0u) << workers.err;
  EXPECT_EQ(replay_token(workers.err).rfind("I1:lost-update:mutex:processes:", 0), 0u);
}

TEST(Streams, AMatrixThatCannotBeWrittenKeepsTheReplayLineOfEveryBugCell) {
  const CliRun r = interleave("matrix --executions 20", "", ">/dev/full");
  EXPECT_EQ(r.code, kExitEnvironment);
  EXPECT_EQ(r.err.rfind(kCannotWrite + "No space left on device\n", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(kReplay + "I1:lost-update:mutex:processes:"), std::string::npos) << r.err;
}

// The reader of standard output is gone before anything is written. SIGPIPE is ignored, as a
// harness that handles it would: the write fails with EPIPE.
TEST(Streams, APipeWithoutAReaderIsAnEnvironmentError) {
  int out[2];
  int err[2];
  ASSERT_EQ(::pipe(out), 0);
  ASSERT_EQ(::pipe(err), 0);
  ::close(out[0]);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_IGN);
    ::dup2(out[1], STDOUT_FILENO);
    ::dup2(err[1], STDERR_FILENO);
    ::close(err[0]);
    ::execl(INTERLEAVE_BINARY, INTERLEAVE_BINARY, "list", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  std::string stderr_text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(err[0], buffer, sizeof buffer)) > 0;) stderr_text.append(buffer, n);
  ::close(err[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), kExitEnvironment);
  EXPECT_EQ(stderr_text, kCannotWrite + "Broken pipe\n");
}

}  // namespace
