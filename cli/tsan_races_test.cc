// Built in the ThreadSanitizer preset only. In race mode (INTERLEAVE_TSAN_RACES=1) the baton
// orders nothing for TSan, so it reports the real data races of the store under test: some on
// `unlocked`, none on `mutex`, whose Mutex orders every access.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"

namespace {

std::string explore_in_race_mode(const std::string& store) {
  const std::string err =
      ::testing::TempDir() + "/tsan_races_" + std::to_string(::getpid()) + ".err";
  const std::string command =
      "INTERLEAVE_TSAN_RACES=1 TSAN_OPTIONS='halt_on_error=0 exitcode=0' setarch \"$(uname -m)\" "
      "-R " +
      std::string(INTERLEAVE_BINARY) + " explore --scenario lost-update --mode threads --store " +
      store + " --executions 40 --no-shrink >/dev/null 2>" + err;
  std::system(command.c_str());
  std::ifstream in(err);
  std::stringstream text;
  text << in.rdbuf();
  std::remove(err.c_str());
  return text.str();
}

TEST(TsanRaces, UnlockedStoreRacesAreReportedInStoreCode) {
  const std::string report = explore_in_race_mode("unlocked");
  EXPECT_NE(report.find("WARNING: ThreadSanitizer: data race"), std::string::npos) << report;
  EXPECT_NE(report.find("store/log_store.cc"), std::string::npos) << report;
}

TEST(TsanRaces, MutexStoreReportsNoRace) {
  const std::string report = explore_in_race_mode("mutex");
  EXPECT_EQ(report.find("ThreadSanitizer"), std::string::npos) << report;
}

}  // namespace
