#include "scenarios/registry.h"

#include <vector>

namespace interleave::scenarios {

std::span<const Scenario* const> all_scenarios() {
  static const std::vector<const Scenario*> all = [] {
    std::vector<const Scenario*> out{&lost_update_scenario(), &duplicate_offsets_scenario(),
                                     &torn_read_scenario(), &stale_read_scenario(),
                                     &lock_order_inversion_scenario()};
    for (const Scenario* s : fault_scenarios()) out.push_back(s);
    out.push_back(&durability_scenario());
    return out;
  }();
  return all;
}

const Scenario* find_scenario(std::string_view name) {
  for (const Scenario* s : all_scenarios()) {
    if (s->name() == name) return s;
  }
  return nullptr;
}

}  // namespace interleave::scenarios
