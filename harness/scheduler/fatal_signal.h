// A report for the one failure the engine cannot catch: an actor of the harness process itself (a
// thread or fiber) that kills the process with a fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGABRT). The handler prints the schedule so far as a replay line, removes the data directories
// (harness/cleanup.h), then lets the signal take the process down as it would have.
//
// Signal handlers are process-wide; a synchronous fatal signal is delivered to the thread that
// raised it, so each actor thread (and the thread that runs fibers) names its engine's scheduler
// (thread-local) and the handler reports that engine's execution: engines running side by side
// (--jobs) each keep their own. Only async-signal-safe work happens in the handler.
#pragma once

namespace interleave {

// Installs the handlers (idempotent). Call once from main().
void install_fatal_signal_report();

namespace detail {
class Scheduler;
// The calling thread runs actors of the engine with this scheduler (null: none).
void fatal_report_thread(const Scheduler* scheduler);
}  // namespace detail

}  // namespace interleave
