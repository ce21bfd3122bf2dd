#include "programs/execution.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "fmt/format.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "programs/history.h"
#include "scenarios/linearizability.h"

namespace interleave::programs {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Runs `command` with /bin/sh in `dir`, its output into `output`; returns its wait status.
int run_shell(const std::string& command, const std::string& dir, const std::string& output,
              const std::vector<std::string>& env) {
  std::vector<std::string> env_strings = env;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) throw EnvironmentError("cannot fork a shell", errno);
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const int out = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) ::_exit(126);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execve("/bin/sh", const_cast<char**>(argv), envp.data());
    ::_exit(127);
  }
  register_child(pid);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  unregister_child(pid);
  return status;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return "ended";
}

// Removes a run directory and forgets it for the cleanup at exit.
void remove_run_dir(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  unregister_cleanup_dir(dir);
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

ProgramExecution::ProgramExecution(const ProgramSpec& spec, std::shared_ptr<Escapes> escapes)
    : spec_(spec), escapes_(std::move(escapes)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = fmt::format("{}/interleave-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (::mkdtemp(templ.data()) == nullptr) {
    throw EnvironmentError(fmt::format("cannot create a run directory like {}", templ), errno);
  }
  run_dir_ = templ;
  register_cleanup_dir(run_dir_);
  try {
    data_dir_ = run_dir_ + "/data";
    if (::mkdir(data_dir_.c_str(), 0700) != 0) {
      throw EnvironmentError(fmt::format("cannot create {}", data_dir_), errno);
    }
    if (!spec_.setup.empty()) {
      const std::string out = run_dir_ + "/setup.out";
      const int status = run_shell(spec_.setup, data_dir_, out,
                                   {fmt::format("INTERLEAVE_WORKERS={}", spec_.workers.size())});
      if (status != 0) {
        throw std::runtime_error(fmt::format("--setup '{}' failed ({}): {}", spec_.setup,
                                             describe(status), tail_of(out, 4)));
      }
    }
  } catch (...) {
    remove_run_dir(run_dir_);  // the destructor does not run for a constructor that throws
    throw;
  }
}

ProgramExecution::~ProgramExecution() { remove_run_dir(run_dir_); }

Topology topology_of(const ProgramSpec& spec) {
  Topology t;
  for (const auto& argv : spec.workers) t.groups.push_back({ActorKind::kProgram, 1, argv});
  return t;
}

std::string ProgramExecution::file(const char* prefix, int actor) const {
  return fmt::format("{}/{}.{}", run_dir_, prefix, actor);
}

std::vector<std::string> ProgramExecution::environment(int actor) const {
  const char* preload = std::getenv("LD_PRELOAD");
  return {fmt::format("INTERLEAVE_WORKER={}", actor),
          fmt::format("INTERLEAVE_WORKERS={}", spec_.workers.size()),
          fmt::format("INTERLEAVE_DATA_DIR={}", data_dir_),
          fmt::format("INTERLEAVE_NOTES={}", file("notes", actor)),
          fmt::format("INTERLEAVE_HISTORY={}", file("history", actor)),
          fmt::format("INTERLEAVE_SEED={}", spec_.seed),
          fmt::format("LD_PRELOAD={}{}{}", spec_.shim, preload && *preload ? ":" : "",
                      preload ? preload : ""),
          "PYTHONHASHSEED=0",
          "PYTHONDONTWRITEBYTECODE=1"};
}

std::string ProgramExecution::output_path(int actor) const { return file("output", actor); }

void ProgramExecution::collect_escapes() {
  for (int a = 0; a < static_cast<int>(spec_.workers.size()); ++a) {
    std::istringstream in(read_all(file("notes", a)));
    bool attached = false;
    for (std::string line; std::getline(in, line);) {
      if (line == "attached") attached = true;
      if (line.starts_with("escape: ")) {
        escapes_->add(fmt::format("worker {}: {}", a, line.substr(8)));
      }
    }
    if (!attached) {
      escapes_->add(fmt::format(
          "worker {} ({}) never attached to the scheduler: statically linked, or its loader "
          "ignored LD_PRELOAD, so none of its calls were controlled",
          a, spec_.workers[static_cast<std::size_t>(a)][0]));
    }
  }
}

Verdict ProgramExecution::judge(const ExecutionResult& result, std::span<const std::byte>) {
  collect_escapes();
  const int n = static_cast<int>(spec_.workers.size());
  if (!spec_.check.empty()) {
    const std::string out = run_dir_ + "/check.out";
    const int status =
        run_shell(spec_.check, data_dir_, out, {fmt::format("INTERLEAVE_WORKERS={}", n)});
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127)) {
      throw std::runtime_error(fmt::format("--check '{}' could not run ({}): {}", spec_.check,
                                           describe(status), tail_of(out, 3)));
    }
    if (status != 0) {
      std::string text = tail_of(out);
      // "lost-update: ..." names the bug kind; anything else is an assertion.
      BugKind kind = BugKind::kAssertion;
      const std::size_t colon = text.find(':');
      if (colon != std::string::npos) {
        if (auto named = parse_bug_kind(text.substr(0, colon))) kind = *named;
      }
      return Verdict::fail(
          kind, fmt::format("--check '{}' failed ({}):\n{}", spec_.check, describe(status), text));
    }
  }
  scenarios::History history;
  bool any = false;
  for (int a = 0; a < n; ++a) {
    const std::string path = file("history", a);
    if (::access(path.c_str(), F_OK) != 0) continue;
    any = true;
    if (std::string error = parse_history(read_all(path), a, &history); !error.empty()) {
      throw std::runtime_error(fmt::format("the history of worker {} ({}) is malformed: {}", a,
                                           "$INTERLEAVE_HISTORY", error));
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
  static const std::regex actor_re("actor ([0-9]+)");
  std::smatch m;
  if (std::regex_search(result.message, m, actor_re)) {
    const int a = std::stoi(m[1].str());
    if (a >= 0 && a < static_cast<int>(spec_.workers.size())) {
      const std::string tail = tail_of(output_path(a));
      if (!tail.empty()) {
        verdict.message += fmt::format("\nworker {}'s output ends:\n{}", a, tail);
      }
    }
  }
  return verdict;
}

}  // namespace interleave::programs
