#include "harness/scheduler/fatal_signal.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "harness/cleanup.h"
#include "harness/scheduler/scheduler.h"
#include "harness/token_writer.h"

namespace interleave {
namespace detail {
namespace {

constexpr std::size_t kTokenCapacity = 1u << 16;

// The scheduler of the engine this thread runs actors of (null on other threads).
thread_local const Scheduler* thread_scheduler = nullptr;

// A fixed buffer appended to without allocating.
class Line {
 public:
  void add(const char* text) { add(text, std::strlen(text)); }
  void add(const char* text, std::size_t n) {
    for (std::size_t i = 0; i < n && size_ < sizeof buffer_; ++i) buffer_[size_++] = text[i];
  }
  void add_number(std::uint64_t value) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0) add(&digits[--n], 1);
  }
  const char* data() const { return buffer_; }
  std::size_t size() const { return size_; }

 private:
  char buffer_[8192];
  std::size_t size_ = 0;
};

void on_fatal_signal(int sig) {
  const Scheduler* scheduler = thread_scheduler;
  const char* prefix = scheduler != nullptr ? scheduler->fatal_prefix() : "";
  if (*prefix != '\0') {
    static TokenWriter<FixedBuffer<kTokenCapacity>>
        token;  // static: too large for a small signal stack
    token.append(prefix);
    for (const Step& step : scheduler->trace()) token.add(step.actor);
    token.finish();
    static Line out;
    const int running = scheduler->running();
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
    out.add(scheduler->running_label());
    out.add("\nreplay:  interleave replay --schedule ");
    out.add(token.buffer().data(), token.buffer().size());
    out.add("\n");
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, out.data(), out.size());
  }
  remove_registered_dirs();  // the data directories of the executions in flight
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void fatal_report_thread(const Scheduler* scheduler) { thread_scheduler = scheduler; }

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
