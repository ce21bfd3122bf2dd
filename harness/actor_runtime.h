// The actor side of the engine: the Controller that store code reaches through the seam, the loop
// each actor thread runs, and the main loop of a forked worker process. Internal to the engine.
#pragma once

#include <span>

#include "harness/control_block.h"
#include "harness/program.h"

namespace interleave::detail {

// Where an actor thread finds its process's instance for the current execution. Written by the
// process's main thread (or the engine, in-process) before any of its actors is granted.
struct InstanceHolder {
  ProcessInstance* instance = nullptr;
};

struct ActorPlace {
  ControlBlock* cb = nullptr;
  int actor = 0;
  int process = 0;
  InstanceHolder* holder = nullptr;
};

// Runs executions on the calling thread for actor `place.actor` until granted kGoExit.
void actor_loop(const ActorPlace& place);

// The main loop of forked worker process `process`: starts its actor threads, then obeys commands
// (prepare: build the instance from the spec; cleanup: destroy it; exit). Never returns.
[[noreturn]] void worker_main(ControlBlock* cb, int process, const Topology& topology,
                              const InstanceFactory& factory, std::span<std::byte> scratch);

}  // namespace interleave::detail
