#include "harness/strategies/dependence.h"

#include <cstring>

namespace interleave {
namespace {

bool conflict(const Object& a, int process_a, const Object& b, int process_b) {
  if (a.kind == ObjectKind::kNone || a.kind != b.kind) return false;
  if (a.access != Access::kWrite && b.access != Access::kWrite) return false;
  if (std::strcmp(a.space, b.space) != 0 || a.name != b.name) return false;
  return shared_across_processes(a.kind) || process_a == process_b;
}

template <typename F>
bool any_object(const Step& step, F f) {
  if (f(step.object)) return true;
  for (const Object& o : step.also) {
    if (f(o)) return true;
  }
  return false;
}

bool process_wide(const Step& step) {
  return any_object(step, [](const Object& o) { return o.kind == ObjectKind::kProcess; });
}

}  // namespace

bool dependent(const Step& a, int process_a, const Step& b, int process_b) {
  if (a.actor == b.actor) return false;
  if (process_a == process_b && (process_wide(a) || process_wide(b))) return true;
  return any_object(a, [&](const Object& oa) {
    return any_object(b, [&](const Object& ob) { return conflict(oa, process_a, ob, process_b); });
  });
}

bool is_mutex_acquisition(const Step& step) {
  return step.object.kind == ObjectKind::kLock && step.object.access == Access::kWrite &&
         std::strcmp(step.label, "lock") == 0;
}

bool is_file_lock_acquisition(const Step& step) {
  return step.object.kind == ObjectKind::kFileLock && step.object.access == Access::kWrite &&
         std::strcmp(step.label, "flock") == 0;
}

int count_preemptions(const Trace& trace) {
  int count = 0;
  for (std::size_t i = 1; i < trace.size(); ++i) {
    count += is_preemption(trace[i - 1].actor, trace[i].runnable, trace[i].actor);
  }
  return count;
}

}  // namespace interleave
