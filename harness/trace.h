// The trace: every step of one execution, in the order the steps ran.
//
// Step i is the labelled piece of code that actor `actor` ran after decision i; its label is the
// yield point the actor had reached (or "start" for an actor's first step), and `object` what that
// yield point declared it touches. In event-loop mode a step runs from one await point to the next;
// the other yield points it passes declare what else it touches (`also`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/seam.h"

namespace interleave {

// An object a step touches, as recorded (Touches with its name copied).
struct Object {
  ObjectKind kind = ObjectKind::kNone;
  const char* space = "";  // a string literal, or a string the harness keeps for its lifetime
  std::string name;
  Access access = Access::kRead;

  // "index:counter", "file:database.bin", or "" when the step declares no object.
  std::string to_string() const;
  bool operator==(const Object& o) const;
};

struct Step {
  std::uint32_t index = 0;
  int actor = 0;
  const char* label = "";  // a string literal, or a string the harness keeps for its lifetime
  Object object;
  std::vector<Object> also;    // event-loop mode: what the rest of the step touched
  std::uint64_t runnable = 0;  // the actors that could have been chosen instead (bit a = actor a)

  // object.to_string() (kept for the callers that render a step).
  std::string object_text() const { return object.to_string(); }
  bool operator==(const Step& o) const;
};

using Trace = std::vector<Step>;

// A copy of `text` that lives as long as the process, one per distinct text: what a label or an
// object space that came from another process (through the control block) is kept as, so that a
// trace outlives the engine that recorded it. Thread-safe.
const char* intern_label(std::string_view text);

// An operation of one actor on the trace's step axis, for timelines: it was invoked after `begin`
// steps of the execution and returned after `end` (or never, when !returned).
struct Span {
  int actor = 0;
  std::string name;  // "put(k) -> offset 0"
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  bool returned = true;
};

// The most steps render_swimlanes() shows: of a longer trace, the first and the last half of it.
inline constexpr std::size_t kSwimlaneSteps = 400;

// Renders the trace as swimlanes: one row per step, one column per actor that made a step (of
// `actors`; the others, such as a program's unused thread slots, take no room), the step's label
// (and the object it touches) in its actor's column. Consecutive steps of one actor stay in one
// column, so a context switch shows as a jump between columns. A trace longer than kSwimlaneSteps
// shows its first and last kSwimlaneSteps / 2 steps and says how many it leaves out.
std::string render_swimlanes(const Trace& trace, int actors);
// The same with a column title per actor (`names[a]`, e.g. "w0 thread#1"; "actor a" past the end).
std::string render_swimlanes(const Trace& trace, int actors, const std::vector<std::string>& names);

}  // namespace interleave
