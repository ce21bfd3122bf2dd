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
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view name) {
  for (Mode m : all_modes()) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

std::span<const Mode> all_modes() {
  static constexpr std::array kModes{Mode::kThreads, Mode::kProcesses, Mode::kMixed};
  return kModes;
}

Sizes default_sizes(Mode mode) { return mode == Mode::kMixed ? Sizes{4, 2, 2} : Sizes{2, 2, 1}; }

Topology topology_of(Mode mode, const Sizes& sizes) {
  switch (mode) {
    case Mode::kThreads:
      return Topology{true, 1, sizes.actors};
    case Mode::kProcesses:
      return Topology{false, sizes.actors, 1};
    case Mode::kMixed:
      return Topology{false, sizes.processes, sizes.actors / sizes.processes};
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
