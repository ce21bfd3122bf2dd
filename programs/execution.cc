#include "programs/execution.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "fmt/format.h"
#include "harness/environment.h"
#include "harness/printable.h"
#include "programs/history.h"
#include "programs/leftovers.h"
#include "programs/shell.h"
#include "scenarios/linearizability.h"

namespace interleave::programs {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Below this many free bytes (or with no free inode), a file system counts as full: a command that
// failed on it failed for want of space, as far as the harness can tell.
constexpr unsigned long long kFullBelow = 64 * 1024;

bool file_system_full(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return false;
  return static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize < kFullBelow ||
         (fs.f_files > 0 && fs.f_favail == 0);
}

// The verdict, or the error, of a setup or check command that did not succeed.
[[noreturn]] void command_failed(const char* flag, const std::string& command, const ShellResult& r,
                                 const std::string& output, std::chrono::milliseconds timeout,
                                 const std::string& dir) {
  if (r.stopped) throw ExecutionStopped{};
  if (r.timed_out) {
    throw TestError(fmt::format(
        "{} '{}' did not end within {:.0f} s (--command-timeout): a command that does not end is "
        "an error of the test, not a verdict",
        flag, printable(command, 200), std::chrono::duration<double>(timeout).count()));
  }
  if (file_system_full(dir)) {
    throw EnvironmentError::described(
        fmt::format("{} '{}' failed ({}) and the file system of {} is full", flag,
                    printable(command, 200), describe_status(r.status), dir),
        ENOSPC);
  }
  throw TestError(fmt::format("{} '{}' {} ({}): {}", flag, printable(command, 200),
                              std::string_view(flag) == "--check" ? "could not run" : "failed",
                              describe_status(r.status), printable_lines(tail_of(output, 4))));
}

}  // namespace

std::string tail_of(const std::string& path, int lines) {
  std::string text = read_all(path);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t start = text.size();
  for (int n = 0; n < lines && start > 0; ++n) {
    const std::size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
  }
  if (start > 0) ++start;  // after the newline
  std::string tail = text.substr(start);
  if (tail.size() > 2000) tail = "..." + tail.substr(tail.size() - 2000);
  return tail;
}

Topology topology_of(const ProgramSpec& spec) {
  Topology t;
  for (const auto& argv : spec.workers) {
    t.groups.push_back({ActorKind::kProgram, spec.threads, argv});
  }
  return t;
}

ProgramExecution::ProgramExecution(const ProgramSpec& spec, std::shared_ptr<Escapes> escapes,
                                   ExecutionSettings settings)
    : spec_(spec),
      escapes_(std::move(escapes)),
      settings_(settings),
      run_dir_(dir_.path().string()),
      data_dir_(run_dir_ + "/data") {
  become_subreaper();
  if (::mkdir(data_dir_.c_str(), 0700) != 0) {
    throw EnvironmentError(fmt::format("cannot create {}", data_dir_), errno);
  }
  if (spec_.setup.empty()) return;
  const std::string out = run_dir_ + "/setup.out";
  const ShellResult r = run_shell(spec_.setup, data_dir_, out, command_environment(),
                                  settings_.command_timeout, settings_.stop);
  if (r.stopped || r.timed_out || r.status != 0) {
    end_leftovers(run_dir_);  // the destructor does not run for a constructor that throws
    command_failed("--setup", spec_.setup, r, out, settings_.command_timeout, run_dir_);
  }
}

ProgramExecution::~ProgramExecution() { end_leftovers(run_dir_); }

std::string ProgramExecution::file(const char* prefix, int actor) const {
  return fmt::format("{}/{}.{}", run_dir_, prefix, actor);
}

std::vector<std::string> ProgramExecution::command_environment() const {
  return {fmt::format("INTERLEAVE_WORKERS={}", spec_.workers.size()),
          fmt::format("INTERLEAVE_EXECUTION={}", run_dir_)};
}

