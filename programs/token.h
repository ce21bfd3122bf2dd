// Schedule tokens of program targets: "I1:run:p<hash>:programs:a<workers>:<decisions>:<check>",
// the hash naming the workers' command lines and the setup (ProgramSpec::hash), so that a token is
// refused for another program instead of replaying something else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/schedule.h"
#include "programs/spec.h"

namespace interleave::programs {

// Whether a parsed token is a program target's (else it names a scenario).
bool is_program_token(const Schedule& schedule);

// The token that replays `decisions` of `spec`.
std::string token_for(const ProgramSpec& spec, const std::vector<int>& decisions);

// The decisions of `token`. Throws ProgramError for a malformed token, a token of a scenario, or
// one for another worker count or another program.
std::vector<int> decisions_from(std::string_view token, const ProgramSpec& spec);

}  // namespace interleave::programs
