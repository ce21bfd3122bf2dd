// The one header store code includes to be controllable by interleave.
//
// Store code marks the places where another actor may run (yield points) and uses `Mutex` instead
// of std::mutex. With no scheduler attached to the calling thread every call here costs one
// thread-local pointer test and then behaves like plain code (a yield point does nothing, `Mutex`
// is a std::mutex), so the same store code runs in production and under control.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>

namespace interleave {

enum class Access : std::uint8_t { kRead, kWrite };

// What the step after a yield point touches, so that exploration can tell which steps commute.
// `kind` is a string literal naming the class of object ("index", "file", "end-offset", "lock");
// `name` qualifies it (a key, a file name) and only has to live for the duration of the call.
struct Touches {
  const char* kind = "";
  std::string_view name = {};
  Access access = Access::kRead;
};

class Mutex;
class FileLock;

// Where a yield point is in the source. (SourceLocation needs clang 15 with libstdc++; the
// builtins below work in gcc and clang 14 alike.)
struct SourceLocation {
  const char* file = "";
  unsigned line = 0;
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) {
    return {file, line};
  }
};

// Implemented by the harness's execution backends; store code never calls it directly.
class Controller {
 public:
  virtual void yield(const char* label, const Touches& touches, SourceLocation where) = 0;
  // Requires: the calling actor does not hold `m`. Returns holding `m`; blocks (yields as a blocked
  // actor) while another actor holds it.
  virtual void acquire(Mutex& m, SourceLocation where) = 0;
  // Requires: the calling actor holds `m`.
  virtual void release(Mutex& m, SourceLocation where) = 0;
  // Takes `lock` with a non-blocking flock; while another open file description holds it the actor
  // is blocked (yields as blocked) and retries after the next release of a lock of the same name.
  virtual void acquire(FileLock& lock, SourceLocation where) = 0;
  virtual void release(FileLock& lock, SourceLocation where) = 0;
  // The number of steps the execution has taken so far (for histories and timelines).
  virtual std::uint32_t steps() const { return 0; }

 protected:
  ~Controller() = default;
};

namespace detail {
// The controller of the actor running on this thread, or nullptr when uncontrolled.
inline thread_local Controller* current_controller = nullptr;
}  // namespace detail

inline bool controlled() { return detail::current_controller != nullptr; }

// The steps the calling actor's execution has taken so far; 0 when uncontrolled. Not for store
// code: scenarios use it to place operations on the trace.
inline std::uint32_t current_step() {
  const Controller* c = detail::current_controller;
  return c != nullptr ? c->steps() : 0;
}

// A labelled place where control may pass to another actor. `label` must be a string literal
// ("put.write_body"); it names the step that follows.
inline void yield_point(const char* label, const Touches& touches = {},
                        SourceLocation where = SourceLocation::current()) {
  if (Controller* c = detail::current_controller) [[unlikely]] {
    c->yield(label, touches, where);
  }
}

// A mutex whose acquisition and release are yield points under control, and whose blocking the
// scheduler sees (an actor about to lock a held Mutex is not scheduled until it is released; every
// unfinished actor waiting for a lock is a deadlock). Uncontrolled it is a std::mutex. A Mutex must
// be used either always controlled or always uncontrolled during its lifetime.
class Mutex {
 public:
  // `name` must be a string literal; it names the lock in traces ("lock:store.mu").
  explicit Mutex(const char* name) : name_(name) {}
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->acquire(*this, where);
    } else {
      native_.lock();
    }
  }
  void unlock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->release(*this, where);
    } else {
      native_.unlock();
    }
  }

  const char* name() const { return name_; }

  // Controlled state, read and written only by the actor holding the baton.
  static constexpr int kNoOwner = -1;
  int controlled_owner = kNoOwner;

 private:
  const char* name_;
  std::mutex native_;
};

// An exclusive advisory lock on an open file description (flock(2)): it excludes other descriptors
// of the file, in this process or another, but not threads sharing this descriptor. Acquisition and
// release are yield points under control; an actor about to take it while another descriptor (as
// the scheduler sees it: another fd, or another process) holds it is not scheduled until it is
// released, instead of stalling the baton. Uncontrolled it is a blocking flock.
class FileLock {
 public:
  // `fd` must stay open while the lock is in use. `name` must be a string literal naming the locked
  // file ("database.bin"); it identifies the lock across processes in traces and for blocking.
  FileLock(int fd, const char* name) : fd_(fd), name_(name) {}
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  void lock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->acquire(*this, where);
    } else {
      lock_native();
    }
  }
  void unlock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->release(*this, where);
    } else {
      unlock_native();
    }
  }

  int fd() const { return fd_; }
  const char* name() const { return name_; }

  // The raw operations (defined in harness/file_lock.cc). try_lock_native never blocks: it returns
  // false when another open file description holds the lock. Failures other than contention abort
  // with a message (a bad descriptor is a bug in the caller).
  void lock_native();
  bool try_lock_native();
  void unlock_native();

 private:
  int fd_;
  const char* name_;
};

}  // namespace interleave
