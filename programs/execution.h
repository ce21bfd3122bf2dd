// One execution of a program target: a fresh run directory with its data directory, the setup
// command run there uncontrolled, N workers exec'd with the shim (by the engine, from topology()),
// then the oracles: the workers' exit status, the check command, and the history the workers wrote
// (linearizability).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "harness/program.h"
#include "programs/escapes.h"
#include "programs/spec.h"

namespace interleave::programs {

// The engine topology of `spec`: one exec'd program per worker.
Topology topology_of(const ProgramSpec& spec);

class ProgramExecution : public Program {
 public:
  // Makes the run directory and the data directory and runs the setup there. Throws
  // std::runtime_error when the setup fails (its output in the message), EnvironmentError when the
  // directories cannot be made. `spec` must outlive the execution.
  ProgramExecution(const ProgramSpec& spec, std::shared_ptr<Escapes> escapes);
  ~ProgramExecution() override;

  Topology topology() const override { return topology_of(spec_); }
  std::string spec() const override { return {}; }
  std::string working_directory() const override { return data_dir_; }
  std::vector<std::string> environment(int actor) const override;
  std::string output_path(int actor) const override;
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;
  Verdict judge_incomplete(const ExecutionResult& result, Verdict verdict) override;

 private:
  std::string file(const char* prefix, int actor) const;
  void collect_escapes();

  const ProgramSpec& spec_;
  std::shared_ptr<Escapes> escapes_;
  std::string run_dir_;
  std::string data_dir_;
};

// The last `lines` lines of a file (at most 2000 characters), or "".
std::string tail_of(const std::string& path, int lines = 12);

}  // namespace interleave::programs
