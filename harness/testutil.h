// Helpers shared by the harness tests: programs made of closures.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "harness/backends/engine.h"
#include "harness/explore/explore.h"
#include "harness/program.h"

namespace interleave::testing {

using Body = std::function<void(int actor, std::span<std::byte> scratch)>;
using Judge = std::function<Verdict(const ExecutionResult&, std::span<const std::byte> scratch)>;

class FnInstance final : public ProcessInstance {
 public:
  FnInstance(Body body, std::span<std::byte> scratch) : body_(std::move(body)), scratch_(scratch) {}
  void body(int actor) override { body_(actor, scratch_); }

 private:
  Body body_;
  std::span<std::byte> scratch_;
};

// Every process runs `body`; state shared across processes must live in `scratch`.
inline InstanceFactory instances_of(Body body) {
  return [body](std::string_view, int, std::span<std::byte> scratch) {
    return std::make_unique<FnInstance>(body, scratch);
  };
}

class FnProgram final : public Program {
 public:
  FnProgram(Topology topology, Judge judge) : topology_(topology), judge_(std::move(judge)) {}
  Topology topology() const override { return topology_; }
  std::string spec() const override { return {}; }
  void begin(std::span<std::byte> scratch) override {
    std::fill(scratch.begin(), scratch.begin() + 4096, std::byte{0});
  }
  Verdict judge(const ExecutionResult& result, std::span<const std::byte> scratch) override {
    return judge_ ? judge_(result, scratch) : Verdict::pass();
  }

 private:
  Topology topology_;
  Judge judge_;
};

inline ProgramFactory program_of(Topology topology, Judge judge = nullptr) {
  return [=] { return std::make_unique<FnProgram>(topology, judge); };
}

inline Topology threads(int n) { return Topology::threads(n); }
inline Topology processes(int n) { return Topology::processes(n); }
inline Topology mixed(int p, int t) { return Topology::mixed(p, t); }

// The first 8 bytes of scratch as a shared counter.
inline std::uint64_t& counter(std::span<std::byte> scratch) {
  return *reinterpret_cast<std::uint64_t*>(scratch.data());
}
inline std::uint64_t counter(std::span<const std::byte> scratch) {
  return *reinterpret_cast<const std::uint64_t*>(scratch.data());
}

}  // namespace interleave::testing