std::vector<std::string> ProgramExecution::environment(int actor) const {
  const char* preload = std::getenv("LD_PRELOAD");
  const int w = topology().group_of(actor);  // the worker whose main thread `actor` is
  return {fmt::format("INTERLEAVE_WORKER={}", w),
          fmt::format("INTERLEAVE_SPURIOUS_WAKEUPS={}", spec_.spurious_wakeups ? 1 : 0),
          fmt::format("INTERLEAVE_WORKERS={}", spec_.workers.size()),
          fmt::format("INTERLEAVE_EXECUTION={}", run_dir_),
          fmt::format("INTERLEAVE_DATA_DIR={}", data_dir_),
          fmt::format("INTERLEAVE_NOTES={}", file("notes", w)),
          fmt::format("INTERLEAVE_HISTORY={}", file("history", w)),
          fmt::format("INTERLEAVE_SEED={}", spec_.seed),
          fmt::format("LD_PRELOAD={}{}{}", spec_.shim, preload && *preload ? ":" : "",
                      preload ? preload : ""),
          "PYTHONHASHSEED=0",
          "PYTHONDONTWRITEBYTECODE=1"};
}

std::string ProgramExecution::output_path(int actor) const {
  return file("output", topology().group_of(actor));
}

void ProgramExecution::collect_escapes() {
  for (int a = 0; a < static_cast<int>(spec_.workers.size()); ++a) {
    std::istringstream in(read_all(file("notes", a)));
    for (std::string line; std::getline(in, line);) {
      if (line.starts_with("escape: ")) {
        escapes_->add(fmt::format("worker {}: {}", a, printable(line.substr(8), 300)));
      }
    }
  }
}

Verdict ProgramExecution::judge(const ExecutionResult& result, std::span<const std::byte>) {
  collect_escapes();
  const int n = static_cast<int>(spec_.workers.size());
  if (!spec_.check.empty()) {
    const std::string out = run_dir_ + "/check.out";
    const ShellResult r = run_shell(spec_.check, data_dir_, out, command_environment(),
                                    settings_.command_timeout, settings_.stop);
    const bool could_not_run =
        WIFEXITED(r.status) && (WEXITSTATUS(r.status) == 126 || WEXITSTATUS(r.status) == 127);
    if (r.stopped || r.timed_out || could_not_run) {
      command_failed("--check", spec_.check, r, out, settings_.command_timeout, run_dir_);
    }
    if (r.status != 0) {
      if (file_system_full(run_dir_)) {
        command_failed("--check", spec_.check, r, out, settings_.command_timeout, run_dir_);
      }
      const std::string text = printable_lines(tail_of(out));
      // "lost-update: ..." names the bug kind; anything else is an assertion.
      BugKind kind = BugKind::kAssertion;
      const std::size_t colon = text.find(':');
      if (colon != std::string::npos) {
        if (auto named = parse_bug_kind(text.substr(0, colon))) kind = *named;
      }
      return Verdict::fail(kind,
                           fmt::format("--check '{}' failed ({}):\n{}", printable(spec_.check, 200),
                                       describe_status(r.status), text));
    }
  }
  scenarios::History history;
  bool any = false;
  for (int a = 0; a < n; ++a) {
    const std::string path = file("history", a);
    if (::access(path.c_str(), F_OK) != 0) continue;
    any = true;
    const int first_actor = topology().first_of(a);
    if (std::string error = parse_history(read_all(path), first_actor, &history); !error.empty()) {
      throw TestError(
          fmt::format("the history of worker {} ($INTERLEAVE_HISTORY) is malformed: {}", a, error));
    }
  }
  if (!any) return Verdict::pass();
  order_history(&history);
  const scenarios::LinearizabilityResult lin = scenarios::check_linearizable(history);
  if (lin.linearizable) return Verdict::pass();
  return Verdict::fail(
      lin.stale_read ? BugKind::kStaleRead : BugKind::kNotLinearizable,
      fmt::format("the history is not linearizable: {}\n{}", lin.message, lin.timeline));
}

Verdict ProgramExecution::judge_incomplete(const ExecutionResult& result, Verdict verdict) {
  collect_escapes();
  if (result.unattached != 0) {
    // A worker that never attached was not controlled at all: no verdict on this execution.
    escapes_->add(printable(result.message, 400));
    return Verdict::pass();
  }
  static const std::regex worker_re("worker ([0-9]+)");
  std::smatch m;
  if (std::regex_search(result.message, m, worker_re)) {
    const int w = std::stoi(m[1].str());
    if (w >= 0 && w < static_cast<int>(spec_.workers.size())) {
      const std::string tail = tail_of(file("output", w));
      if (!tail.empty()) {
        verdict.message += fmt::format("\nworker {}'s output ends:\n{}", w, printable_lines(tail));
      }
    }
  }
  return verdict;
}

}  // namespace interleave::programs
