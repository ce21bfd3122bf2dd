// The one header store code includes to be controllable by interleave.
//
// Store code marks the places where another actor may run (yield points, and await points where an
// async handler would suspend) and uses `Mutex`, `AsyncMutex` and `FileLock` instead of std::mutex,
// an async lock and a raw flock. With no scheduler attached to the calling thread every call here
// costs one thread-local pointer test and then behaves like plain code (a yield point does nothing,
// `Mutex` is a std::mutex, `FileLock` a blocking flock), so the same store code runs in production
// and under control.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace interleave {

enum class Access : std::uint8_t { kRead, kWrite };

// What kind of object a step touches, as exploration reasons about it: two steps of different
// actors depend on each other when they touch the same object and one of them writes it.
enum class ObjectKind : std::uint8_t {
  kNone,      // declares nothing: the step commutes with every other step
  kMemory,    // memory of one process (an index, an end pointer): the same name in two processes
              // is two objects
  kFile,      // a file (its name): shared by every process
  kLock,      // an interleave::Mutex (recorded by the harness): private to its process
  kFileLock,  // a file lock (recorded by the harness): shared by every process
  kProcess,   // everything of its process (recorded by the harness for a step that can change what
              // the process's other threads do through memory no yield point names: a timed wait
              // that timed out, CPython's GIL drop request)
};

// True for the kinds every process shares.
constexpr bool shared_across_processes(ObjectKind kind) {
  return kind == ObjectKind::kFile || kind == ObjectKind::kFileLock;
}

// What the step after a yield point touches, up to the next yield point. `space` is a string
// literal naming the class of object ("index", "end-offset"; "file" for files) and shows in traces
// as "index:counter"; `name` qualifies it (a key, a file name) and only has to live for the call.
struct Touches {
  ObjectKind kind = ObjectKind::kNone;
  const char* space = "";
  std::string_view name = {};
  Access access = Access::kRead;

  // Memory private to the calling process: an index entry, an end pointer, a cache.
  static constexpr Touches memory(const char* space, std::string_view name, Access access) {
    return {ObjectKind::kMemory, space, name, access};
  }
  // A file every process can see (by its name in the data directory).
  static constexpr Touches file(std::string_view name, Access access) {
    return {ObjectKind::kFile, "file", name, access};
  }
};

class Mutex;
class FileLock;

// Where a yield point is in the source. (std::source_location needs clang 15 with libstdc++; the
// builtins below work in gcc and clang 14 alike.)
struct SourceLocation {
  const char* file = "";
  unsigned line = 0;
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) {
    return {file, line};
  }
};

// Implemented by the harness's actor runtimes; store code never calls it directly.
class Controller {
 public:
  // A yield point (`await`: an await point, the only kind that switches in event-loop mode).
  virtual void yield(const char* label, const Touches& touches, SourceLocation where,
                     bool await) = 0;
  // Requires: the calling actor does not hold `m`. Returns holding `m`; the actor is not scheduled
  // while another actor holds it. In event-loop mode taking a Mutex that another handler holds
  // blocks the whole loop (a verdict), while an AsyncMutex suspends only the handler.
  virtual void acquire(Mutex& m, SourceLocation where) = 0;
  // Requires: the calling actor holds `m`.
  virtual void release(Mutex& m, SourceLocation where) = 0;
  // Takes `lock` with a non-blocking attempt; the actor is not scheduled while another open file
  // description (as the scheduler models it) holds it, and if the attempt still fails (a holder
  // outside the harness) it is blocked until the next release of the lock.
  virtual void acquire(FileLock& lock, SourceLocation where) = 0;
  virtual void release(FileLock& lock, SourceLocation where) = 0;
  // The number of steps the execution has taken so far (for histories and timelines).
  virtual std::uint32_t steps() const { return 0; }

 protected:
  ~Controller() = default;
};

namespace detail {
// The controller of the actor running on this thread (or fiber), or nullptr when uncontrolled.
inline thread_local Controller* current_controller = nullptr;
}  // namespace detail

inline bool controlled() { return detail::current_controller != nullptr; }

// A scope whose code belongs to the environment an actor runs in, not to the store under test
// (an in-memory file system's own locking, say): no yield point or lock in it is a decision, and
// the C library's locks (std::mutex and the others, which are decisions in an actor's own code)
// are left to the C library. Nests.
class EnvironmentScope {
 public:
  EnvironmentScope() { detail::current_controller = nullptr; }
  ~EnvironmentScope() { detail::current_controller = hidden_; }
  EnvironmentScope(const EnvironmentScope&) = delete;
  EnvironmentScope& operator=(const EnvironmentScope&) = delete;

 private:
  Controller* const hidden_ = detail::current_controller;
};

// The steps the calling actor's execution has taken so far; 0 when uncontrolled. Not for store
// code: scenarios use it to place operations on the trace.
inline std::uint32_t current_step() {
  const Controller* c = detail::current_controller;
  return c != nullptr ? c->steps() : 0;
}

