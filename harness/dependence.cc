#include "harness/dependence.h"

#include <cstring>

namespace interleave {
namespace {

bool shared_kind(const char* kind) {
  return std::strcmp(kind, "file") == 0 || std::strcmp(kind, "file-lock") == 0;
}

}  // namespace

bool dependent(const Step& a, int process_a, const Step& b, int process_b) {
  if (a.actor == b.actor) return false;
  if (a.object_kind[0] == '\0' || b.object_kind[0] == '\0') return false;
  if (a.access != Access::kWrite && b.access != Access::kWrite) return false;
  if (std::strcmp(a.object_kind, b.object_kind) != 0 || a.object_name != b.object_name)
    return false;
  return shared_kind(a.object_kind) || process_a == process_b;
}

bool is_mutex_acquisition(const Step& step) {
  return step.access == Access::kWrite && std::strcmp(step.label, "lock") == 0;
}

bool is_file_lock_acquisition(const Step& step) {
  return step.access == Access::kWrite && std::strcmp(step.label, "flock") == 0;
}

int count_preemptions(const Trace& trace) {
  int count = 0;
  for (std::size_t i = 1; i < trace.size(); ++i) {
    count += is_preemption(trace[i - 1].actor, trace[i].runnable, trace[i].actor);
  }
  return count;
}

}  // namespace interleave
