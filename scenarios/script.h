// Programs as data: every actor runs a list of operations, and the judge is the history's
// linearizability plus recovery of the log. Property-based tests generate them (RapidCheck) and the
// schedule fuzzer can too; unlike the named scenarios they carry their own workload.
#pragma once

#include <string>
#include <vector>

#include "harness/program.h"
#include "scenarios/data_dir.h"
#include "scenarios/scenario.h"

namespace interleave::scenarios {

struct ScriptOp {
  OpKind kind = OpKind::kGet;
  std::string key;    // [a-z0-9]+
  std::string value;  // put: [a-z0-9]* ; increment: the delta as decimal; else empty
};

struct Script {
  std::vector<std::vector<ScriptOp>> actors;  // one list of operations per actor

  // "put a 1; get b | increment a 2" (actors separated by " | "). Round-trips through parse().
  std::string to_string() const;
  static bool parse(std::string_view text, Script* out);
};

// One execution of a script on a built-in store variant in a mode (threads, processes, or mixed
// with `processes` processes).
class ScriptProgram final : public Program {
 public:
  ScriptProgram(Script script, store::Variant variant, Mode mode, int processes = 1);
  Topology topology() const override;
  std::string spec() const override;
  void begin(std::span<std::byte> scratch) override;
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override;

 private:
  Script script_;
  store::Variant variant_;
  Mode mode_;
  int processes_;
  DataDir dir_;
};

// The instance factory for engines that run ScriptPrograms.
InstanceFactory script_instances();

}  // namespace interleave::scenarios
