// A report for the one failure the engine cannot catch: an actor thread of the harness process
// itself (threads mode) that kills the process with a fatal signal (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT). The handler prints the schedule so far as a replay line, then lets the signal
// take the process down as it would have.
//
// Signal handlers are process-wide, so this keeps one process-wide slot: the in-process execution
// that is running, if any. Only async-signal-safe work happens in the handler.
#pragma once

#include "harness/control_block.h"

namespace interleave {

// Installs the handlers (idempotent). Call once from main().
void install_fatal_signal_report();

namespace detail {
// The engine announces an in-process execution (with its token prefix, "I1:...:a2o2:") and its
// end. The prefix is copied.
void fatal_report_begin(const ControlBlock* cb, std::string_view token_prefix);
void fatal_report_end();
}  // namespace detail

}  // namespace interleave
