// The one encoder of schedule tokens' decisions and checksum (harness/schedule.h has the format),
// without allocating, so that a fatal-signal handler can use it too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace interleave::detail {

// Writes "<prefix><decisions>:<check>" into a fixed buffer: the prefix ("I1:...:a2o2:"), then each
// decision with add() (run-length encoded, actor 0 = 'a'), then finish(). Output past the capacity
// is dropped (truncated() then says so).
template <std::size_t Capacity>
class TokenWriter {
 public:
  void append(const char* text) {
    for (; *text != '\0'; ++text) put(*text);
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
    for (std::size_t i = 0; i < size_; ++i)
      h = (h ^ static_cast<unsigned char>(data_[i])) * 16777619u;
    put(':');
    for (int shift = 28; shift >= 0; shift -= 4) put("0123456789abcdef"[(h >> shift) & 0xf]);
    data_[size_ < Capacity ? size_ : Capacity - 1] = '\0';
  }
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool truncated() const { return truncated_; }

 private:
  void put(char c) {
    if (size_ + 1 < Capacity) {
      data_[size_++] = c;
    } else {
      truncated_ = true;
    }
  }
  void flush_run() {
    if (run_ == 0) return;
    put(last_ < 26 ? static_cast<char>('a' + last_) : static_cast<char>('A' + last_ - 26));
    if (run_ > 1) {
      char digits[12];
      int n = 0;
      for (std::uint32_t v = run_; v != 0; v /= 10) digits[n++] = static_cast<char>('0' + v % 10);
      while (n > 0) put(digits[--n]);
    }
    run_ = 0;
  }

  char data_[Capacity] = {};
  std::size_t size_ = 0;
  bool truncated_ = false;
  int last_ = -1;
  std::uint32_t run_ = 0;
};

}  // namespace interleave::detail
