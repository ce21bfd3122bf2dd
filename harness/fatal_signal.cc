#include "harness/fatal_signal.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "harness/cleanup.h"

namespace interleave {
namespace detail {
namespace {

// The control block of the engine this thread is an actor of (null on other threads).
thread_local const ControlBlock* thread_cb = nullptr;

// A fixed buffer appended to without allocating.
class Line {
 public:
  void add(const char* text) { add(text, std::strlen(text)); }
  void add(const char* text, std::size_t n) {
    for (std::size_t i = 0; i < n && size_ < sizeof buffer_; ++i) buffer_[size_++] = text[i];
  }
  void add_number(std::uint64_t value, int base = 10, int width = 0) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = "0123456789abcdef"[value % base];
      value /= base;
    } while (value != 0);
    while (n < width) digits[n++] = '0';
    while (n > 0) add(&digits[--n], 1);
  }
  const char* data() const { return buffer_; }
  std::size_t size() const { return size_; }

 private:
  char buffer_[8192];
  std::size_t size_ = 0;
};

void on_fatal_signal(int sig) {
  const ControlBlock* cb = thread_cb;
  if (cb != nullptr && cb->fatal_report.load(std::memory_order_acquire)) {
    static Line token;  // static: too large for a small signal stack
    token.add(cb->token_prefix);
    const std::uint32_t steps = cb->steps;
    for (std::uint32_t i = 0; i < steps;) {
      std::uint32_t j = i;
      while (j < steps && cb->trace[j].actor == cb->trace[i].actor) ++j;
      const int actor = cb->trace[i].actor;
      const char letter =
          actor < 26 ? static_cast<char>('a' + actor) : static_cast<char>('A' + actor - 26);
      token.add(&letter, 1);
      if (j - i > 1) token.add_number(j - i);
      i = j;
    }
    std::uint32_t h = 2166136261u;  // token_check(), inlined: FNV-1a
    for (std::size_t i = 0; i < token.size(); ++i) {
      h = (h ^ static_cast<unsigned char>(token.data()[i])) * 16777619u;
    }
    token.add(":");
    token.add_number(h, 16, 8);
    static Line out;
    const int running = cb->running.load(std::memory_order_relaxed);
    out.add("\ninterleave: actor ");
    out.add_number(running < 0 ? 0 : static_cast<std::uint64_t>(running));
    out.add(" took the harness down with signal ");
    out.add_number(static_cast<std::uint64_t>(sig));
    if (const char* name = sigabbrev_np(sig)) {
      out.add(" (SIG");
      out.add(name);
      out.add(")");
    }
    out.add(" after ");
    out.add(running >= 0 ? cb->slots[running].label : "start");
    out.add("\nreplay:  interleave replay --schedule ");
    out.add(token.data(), token.size());
    out.add("\n");
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, out.data(), out.size());
  }
  remove_registered_dirs();  // the data directories of the executions in flight
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void fatal_report_thread(const ControlBlock* cb) { thread_cb = cb; }

void fatal_report_begin(ControlBlock* cb, std::string_view token_prefix) {
  copy_name(cb->token_prefix, kMessageCapacity, token_prefix.data(), token_prefix.size());
  cb->fatal_report.store(true, std::memory_order_release);
}

void fatal_report_end(ControlBlock* cb) {
  cb->fatal_report.store(false, std::memory_order_release);
}

}  // namespace detail

void install_fatal_signal_report() {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    struct sigaction action {};
    action.sa_handler = detail::on_fatal_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND | SA_NODEFER;
    ::sigaction(sig, &action, nullptr);
  }
}

}  // namespace interleave
