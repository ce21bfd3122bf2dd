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

}  // namespace interleave
