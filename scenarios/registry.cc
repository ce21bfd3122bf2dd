#include "scenarios/registry.h"

#include <array>

namespace interleave::scenarios {

std::span<const Scenario* const> all_scenarios() {
  static const std::array<const Scenario*, 4> kAll{
      &lost_update_scenario(),
      &duplicate_offsets_scenario(),
      &torn_read_scenario(),
      &lock_order_inversion_scenario(),
  };
  return kAll;
}

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario* s : all_scenarios()) {
    if (s->name() == name) return s;
  }
  return nullptr;
}

}  // namespace interleave::scenarios
