// The C library's synchronization of in-process actors (std::mutex, std::shared_mutex,
// std::condition_variable and their pthread_* calls) as scheduler decisions: shim/sync.c's model,
// built into the harness, over the port in std_sync.cc. Internal to the engine.
#pragma once

#include <memory>

extern "C" {
// The objects the model knows in one process (one table per engine for its actors in the harness
// process, one per forked worker): what each lock, condition variable and barrier is named and
// who waits for it.
typedef struct il_sync_table il_sync_table;
il_sync_table* il_sync_new_table(void);
void il_sync_free_table(il_sync_table* table);
// Forgets every object, so that names ("mutex#1") count afresh: called where an execution's
// instance is built, before any actor runs.
void il_sync_reset(il_sync_table* table);
// Forgets the locks the calling thread went on as if it held after the last execution's stop:
// called as an actor's body starts.
void il_sync_forget_pretences(void);
}

namespace interleave::detail {

struct SyncTableFree {
  void operator()(il_sync_table* table) const { il_sync_free_table(table); }
};
// Owned by whoever builds the process's instances (the engine, a forked worker).
using SyncTable = std::unique_ptr<il_sync_table, SyncTableFree>;
inline SyncTable make_sync_table() { return SyncTable(il_sync_new_table()); }

}  // namespace interleave::detail
