// What each fuzz target does with one input: the bodies of the LLVMFuzzerTestOneInput functions,
// kept in a library so the corpus replay tests run exactly the code the fuzzers run.
//
// A finding (a violated log property, a bug verdict) is printed on stderr and then, by default,
// aborts the process: libFuzzer catches the abort and saves the input as a crash artifact. The
// corpus tests turn aborting off, so that corpus inputs that find known bugs replay as tests too
// (the finding is printed and returned).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "fuzz/schedule_input.h"

namespace interleave::fuzz {

// Whether a finding aborts (true, the default) or is returned. Process-wide; set it before the
// first input.
void set_abort_on_finding(bool abort);

// log_fuzzer: check_log_input(). Prints "log_fuzzer: property violated: <why>" and aborts on a
// violation, or returns it when aborting is off; nullopt when every property holds.
std::optional<std::string> fuzz_log_one(std::span<const std::uint8_t> input);

// schedule_fuzzer: run_fuzz_input() under `config`, then record_interleaving_coverage() of its
// trace. A bug verdict is printed as
//
//   schedule_fuzzer: BUG <verdict>: <target>
//   <message>
//   replay:  interleave replay --schedule <token>
//
// and aborts, or returns the run when aborting is off; so does a threads-mode hang, which leaves
// the engine unusable (a later call starts a new one). Returns nullopt for an input that does not
// decode. With INTERLEAVE_FUZZ_VERBOSE=1 in the environment every run prints its replay line.
std::optional<FuzzRun> fuzz_schedule_one(std::span<const std::uint8_t> input,
                                         const FuzzConfig& config);
// The same under the environment's config (INTERLEAVE_FUZZ_MODE, INTERLEAVE_FUZZ_STORE).
std::optional<FuzzRun> fuzz_schedule_one(std::span<const std::uint8_t> input);

// "lost-update on unlocked (threads, 2 actors x 2 ops)".
std::string describe(const scenarios::Target& target);

}  // namespace interleave::fuzz
