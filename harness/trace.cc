#include "harness/trace.h"

#include <cstring>

#include "fmt/format.h"

namespace interleave {

std::string Step::object() const {
  if (object_kind[0] == '\0') return {};
  if (object_name.empty()) return object_kind;
  return fmt::format("{}:{}", object_kind, object_name);
}

bool Step::operator==(const Step& o) const {
  return index == o.index && actor == o.actor && runnable == o.runnable &&
         std::strcmp(label, o.label) == 0 && std::strcmp(object_kind, o.object_kind) == 0 &&
         object_name == o.object_name && access == o.access;
}

std::string render_swimlanes(const Trace& trace, int actors) {
  constexpr std::size_t kColumn = 40;
  std::string out = fmt::format("{:>5}  ", "step");
  for (int a = 0; a < actors; ++a) {
    out += fmt::format("{:<{}}", fmt::format("actor {}", a), kColumn);
  }
  out += '\n';
  constexpr int kNoActorColumn = -1;
  int previous = kNoActorColumn;
  for (const Step& step : trace) {
    std::string cell = step.label;
    if (const std::string object = step.object(); !object.empty()) {
      cell += fmt::format(" [{}]", object);
    }
    if (cell.size() >= kColumn) cell = cell.substr(0, kColumn - 2) + "~";
    const char* marker = (previous != kNoActorColumn && previous != step.actor) ? ">" : " ";
    out += fmt::format("{:>5}{} ", step.index, marker);
    out += std::string(static_cast<std::size_t>(step.actor) * kColumn, ' ');
    out += cell;
    out += '\n';
    previous = step.actor;
  }
  return out;
}

}  // namespace interleave
