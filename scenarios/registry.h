// The built-in scenarios, by name.
#pragma once

#include <span>
#include <string_view>

#include "scenarios/scenario.h"
#include "store/crash_model.h"

namespace interleave::scenarios {

const Scenario& lost_update_scenario();
const Scenario& duplicate_offsets_scenario();
const Scenario& torn_read_scenario();
const Scenario& stale_read_scenario();
const Scenario& lock_order_inversion_scenario();
// durability: acknowledged puts must survive a crash (docs/crashes.md). Not a cell of the
// concurrency matrix: its cells are the matrix's crash cells, judged with --crashes 1.
const Scenario& durability_scenario();
// What durability with --crashes 1 finds on `variant` (safe or a crash variant) in `mode` (threads
// or processes) under `model`: safe is clean everywhere; ack-before-sync loses an acknowledged
// write at a power loss; no-dir-sync loses its file when directory entries are lost.
Expect durability_expectation(store::Variant variant, Mode mode, store::Persistence model);
// crash-segv, crash-abort, crash-throw, hang-spin (test only).
std::span<const Scenario* const> fault_scenarios();

// Every scenario, the matrix ones first, then the test-only ones.
std::span<const Scenario* const> all_scenarios();
// nullptr for an unknown name.
const Scenario* find_scenario(std::string_view name);

}  // namespace interleave::scenarios
