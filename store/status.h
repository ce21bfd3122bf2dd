// Status: the result of a store, file or log operation, as a value (no exceptions cross the store
// API). A Status is cheap to copy when ok (no allocation); an error carries a message and, for
// corruption, the byte offset of the bad record in the log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace interleave::store {

class Status {
 public:
  // Unscoped on purpose so that both `Status::kCorruption` and `Status::Code::kCorruption` read.
  enum Code : std::uint8_t {
    kOk = 0,
    kNotFound,         // the key is absent (not an error of the store)
    kCorruption,       // a record failed validation; offset() names its first byte
    kIoError,          // a system call failed; the message names it and errno
    kInvalidArgument,  // the caller asked for something the store refuses (bad key, not an integer)
  };

  // Default-constructed Status is ok.
  Status() = default;

  // The ok factory cannot be called `ok()`: C++ does not allow a static and a non-static member
  // function with the same parameters, and `bool ok() const` is the one callers use constantly.
  // (absl spells it OkStatus(), LevelDB Status::OK().)
  static Status ok_status() { return Status(); }
  static Status not_found() { return Status(kNotFound, 0, {}); }
  // `offset` is the byte offset of the first byte of the offending record in the log.
  static Status corruption(std::uint64_t offset, std::string reason) {
    return Status(kCorruption, offset, std::move(reason));
  }
  // `sys_errno`: the errno of the failing system call (0 if none), so that the harness can tell an
  // error of the environment (ENOSPC, EIO, EMFILE, ...) from a bug of the store.
  static Status io_error(std::string message, int sys_errno = 0) {
    Status s(kIoError, 0, std::move(message));
    s.sys_errno_ = sys_errno;
    return s;
  }
  static Status invalid_argument(std::string message) {
    return Status(kInvalidArgument, 0, std::move(message));
  }

  bool ok() const { return code_ == kOk; }
  bool is_not_found() const { return code_ == kNotFound; }
  bool is_corruption() const { return code_ == kCorruption; }
  Code code() const { return code_; }
  // Meaningful only when code() == kCorruption; 0 otherwise.
  std::uint64_t offset() const { return offset_; }
  // Meaningful only when code() == kIoError: the errno given to io_error(), or 0.
  int sys_errno() const { return sys_errno_; }
  // The reason or message given to the factory; empty for ok and not_found.
  const std::string& message() const { return message_; }

  // "ok", "not found", "corruption at offset 42: checksum mismatch", "io error: ...",
  // "invalid argument: ...".
  std::string to_string() const {
    std::string out(code_name(code_));
    if (code_ == kCorruption) {
      out += " at offset " + std::to_string(offset_);
    }
    if (!message_.empty()) {
      out += ": ";
      out += message_;
    }
    return out;
  }

  // Lower-case name of a code as used by to_string(): "ok", "not found", "corruption", ...
  static std::string_view code_name(Code code) {
    switch (code) {
      case kOk:
        return "ok";
      case kNotFound:
        return "not found";
      case kCorruption:
        return "corruption";
      case kIoError:
        return "io error";
      case kInvalidArgument:
        return "invalid argument";
    }
    return "unknown";
  }

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Status(Code code, std::uint64_t offset, std::string message)
      : code_(code), offset_(offset), message_(std::move(message)) {}

  Code code_ = kOk;
  std::uint64_t offset_ = 0;
  int sys_errno_ = 0;
  std::string message_;
};

using StatusCode = Status::Code;

}  // namespace interleave::store
