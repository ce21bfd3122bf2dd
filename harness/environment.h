// Errors of the environment: the harness could not do its work for reasons outside the store under
// test and the user's input (a full disk, too many open files, no memory, a failing device). Such
// an error is never a verdict on the store: exploration stops and reports it (the CLI exits 3).
#pragma once

#include <stdexcept>
#include <string>

namespace interleave {

// ENOSPC, EDQUOT, EFBIG (a file size limit), EMFILE, ENFILE, ENOMEM, EAGAIN (from fork and thread
// creation), EIO, EROFS and EACCES: what a system call fails with when the machine, not the
// program, is at fault.
bool is_environment_errno(int sys_errno);

// "ENOSPC (No space left on device)".
std::string describe_errno(int sys_errno);

class EnvironmentError : public std::runtime_error {
 public:
  // `what` says what failed and where ("cannot create a data directory in /dev/shm"); the errno's
  // description is appended.
  EnvironmentError(const std::string& what, int sys_errno);
  // An error whose message is complete as it is (already names its errno, or has none: 0).
  static EnvironmentError described(const std::string& message, int sys_errno);
  int sys_errno() const { return sys_errno_; }

 private:
  struct Described {};
  EnvironmentError(Described, const std::string& message, int sys_errno)
      : std::runtime_error(message), sys_errno_(sys_errno) {}
  int sys_errno_;
};

// Throws EnvironmentError(what, sys_errno) when is_environment_errno(sys_errno); else returns.
void throw_if_environment(const std::string& what, int sys_errno);

}  // namespace interleave
