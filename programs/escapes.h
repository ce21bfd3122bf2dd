// What escaped control: calls the shim saw but could not make scheduler decisions (a writable
// shared mapping, io_uring, a call from a thread it does not control), and workers it never
// attached to. A run with an escape claims no clean verdict, and says that its replay may not
// reproduce.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace interleave::programs {

// Shared by the executions of a run and its engines (--jobs): guarded by `mu`.
class Escapes {
 public:
  // "worker 0: a writable shared mapping ... of database.bin"; each distinct text once.
  void add(std::string what);
  std::vector<std::string> list() const;

 private:
  mutable std::mutex mu_;
  std::set<std::string> seen_;
};

}  // namespace interleave::programs
