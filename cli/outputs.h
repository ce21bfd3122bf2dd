// File outputs for tools: a Chrome trace-event timeline of an execution (opens in Perfetto and
// chrome://tracing) and JUnit XML for CI systems.
#pragma once

#include <string>
#include <vector>

#include "cli/report.h"
#include "harness/explore/explore.h"

namespace interleave::cli {

// The failing execution of `report` as trace-event JSON: one process track per worker process, one
// thread track per actor, a slice per operation (on the step axis: 1 step = 1 ms) and an instant
// per yield point with its label, object and access. Requires: report.failure.
nlohmann::json chrome_trace(const RunInfo& info, const ExploreReport& report);

// One JUnit test case: an explored configuration.
struct JunitCase {
  std::string classname;  // "interleave.lost-update"
  std::string name;       // "unlocked.threads"
  double seconds = 0;
  bool failed = false;
  std::string failure_type;     // the verdict
  std::string failure_message;  // the verdict's message
  std::string failure_text;     // the replay line and details
};

std::string junit_xml(const std::vector<JunitCase>& cases);

// The end of every command: flushes standard output (std::cout and stdio's stdout) and returns
// `code` when everything written to it arrived. Otherwise it prints on standard error
//
//   interleave: error: cannot write the report to standard output: <strerror>
//   replay:  <each of replay_lines>
//
// (so a bug found is never lost with the report) and returns kExitEnvironment.
int flush_report(int code, const std::vector<std::string>& replay_lines = {});

// Writes `text` to `path` (created or truncated). Throws EnvironmentError (a full disk, a read-only
// file system, no permission) or std::runtime_error naming the path and errno on failure.
void write_file(const std::string& path, const std::string& text);
// Checks that `path` can be created or written, before a run that will write it at its end; leaves
// an existing file as it is and removes one it created. Throws as write_file().
void check_writable(const std::string& path);

}  // namespace interleave::cli
