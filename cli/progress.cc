#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "fmt/format.h"

namespace interleave::cli {

ProgressLine::ProgressLine(bool wanted) : enabled_(wanted && ::isatty(STDERR_FILENO) == 1) {}

void ProgressLine::update(const RunStats& stats) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(500)) return;
  last_ = now;
  drawn_ = true;
  const std::string line =
      fmt::format("\r{} executions, {:.0f}/s, {:.1f} s, {} bugs\033[K", stats.executions,
                  stats.executions_per_second(), stats.elapsed_s, stats.bugs);
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace interleave::cli
