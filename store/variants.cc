// The table of store variants: name, policy, and which scenario breaks each one and why.
//
// Deployments (DESIGN.md): in threads mode all actors share one Store object (one index, one end
// pointer, one descriptor); in processes mode each actor process opens its own Store on the same
// database.bin, so only the file is shared; in mixed mode P processes each run T threads sharing
// that process's Store. A Mutex protects nothing across processes; a flock on a descriptor
// protects nothing among the threads sharing that descriptor (they share its open file
// description, which is what flock locks).
//
// Scenarios: lost-update (N actors increment one counter), duplicate-offsets (N actors put distinct
// keys; every record needs its own offset and every key must read back), torn-read (one actor
// overwrites a key with long values while the others get it).
#include <array>
#include <cstdio>
#include <cstdlib>

#include "store/log_store.h"

namespace interleave::store {
namespace {

struct VariantInfo {
  Variant variant;
  std::string_view name;
  std::string_view summary;
  Policy policy;
};

constexpr std::array kVariants = {
    // unlocked: no lock at all; the offset comes from the in-memory end pointer, read and reserved
    // in two steps; the index entry is published before the record is written; the record is
    // written in steps. Expected bugs:
    //  - lost-update, every mode: two increments both read the old value (incr.lookup..
    //    incr.read_body) before either writes, so one increment is lost (across processes also
    //    because each process's index is stale);
    //  - duplicate-offset, every mode: two puts both pass put.read_end before either passes
    //    put.reserve_offset (threads), or two processes start from the same end pointer, get the
    //    same offset and overwrite each other's record;
    //  - torn-read, threads mode (and mixed mode when a reader shares the writer's process): a get
    //    runs between put.publish_index and the last put.write_body, follows the index to a record
    //    still being written and reports corruption (checksum or truncation). In processes mode the
    //    readers' indexes never learn of the writer's records: stale reads, but whole ones.
    // Not safe to call from real threads without a controller: it exists to be broken.
    VariantInfo{Variant::kUnlocked, "unlocked",
                "no lock; end offset read and reserved in two steps; index published before the "
                "record is written",
                Policy{.use_mutex = false, .publish_before_write = true}},
    // mutex: one Mutex "store.mu" held across each whole operation (increment holds it across its
    // read and its write) and the index published only after the record is written. Clean in
    // threads mode. In processes mode each process has its own mutex, index and end pointer, so it
    // still breaks: duplicate-offset (both processes start from the same end), stale-read (one
    // process's index never learns of the other's puts) and lost-update; mixed mode likewise.
    VariantInfo{Variant::kMutex, "mutex",
                "one in-process mutex around each whole operation; index published after the "
                "write",
                Policy{.use_mutex = true, .publish_before_write = false}},
    // o-append: no lock; the file is opened with O_APPEND and each record is written with one
    // append(2) (yield point put.append / del.append), its offset read from the file size right
    // after; the index is published after the write; get reads in steps as in the others.
    //  - lost-update in every mode: increment's read (incr.*) and its append are separate steps
    //    with nothing excluding another increment in between; in processes mode also because a
    //    process's index never learns the other processes' records, so each process counts from its
    //    own stale value;
    //  - duplicate-offsets: clean in threads mode (the kernel gives every append its own range and
    //    the index is shared); in processes and mixed mode the offsets are distinct too, but a
    //    process's index has no entry for the keys other processes wrote (stale-read), so the
    //    scenario's read-back fails if it reads through one process's store (it passes if it
    //    reads through a freshly recovered store: the log itself is intact);
    //  - torn-read: clean in every mode: one write per record and an index entry published only
    //    after it, so a get never reaches a record still being written. (In processes mode the
    //    readers' index never sees the writer's new values: stale reads, but whole ones.)
    VariantInfo{Variant::kOAppend, "o-append",
                "no lock; O_APPEND, one write per record, offset from the file size after it",
                Policy{.use_mutex = false, .publish_before_write = false, .o_append = true}},
    // flock: no mutex; a FileLock (flock(2)) on the store's own descriptor around each whole
    // operation (increment across its read and write), and under it a catch-up that applies the
    // records other descriptors appended since this store's end pointer. The writes are as in
    // mutex (end pointer read and reserved in two steps, the record in several writes, the index
    // published after).
    //  - threads mode: all actors share the one descriptor, so flock excludes none of them and
    //    the store behaves like unlocked with late publication: lost-update (two increments
    //    between the lock and their write) and duplicate-offset (two puts between put.read_end and
    //    put.reserve_offset) are found; torn-read is clean (one writer, index published after its
    //    body, and a reader's catch-up starts at the shared end pointer, past the record being
    //    written);
    //  - processes mode: each process has its own descriptor, the flock excludes them, and the
    //    catch-up brings each index and end pointer up to date under the lock: clean;
    //  - mixed mode: lost-update and duplicate-offset as in threads mode among the threads of one
    //    process; and across processes too: one thread's unlock releases the flock of the whole
    //    descriptor while a sibling thread is still writing, so another process takes the lock,
    //    its catch-up stops at the half-written record (a truncated tail) and it writes its own
    //    record at that same offset. torn-read stays clean (its readers never write, and a
    //    catch-up never applies a half-written record).
    VariantInfo{Variant::kFlock, "flock",
                "flock on the store's descriptor around each operation, index catch-up from the "
                "log; no mutex",
                Policy{.use_mutex = false,
                       .publish_before_write = false,
                       .file_lock = true,
                       .catch_up = true}},
    // safe: the Mutex "store.mu" and then the file lock around each whole operation, catch-up
    // under both. The mutex excludes the threads of one Store, the flock the other Stores
    // (processes), and the catch-up keeps each index and end pointer current: clean for
    // lost-update, duplicate-offsets and torn-read in threads, processes and mixed mode.
    // Durable: each record is one write, synced before it is published and acknowledged, and the
    // directory is synced after database.bin is opened (created): clean under --crashes with every
    // persistence model.
    VariantInfo{Variant::kSafe, "safe",
                "in-process mutex, then flock, around each operation; index catch-up under both; "
                "syncs before acknowledging",
                Policy{.use_mutex = true,
                       .publish_before_write = false,
                       .file_lock = true,
                       .catch_up = true,
                       .one_write = true,
                       .sync_before_ack = true,
                       .sync_directory = true}},
    // The async variants: the store as async def handlers on one event loop would be written
    // (DESIGN.md's FastAPI service): every file read and write is awaited. In event-loop mode the
    // handlers switch only there; code between two awaits runs atomically, so the variants above,
    // which never await, are clean in event-loop mode whatever they lock.
    //
    // async: unlocked's policy, awaiting its I/O. Event loop: an increment's read and write are
    // separate awaits, so another handler's increment runs between them (lost-update), and the
    // index is published before the awaited write of the record (torn-read); offsets stay unique
    // (reading and reserving the end is one synchronous step). Threads, processes, mixed: as
    // unlocked.
    VariantInfo{Variant::kAsync, "async",
                "unlocked, as async handlers: every file read and write awaited, no lock",
                Policy{.use_mutex = false, .publish_before_write = true, .await_io = true}},
    // async-lock: its fix, an asyncio.Lock (AsyncMutex) around each whole operation and the index
    // published after the write. Event loop and threads: clean (in threads mode the AsyncMutex is a
    // Mutex). Processes and mixed: as mutex (a lock of one process protects nothing across them).
    VariantInfo{Variant::kAsyncLock, "async-lock",
                "async, fixed with an async lock (asyncio.Lock) around each operation",
                Policy{.use_mutex = true,
                       .publish_before_write = false,
                       .await_io = true,
                       .async_mutex = true}},
    // async-mutex: the mistake of taking a thread lock (threading.Lock, interleave::Mutex) in an
    // async handler and holding it across its awaits. Event loop: the second handler to take it
    // blocks the whole loop (blocked-loop), in every scenario where two handlers contend. Threads:
    // clean (a thread lock excludes threads); processes and mixed: as mutex.
    VariantInfo{Variant::kAsyncMutex, "async-mutex",
                "async with a thread lock held across its awaits (blocks the event loop)",
                Policy{.use_mutex = true, .publish_before_write = false, .await_io = true}},
    // The crash variants: safe's locking (so safe's expectations in every concurrency scenario),
    // one durability mistake each, found only under --crashes (docs/crashes.md).
    //
    // ack-before-sync: syncs a record only before writing the next one, so the last acknowledged
    // record is unsynced until then: lost-acknowledged-write under every power-loss model (the
    // record is lost when the crash comes before the next write), clean under process (the page
    // cache survives).
    VariantInfo{Variant::kAckBeforeSync, "ack-before-sync",
                "safe, but a record is synced only before the next one is written (after its "
                "acknowledgement)",
                Policy{.use_mutex = true,
                       .publish_before_write = false,
                       .file_lock = true,
                       .catch_up = true,
                       .one_write = true,
                       .sync_before_next = true,
                       .sync_directory = true}},
    // no-dir-sync: syncs every record but never its directory, so database.bin's directory entry
    // is never durable: under dirent the whole file (every acknowledged write) is gone after a
    // power loss; every other model keeps directory entries: clean there.
    VariantInfo{Variant::kNoDirSync, "no-dir-sync",
                "safe, but the directory is never synced after database.bin is created",
                Policy{.use_mutex = true,
                       .publish_before_write = false,
                       .file_lock = true,
                       .catch_up = true,
                       .one_write = true,
                       .sync_before_ack = true}},
};

constexpr std::size_t kCrashVariants = 2;
constexpr std::size_t kMatrixVariants = kVariants.size() - kCrashVariants;

constexpr std::array<Variant, kMatrixVariants> all_variant_values() {
  std::array<Variant, kMatrixVariants> out{};
  for (std::size_t i = 0; i < kMatrixVariants; ++i) out[i] = kVariants[i].variant;
  return out;
}

constexpr std::array kAllVariants = all_variant_values();
constexpr std::array kCrashVariantList = {Variant::kAckBeforeSync, Variant::kNoDirSync};

const VariantInfo& info_of(Variant variant) {
  for (const VariantInfo& info : kVariants) {
    if (info.variant == variant) return info;
  }
  // Invariant: every enumerator has a row in kVariants; anything else is a cast from garbage.
  std::fprintf(stderr, "interleave: unknown store variant %d\n", static_cast<int>(variant));
  std::abort();
}

}  // namespace

std::string_view to_string(Variant variant) { return info_of(variant).name; }

std::optional<Variant> parse_variant(std::string_view name) {
  for (const VariantInfo& info : kVariants) {
    if (info.name == name) return info.variant;
  }
  return std::nullopt;
}

std::span<const Variant> all_variants() { return kAllVariants; }

std::span<const Variant> crash_variants() { return kCrashVariantList; }

std::string_view summary(Variant variant) { return info_of(variant).summary; }

const Policy& policy_of(Variant variant) { return info_of(variant).policy; }

}  // namespace interleave::store
