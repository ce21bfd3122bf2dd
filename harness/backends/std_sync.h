// The C library's synchronization of in-process actors (std::mutex, std::shared_mutex,
// std::condition_variable and their pthread_* calls) as scheduler decisions: shim/sync.c's model,
// built into the harness, over the port in std_sync.cc. Internal to the engine.
#pragma once

extern "C" {
// Forgets every object the model knows in this process, so that names ("mutex#1") count afresh:
// called where an execution's instance is built, before any actor runs.
void il_sync_reset(void);
}
