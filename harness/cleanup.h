// Directories the harness must not leave behind even when it dies: a fatal signal in threads mode
// (an actor's segfault takes the harness down) or a second Ctrl-C. Registered directories are
// removed, with everything in them, by remove_registered_dirs(), which is async-signal-safe.
#pragma once

#include <string>

namespace interleave {

// Registers `path` (an absolute directory path) for removal at a fatal end. At most 16 at once;
// beyond that the call returns false and the directory is left to the caller's own cleanup.
bool register_cleanup_dir(const std::string& path);
void unregister_cleanup_dir(const std::string& path);

// Removes every registered directory and its contents. Async-signal-safe (open, getdents64,
// unlinkat only; no allocation); for signal handlers just before the process ends.
void remove_registered_dirs();

// Child processes (worker processes, exec'd programs, shell commands) to kill when the harness ends
// at once: a second Ctrl-C. With `group`, the child leads a process group of its own, and the whole
// group is killed. Registering beyond 64 at once is ignored (they still die with the harness, by
// PR_SET_PDEATHSIG, only a moment later).
void register_child(int pid, bool group = false);
void unregister_child(int pid);
// Kills every registered child with SIGKILL and reaps it. Async-signal-safe.
void kill_registered_children();

}  // namespace interleave
