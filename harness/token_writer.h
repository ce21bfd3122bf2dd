// The one encoder of schedule tokens' decisions and checksum (harness/schedule.h has the format).
// It allocates nothing itself, so that a fatal-signal handler can use it with a fixed buffer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace interleave::detail {

// A fixed buffer that drops what does not fit (for signal handlers); always terminated.
template <std::size_t Capacity>
class FixedBuffer {
 public:
  void put(char c) {
    if (size_ + 1 < Capacity) {
      data_[size_++] = c;
      data_[size_] = '\0';
    } else {
      truncated_ = true;
    }
  }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool truncated() const { return truncated_; }

 private:
  char data_[Capacity] = {};
  std::size_t size_ = 0;
  bool truncated_ = false;
};

// Writes "<prefix><decisions>:<check>" into `Buffer` (FixedBuffer, or any type with put(char),
// data() and size(), such as a string-backed one): the prefix ("I1:...:a2o2:"), then each decision
// with add() (run-length encoded, actor 0 = 'a', 26 = 'A'), then finish(). encode_token() and the
// fatal-signal report both write tokens with it.
template <typename Buffer>
class TokenWriter {
 public:
  void append(const char* text) {
    for (; *text != '\0'; ++text) buffer_.put(*text);
  }
  void add(int actor) {
    if (run_ > 0 && actor == last_) {
      ++run_;
      return;
    }
    flush_run();
    last_ = actor;
    run_ = 1;
  }
  // Ends the decisions and appends ":" and the checksum (FNV-1a of everything before it).
  void finish() {
    flush_run();
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < buffer_.size(); ++i) {
      h = (h ^ static_cast<unsigned char>(buffer_.data()[i])) * 16777619u;
    }
    buffer_.put(':');
    for (int shift = 28; shift >= 0; shift -= 4)
      buffer_.put("0123456789abcdef"[(h >> shift) & 0xf]);
  }
  const Buffer& buffer() const { return buffer_; }

 private:
  void flush_run() {
    if (run_ == 0) return;
    buffer_.put(last_ < 26 ? static_cast<char>('a' + last_) : static_cast<char>('A' + last_ - 26));
    if (run_ > 1) {
      char digits[12];
      int n = 0;
      for (std::uint32_t v = run_; v != 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
      while (n > 0) buffer_.put(digits[--n]);
    }
    run_ = 0;
  }

  Buffer buffer_;
  int last_ = -1;
  std::uint32_t run_ = 0;
};

}  // namespace interleave::detail
