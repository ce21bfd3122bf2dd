// The built-in scenarios, by name.
#pragma once

#include <span>
#include <string_view>

#include "scenarios/scenario.h"

namespace interleave::scenarios {

const Scenario& lost_update_scenario();
const Scenario& duplicate_offsets_scenario();
const Scenario& torn_read_scenario();
const Scenario& stale_read_scenario();
const Scenario& lock_order_inversion_scenario();
// durability (test only): acknowledged puts must survive a crash (docs/crashes.md).
const Scenario& durability_scenario();
// crash-segv, crash-abort, crash-throw, hang-spin (test only).
std::span<const Scenario* const> fault_scenarios();

// Every scenario, the matrix ones first, then the test-only ones.
std::span<const Scenario* const> all_scenarios();
// nullptr for an unknown name.
const Scenario* find_scenario(std::string_view name);

}  // namespace interleave::scenarios
