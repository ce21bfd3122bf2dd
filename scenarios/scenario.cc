#include "scenarios/scenario.h"

#include <array>

#include "fmt/format.h"

namespace interleave::scenarios {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kThreads:
      return "threads";
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
  static constexpr std::array kModes{Mode::kThreads};
  return kModes;
}

std::string_view to_string(Expect expect) { return expect == Expect::kBug ? "bug" : "clean"; }

std::optional<std::string> Scenario::check_sizes(const Sizes& sizes) const {
  if (sizes.actors < 1 || sizes.actors > 16) {
    return fmt::format("--actors must be in [1, 16], got {}", sizes.actors);
  }
  if (sizes.ops < 1 || sizes.ops > 1000) {
    return fmt::format("--ops must be in [1, 1000], got {}", sizes.ops);
  }
  return std::nullopt;
}

}  // namespace interleave::scenarios
