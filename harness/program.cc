#include "harness/program.h"

#include "fmt/format.h"

namespace interleave {

std::string_view to_string(ActorKind kind) {
  switch (kind) {
    case ActorKind::kThread:
      return "thread";
    case ActorKind::kFiber:
      return "fiber";
    case ActorKind::kProcess:
      return "process";
    case ActorKind::kProgram:
      return "program";
  }
  return "?";
}

int Topology::actors() const {
  int n = 0;
  for (const Group& g : groups) n += g.actors;
  return n;
}

int Topology::group_of(int actor) const {
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (actor < groups[g].actors) return static_cast<int>(g);
    actor -= groups[g].actors;
  }
  return -1;
}

int Topology::first_of(int group) const {
  int first = 0;
  for (int g = 0; g < group; ++g) first += groups[static_cast<std::size_t>(g)].actors;
  return first;
}

bool Topology::in_process() const {
  for (const Group& g : groups) {
    if (g.kind != ActorKind::kThread && g.kind != ActorKind::kFiber) return false;
  }
  return true;
}

std::vector<int> Topology::processes_of_actors() const {
  std::vector<int> out;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out.insert(out.end(), static_cast<std::size_t>(groups[g].actors), static_cast<int>(g));
  }
  return out;
}

std::optional<std::string> Topology::check() const {
  const int n = actors();
  if (n < 1 || n > kMaxActors) {
    return fmt::format("an execution needs 1 to {} actors, not {}", kMaxActors, n);
  }
  int local = 0;
  bool fibers = false;
  bool others = false;
  for (const Group& g : groups) {
    if (g.actors < 1) return std::string("every group needs at least one actor");
    local += g.kind == ActorKind::kThread || g.kind == ActorKind::kFiber;
    fibers |= g.kind == ActorKind::kFiber;
    others |= g.kind != ActorKind::kFiber;
    if (g.kind == ActorKind::kProgram && g.argv.empty()) {
      return std::string("a program group needs a command to run");
    }
  }
  if (local > 1) return std::string("at most one group of threads or fibers of the harness");
  if (fibers && others) return std::string("fibers cannot share an execution with other actors");
  if (event_loop && !fibers) return std::string("the event loop runs on fibers");
  return std::nullopt;
}

}  // namespace interleave
