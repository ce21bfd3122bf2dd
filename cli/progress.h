// A progress line on a terminal: executions, executions/s, elapsed time and bugs, redrawn in place
// on stderr at most twice a second. Silent when stderr is not a terminal or when disabled (--json).
#pragma once

#include <chrono>

#include "harness/explore/explore.h"

namespace interleave::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool wanted);
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(const RunStats& stats);
  // Erases the line (before the report is printed).
  void clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace interleave::cli
