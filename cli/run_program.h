// `interleave run`: unmodified programs as worker processes, controlled at their file system calls
// by the preloaded shim (shim/shim.c). One RunProgram is one execution: a fresh data directory, the
// setup command run there uncontrolled, N workers exec'd with the shim, then the oracles: the
// workers' exit status, the --check command, and the history the workers wrote (linearizability).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "harness/program.h"
#include "scenarios/history.h"

namespace interleave::cli {

struct RunSpec {
  std::vector<std::vector<std::string>> workers;  // argv of each worker (argv[0] an absolute path)
  std::string setup;                              // a shell command, or ""
  std::string check;                              // a shell command, or ""
  std::string shim;                               // the shim's absolute path
  std::uint64_t seed = 0;                         // of the fixed clock and random bytes

  // FNV-1a over the workers' command lines and the setup: what a schedule token is for.
  std::uint32_t hash() const;
};

// What escaped control in any execution so far (shared by the programs of a run and its engines).
struct Escapes {
  std::mutex mu;
  std::set<std::string> seen;  // "worker 0: a writable shared mapping ... of database.bin"
  void add(std::string what);
  std::vector<std::string> list();
};

// Parses a history file's stamped lines ("<step> invoke put k v", "<step> ok", ...) of `worker`
// into `out`; the records of every worker are ordered afterwards by order_history(). Returns "" or
// what is wrong with the file ("line 3: unknown operation 'inc'").
std::string parse_history(const std::string& text, int worker, scenarios::History* out);
// Orders the operations by their stamped steps (a step belongs to one worker, so (step, worker,
// line) is the order the records were written in) and sets the logical clocks.
void order_history(scenarios::History* history);

class RunProgram : public Program {
 public:
  // Makes the run directory and the data directory and runs the setup there. Throws
  // std::runtime_error when the setup fails (its output in the message), EnvironmentError when the
  // directories cannot be made.
  RunProgram(const RunSpec& spec, std::shared_ptr<Escapes> escapes);
  ~RunProgram() override;

  Topology topology() const override;
  std::string spec() const override { return {}; }
  std::string working_directory() const override { return data_dir_; }
  std::vector<std::string> environment(int actor) const override;
  std::string output_path(int actor) const override;
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;
  Verdict judge_incomplete(const ExecutionResult& result, Verdict verdict) override;

 private:
  std::string file(const char* prefix, int actor) const;
  void collect_escapes();

  const RunSpec& spec_;
  std::shared_ptr<Escapes> escapes_;
  std::string run_dir_;
  std::string data_dir_;
};

// The last `lines` lines of a file (at most 2000 characters), or "".
std::string tail_of(const std::string& path, int lines = 12);

}  // namespace interleave::cli
