// Helpers shared by the end-to-end tests of the `interleave` binary (INTERLEAVE_BINARY, a compile
// definition): run it, capture its exit code, standard output and standard error.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cli_test {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const { return nlohmann::json::parse(out); }
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the binary with `args` (words without shell metacharacters), optionally with an environment
// prefix such as "INTERLEAVE_PARAMS='seed=3'". `stdout_to`, when given, replaces the capture of
// standard output with a redirection such as ">/dev/full" or ">&-" (`out` is then empty).
inline CliRun interleave(const std::string& args, const std::string& env = "",
                         const std::string& stdout_to = "") {
  // Unique per test process and call: ctest runs tests of this binary in parallel.
  static int calls = 0;
  const std::string stem =
      ::testing::TempDir() + "/cli_" + std::to_string(::getpid()) + "_" + std::to_string(++calls);
  const std::string out = stem + ".out";
  const std::string err = stem + ".err";
  const std::string command = env + " " + INTERLEAVE_BINARY + " " + args + " " +
                              (stdout_to.empty() ? ">" + out : stdout_to) + " 2>" + err;
  const int status = std::system(command.c_str());
  CliRun run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = slurp(out);
  run.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return run;
}

// `args` exit 2 with nothing on stdout and one line on stderr that contains `needle`.
inline void expect_usage_error(const std::string& args, const std::string& needle) {
  const CliRun r = interleave(args);
  EXPECT_EQ(r.code, 2) << args;
  EXPECT_TRUE(r.out.empty()) << args << ": " << r.out;
  ASSERT_FALSE(r.err.empty()) << args;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "one line: " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

}  // namespace cli_test
