// A small Env-like file seam (LevelDB Env style): the log reads and writes database.bin only
// through `File`, so tests can substitute a file that injects errors or drops unsynced bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "store/status.h"

namespace interleave::store {

// A random-access file. Methods return io_error with the failing call and errno on failure.
// Thread safety: a File may be used by several threads at once (each call is one or more
// positional system calls on a shared descriptor and touches no shared buffer); ordering between
// concurrent calls is whatever the kernel gives, which is exactly what the store variants test.
class File {
 public:
  virtual ~File() = default;

  // Reads up to `n` bytes at `off` into `*out` (replacing its contents). A short read at end of
  // file is not an error: `*out` gets the bytes that exist (possibly none).
  virtual Status read_at(std::uint64_t off, std::size_t n, std::string* out) = 0;

  // Writes all of `data` at `off`, extending the file (with a hole of zeros) if `off` is past its
  // end. Returns invalid_argument on a file opened with o_append (Linux pwrite ignores the offset
  // of an O_APPEND descriptor and would append instead).
  virtual Status write_at(std::uint64_t off, std::string_view data) = 0;

  // Appends `data` with one write(2) on an O_APPEND descriptor, so that concurrent appenders (even
  // in other processes) never interleave inside one call. Returns invalid_argument on a file not
  // opened with o_append. Should the kernel write only part (disk full, signal), the rest is
  // written by further calls and the atomicity of this append is lost.
  virtual Status append(std::string_view data) = 0;

  // Sets `*out` to the current file size.
  virtual Status size(std::uint64_t* out) = 0;

  // Cuts the file to `size` bytes (used by recovery to drop a torn tail).
  virtual Status truncate(std::uint64_t size) = 0;

  // Flushes written data to stable storage (fdatasync).
  virtual Status sync() = 0;

  // The file's descriptor: its one open file description, which a FileLock (flock(2)) locks.
  // Valid for the lifetime of the File. A File that wraps another returns the wrapped one's.
  virtual int fd() const = 0;
};

// Opens `path` for reading and writing, creating it (mode 0644) if missing, with O_CLOEXEC and,
// if `o_append`, O_APPEND. On success sets `*out`; otherwise returns io_error and leaves `*out`.
// The returned file uses pread/pwrite and retries on EINTR and partial transfers.
Status open_posix_file(const std::filesystem::path& path, bool o_append,
                       std::unique_ptr<File>* out);

}  // namespace interleave::store
