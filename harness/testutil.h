// Helpers shared by the harness tests.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "harness/explore.h"

namespace interleave::testing {

// A Program built from lambdas; `make` builds the shared state fresh for every execution.
template <typename State>
class LambdaProgram final : public Program {
 public:
  using Body = std::function<void(State&, int)>;
  using Judge = std::function<Verdict(State&, const ExecutionResult&)>;
  LambdaProgram(int actors, Body body, Judge judge)
      : actors_(actors), body_(std::move(body)), judge_(std::move(judge)) {}
  int actors() const override { return actors_; }
  void body(int actor) override { body_(state_, actor); }
  Verdict judge(const ExecutionResult& result) override { return judge_(state_, result); }

 private:
  int actors_;
  State state_;
  Body body_;
  Judge judge_;
};

template <typename State>
ProgramFactory lambda_program(
    int actors, typename LambdaProgram<State>::Body body,
    typename LambdaProgram<State>::Judge judge = [](State&, const ExecutionResult&) {
      return Verdict::pass();
    }) {
  return [=] { return std::make_unique<LambdaProgram<State>>(actors, body, judge); };
}

}  // namespace interleave::testing
