#include "harness/trace.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "fmt/format.h"

namespace interleave {

const char* intern_label(std::string_view text) {
  // Never freed: the distinct labels and spaces of a process are few (one per yield point and
  // object kind), and a trace may be read after every engine is gone.
  static std::mutex mu;
  static auto* texts = new std::unordered_set<std::string>();
  std::lock_guard lock(mu);
  return texts->emplace(text).first->c_str();
}

std::string Object::to_string() const {
  if (kind == ObjectKind::kNone) return {};
  if (name.empty()) return space;
  return fmt::format("{}:{}", space, name);
}

bool Object::operator==(const Object& o) const {
  return kind == o.kind && access == o.access && std::strcmp(space, o.space) == 0 && name == o.name;
}

bool Step::operator==(const Step& o) const {
  return index == o.index && actor == o.actor && runnable == o.runnable &&
         std::strcmp(label, o.label) == 0 && object == o.object && also == o.also;
}

std::string render_swimlanes(const Trace& trace, int actors) {
  return render_swimlanes(trace, actors, {});
}

std::string render_swimlanes(const Trace& trace, int actors,
                             const std::vector<std::string>& names) {
  constexpr std::size_t kColumn = 40;
  // A column for each actor that made a step (a program's thread slots are mostly dormant).
  std::vector<int> column(static_cast<std::size_t>(std::max(actors, 0)), -1);
  for (const Step& step : trace) {
    if (step.actor >= 0 && step.actor < actors) column[static_cast<std::size_t>(step.actor)] = 0;
  }
  std::string out = fmt::format("{:>5}  ", "step");
  int columns = 0;
  for (int a = 0; a < actors; ++a) {
    if (column[static_cast<std::size_t>(a)] < 0) continue;
    column[static_cast<std::size_t>(a)] = columns++;
    const std::size_t i = static_cast<std::size_t>(a);
    out += fmt::format("{:<{}}", i < names.size() ? names[i] : fmt::format("actor {}", a), kColumn);
  }
  // A step of no actor (a crash, whose actor number is past the actors) has a column of its own.
  const int others = columns;
  const auto column_of = [&](int actor) {
    return actor >= 0 && actor < actors ? column[static_cast<std::size_t>(actor)] : others;
  };
  out += '\n';
  constexpr int kNoActorColumn = -1;
  int previous = kNoActorColumn;
  // A long trace (a livelock runs to the step limit) shows its head and its tail.
  const std::size_t elide_from = trace.size() > kSwimlaneSteps ? kSwimlaneSteps / 2 : trace.size();
  const std::size_t elide_to =
      trace.size() > kSwimlaneSteps ? trace.size() - kSwimlaneSteps / 2 : 0;
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (i == elide_from && elide_to > elide_from) {
      out += fmt::format(
          "  ... {} steps not shown (the JSON report and --trace-out have every "
          "step) ...\n",
          elide_to - elide_from);
      i = elide_to;
      previous = kNoActorColumn;
    }
    const Step& step = trace[i];
    std::string cell = step.label;
    if (const std::string object = step.object_text(); !object.empty()) {
      cell += fmt::format(" [{}]", object);
    }
    if (cell.size() >= kColumn) cell = cell.substr(0, kColumn - 2) + "~";
    const char* marker = (previous != kNoActorColumn && previous != step.actor) ? ">" : " ";
    out += fmt::format("{:>5}{} ", step.index, marker);
    out += std::string(static_cast<std::size_t>(column_of(step.actor)) * kColumn, ' ');
    out += cell;
    out += '\n';
    previous = step.actor;
  }
  return out;
}

}  // namespace interleave