// A labelled place where control may pass to another actor. `label` must be a string literal
// ("put.write_body"); it names the step that follows. In event-loop mode it does not switch (code
// between awaits runs atomically on the loop), but what it touches is recorded.
inline void yield_point(const char* label, const Touches& touches = {},
                        SourceLocation where = SourceLocation::current()) {
  if (Controller* c = detail::current_controller) [[unlikely]] {
    c->yield(label, touches, where, false);
  }
}

// Where an async handler suspends (awaited I/O, an explicit yield to the loop): in event-loop mode
// the only place where another handler may run; in threads and processes mode a yield point.
inline void await_point(const char* label, const Touches& touches = {},
                        SourceLocation where = SourceLocation::current()) {
  if (Controller* c = detail::current_controller) [[unlikely]] {
    c->yield(label, touches, where, true);
  }
}

// A mutex whose acquisition and release are yield points under control, and whose blocking the
// scheduler sees (an actor about to lock a held Mutex is not scheduled until it is released; every
// unfinished actor waiting for a lock is a deadlock). Uncontrolled it is a std::mutex. A Mutex must
// be used either always controlled or always uncontrolled during its lifetime.
class Mutex {
 public:
  // `name` names the lock in traces ("lock:store.mu") and for partial-order reduction: two
  // Mutexes of one process with the same name count as one object there (give per-key locks
  // their own names). Copied; at most 47 bytes are kept.
  explicit Mutex(std::string_view name) : Mutex(name, false) {}
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
  // An AsyncMutex: in event-loop mode taking it while held suspends the handler, not the loop.
  bool is_async() const { return async_; }

  // Controlled state, read and written only by the actor holding the baton.
  static constexpr int kNoOwner = -1;
  int controlled_owner = kNoOwner;

 protected:
  Mutex(std::string_view name, bool async) : async_(async) {
    const std::size_t n = name.size() < sizeof name_ - 1 ? name.size() : sizeof name_ - 1;
    name.copy(name_, n);
    name_[n] = '\0';
  }

 private:
  char name_[48] = {};
  bool async_;
  std::mutex native_;
};

// The lock of an async handler (Python's asyncio.Lock): in event-loop mode, lock() on a free lock
// takes it without suspending and lock() on a held one suspends the handler until it is released
// (an await point); another handler runs meanwhile. In threads and processes mode, and
// uncontrolled, it is a Mutex.
class AsyncMutex : public Mutex {
 public:
  explicit AsyncMutex(std::string_view name) : Mutex(name, true) {}
};

// A file that can be locked exclusively, flock(2)-style: the lock belongs to an open file
// description and excludes the other descriptions of the file, in this process or another, but
// not the threads that share this one. store::File implements it (a descriptor, or an in-memory
// file).
class LockableFile {
 public:
  // Never blocks: false when another description holds the lock.
  virtual bool try_lock() = 0;
  virtual void lock() = 0;
  virtual void unlock() = 0;
  // Tells this open file description from the others of the calling process (the scheduler models
  // two of them as two descriptions).
  virtual std::uint64_t description() const = 0;

 protected:
  ~LockableFile() = default;
};

namespace detail {
// A descriptor as a LockableFile (flock(2) on it). Failures other than contention abort with a
// message: a bad descriptor is a bug of the caller. Defined in harness/file_lock.cc.
class DescriptorLock final : public LockableFile {
 public:
  explicit DescriptorLock(int fd, const char* name) : fd_(fd), name_(name) {}
  bool try_lock() override;
  void lock() override;
  void unlock() override;
  std::uint64_t description() const override { return static_cast<std::uint32_t>(fd_); }

 private:
  int fd_;
  const char* name_;
};
}  // namespace detail

// An exclusive advisory lock on an open file description: it excludes other descriptions of the
// file, in this process or another, but not threads sharing this one. Acquisition and release are
// yield points under control; an actor about to take it while another description (as the
// scheduler sees it: another descriptor or file object, or another process) holds it is not
// scheduled until it is released, instead of stalling the baton. Uncontrolled it is a blocking
// lock.
class FileLock {
 public:
  // flock(2) on `fd`, which must stay open while the lock is in use. `name` must be a string
  // literal naming the locked file ("database.bin"); it identifies the lock across processes.
  FileLock(int fd, const char* name) : own_(fd, name), file_(&own_), name_(name) {}
  // The lock of `file`, which must outlive the lock.
  FileLock(LockableFile& file, const char* name) : own_(-1, name), file_(&file), name_(name) {}
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

  void lock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->acquire(*this, where);
    } else {
      file_->lock();
    }
  }
  void unlock(SourceLocation where = SourceLocation::current()) {
    if (Controller* c = detail::current_controller) {
      c->release(*this, where);
    } else {
      file_->unlock();
    }
  }

  const char* name() const { return name_; }
  LockableFile& file() const { return *file_; }

 private:
  detail::DescriptorLock own_;  // used when made from a descriptor
  LockableFile* file_;
  const char* name_;
};

}  // namespace interleave
