// A report for the one failure the engine cannot catch: an actor thread of the harness process
// itself (threads mode) that kills the process with a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT). The handler prints the schedule so far as a replay line, then lets the signal
// take the process down as it would have.
//
// Signal handlers are process-wide; a synchronous fatal signal is delivered to the thread that
// raised it, so each actor thread names its engine's control block (thread-local) and the handler
// reports that engine's execution: engines running side by side (--jobs) each keep their own.
// Only async-signal-safe work happens in the handler.
#pragma once

#include "harness/control_block.h"

namespace interleave {

// Installs the handlers (idempotent). Call once from main().
void install_fatal_signal_report();

namespace detail {
// An actor thread of an in-process engine names its engine's control block, once.
void fatal_report_thread(const ControlBlock* cb);
// The engine announces an in-process execution (with its token prefix, "I1:...:a2o2:") and its
// end. The prefix is copied into the control block.
void fatal_report_begin(ControlBlock* cb, std::string_view token_prefix);
void fatal_report_end(ControlBlock* cb);
}  // namespace detail

}  // namespace interleave
