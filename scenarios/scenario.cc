#include "scenarios/scenario.h"

#include <array>

#include "fmt/format.h"
#include "harness/execution.h"

namespace interleave::scenarios {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kThreads:
      return "threads";
    case Mode::kProcesses:
      return "processes";
    case Mode::kMixed:
      return "mixed";
    case Mode::kEventLoop:
      return "event-loop";
  }
  return "?";
}

std::string_view to_string(Backend backend) {
  return backend == Backend::kFibers ? "fibers" : "threads";
}

std::optional<Backend> parse_backend(std::string_view name) {
  if (name == "threads") return Backend::kThreads;
  if (name == "fibers") return Backend::kFibers;
  return std::nullopt;
}

std::optional<std::string> check_backend(Mode mode, Backend backend) {
  if (backend == Backend::kFibers && mode != Mode::kThreads && mode != Mode::kEventLoop) {
    return fmt::format("--backend fibers runs threads mode (and event-loop mode), not {}",
                       to_string(mode));
  }
  return std::nullopt;
}

std::optional<Mode> parse_mode(std::string_view name) {
  for (Mode m : all_modes()) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

std::span<const Mode> all_modes() {
  static constexpr std::array kModes{Mode::kThreads, Mode::kProcesses, Mode::kMixed,
                                     Mode::kEventLoop};
  return kModes;
}

Sizes default_sizes(Mode mode) { return mode == Mode::kMixed ? Sizes{4, 2, 2} : Sizes{2, 2, 1}; }

Topology topology_of(Mode mode, const Sizes& sizes, Backend backend) {
  switch (mode) {
    case Mode::kThreads:
      return backend == Backend::kFibers ? Topology::fibers(sizes.actors, false)
                                         : Topology::threads(sizes.actors);
    case Mode::kProcesses:
      return Topology::processes(sizes.actors);
    case Mode::kMixed:
      return Topology::mixed(sizes.processes, sizes.actors / sizes.processes);
    case Mode::kEventLoop:
      return Topology::fibers(sizes.actors, true);
  }
  return {};
}

std::optional<std::string> check_mode_sizes(Mode mode, const Sizes& sizes) {
  if (mode == Mode::kMixed && (sizes.processes < 1 || sizes.actors % sizes.processes != 0)) {
    return fmt::format("mixed mode needs the {} actors spread evenly over {} processes",
                       sizes.actors, sizes.processes);
  }
  return std::nullopt;
}

std::string_view to_string(Expect expect) { return expect == Expect::kBug ? "bug" : "clean"; }

store::Variant threads_twin(store::Variant variant) {
  switch (variant) {
    case store::Variant::kAsync:
      return store::Variant::kUnlocked;
    case store::Variant::kAsyncLock:
    case store::Variant::kAsyncMutex:
      return store::Variant::kMutex;
    case store::Variant::kAckBeforeSync:
    case store::Variant::kNoDirSync:
      return store::Variant::kSafe;
    default:
      return variant;
  }
}

Expect event_loop_expectation(store::Variant variant, bool async_breaks) {
  switch (variant) {
    case store::Variant::kAsync:
      return async_breaks ? Expect::kBug : Expect::kClean;
    case store::Variant::kAsyncMutex:
      return Expect::kBug;
    default:
      return Expect::kClean;
  }
}

std::optional<std::string> Scenario::check_sizes(const Sizes& sizes) const {
  if (sizes.actors < 1 || sizes.actors > kMaxActors) {
    return fmt::format("the number of actors must be in [1, {}], got {}", kMaxActors, sizes.actors);
  }
  if (sizes.ops < 1 || sizes.ops > 1000) {
    return fmt::format("--ops must be in [1, 1000], got {}", sizes.ops);
  }
  return std::nullopt;
}

}  // namespace interleave::scenarios
