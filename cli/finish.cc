#include "cli/finish.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/outputs.h"
#include "fmt/format.h"
#include "harness/printable.h"

namespace interleave::cli {
namespace {

// Writes the files a run asked for. One that cannot be written is reported on stderr and makes the
// exit code kExitEnvironment unless the run found a bug; the report is printed all the same.
int write_outputs(const RunInfo& info, const ExploreReport& report, const OutputFiles& files,
                  int code) {
  const auto write = [&](const std::string& path, const std::string& text) {
    try {
      write_file(path, text);
    } catch (const std::exception& e) {
      std::cerr << "interleave: error: " << e.what() << " (the report is complete)\n";
      if (code == kExitPass) code = kExitEnvironment;
    }
  };
  if (files.trace_out) {
    if (report.failure) {
      write(
          *files.trace_out,
          chrome_trace(info, report).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) +
              "\n");
    } else {
      std::cerr << "interleave: no failing execution, so no timeline written to "
                << *files.trace_out << "\n";
    }
  }
  if (files.junit) {
    JunitCase c{info.subject.junit_class, info.subject.junit_name, report.stats.elapsed_s};
    if (report.failure) {
      c.failed = true;
      c.failure_type = report.verdict.name();
      c.failure_message = report.verdict.message.substr(0, report.verdict.message.find('\n'));
      c.failure_text = replay_line(info, report) + "\n\n" + report.verdict.message;
    }
    write(*files.junit, junit_xml({c}));
  }
  return code;
}

int exit_code(Result result) {
  switch (result) {
    case Result::kPass:
      return kExitPass;
    case Result::kBug:
      return kExitBug;
    case Result::kEnvironmentError:
      return kExitEnvironment;
    case Result::kInterrupted:
      return kExitInterrupted;
    case Result::kError:
    case Result::kNotControlled:
    case Result::kNothingRan:
      return kExitUsage;
  }
  return kExitUsage;
}

}  // namespace

int finish(const RunInfo& info, const ExploreReport& report, bool json, const OutputFiles& files,
           bool broken) {
  const Result result = result_of(info, report);
  int code = exit_code(result);
  if (report.environment_error) {
    std::cerr << "interleave: error of the environment: " << *report.environment_error
              << (report.failure ? "; the bug found before it is reported"
                                 : "; no verdict on the target")
              << "\n";
  }
  if (report.stopped) {
    std::cerr << (report.failure
                      ? std::string("interleave: interrupted; the bug found before the stop is "
                                    "reported\n")
                      : fmt::format("interleave: interrupted after {} executions\n",
                                    report.stats.executions));
  }
  for (const std::string& e : info.escapes) {
    std::cerr << "interleave: not controlled: " << printable(e, 400) << "\n";
  }
  if (!info.escapes.empty()) {
    std::cerr << (report.failure ? "interleave: part of the run escaped control, so the replay "
                                   "may not reproduce the trace exactly\n"
                                 : "interleave: error: part of the run escaped control, so no "
                                   "verdict is claimed\n");
  }
  if (result == Result::kNothingRan) {
    std::cerr << fmt::format("interleave: error: no execution ran{}, so there is no verdict\n",
                             report.timed_out ? " (the time limit ended the run first)" : "");
  }
  const bool judged = result == Result::kPass || result == Result::kBug;
  if (judged) code = write_outputs(info, report, files, code);
  if (json) {
    std::cout << to_json(info, report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  } else {
    std::cout << to_text(info, report);
  }
  if (report.error) std::cerr << error_line(report) << "\n";
  std::vector<std::string> replay_lines;  // printed on stderr if the report cannot be written
  if (const std::string line = replay_line(info, report); !line.empty()) {
    replay_lines.push_back(line);
  }
  if (broken) {
    const int flushed = flush_report(code, replay_lines);
    std::fflush(nullptr);
    std::_Exit(flushed);
  }
  return flush_report(code, replay_lines);
}

}  // namespace interleave::cli
