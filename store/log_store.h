// LogStore: the one implementation of Store. A Policy says how it synchronizes; variants.cc maps
// each Variant to its Policy.
//
// Yield points (labels name the step that follows; Touches say what it touches):
//   every operation, first, when the policy has catch_up (after taking the locks):
//     catch_up            file read           scan the log from end_ to the file size, applying
//                                             each record to the index and advancing end_
//   put / del (del.* labels for a delete), positional writes (o_append off):
//     put.read_end        end-offset read     off = end_
//     put.reserve_offset  end-offset write    end_ = off + record size
//     put.publish_index   index:key write     index_[key] = off (delete: erase) -- before the
//                                             header if publish_before_write, else after the body
//     put.write_header    file write          the 13 header bytes at off
//     put.write_body      file write          once per kWriteChunk bytes of key + value
//     put.sync            file write          fdatasync: after the record under sync_before_ack,
//                                             before it (the previous record's) under
//                                             sync_before_next
//   put / del with o_append (del.* labels for a delete):
//     put.append          file write          the whole record in one append(2); off = the file
//                                             size right after it minus the record size
//     put.publish_index   index:key write     after the append
//   get (increment reads with incr.* labels, then writes with the put.* labels):
//     get.lookup          index:key read      off = index_[key]
//     get.read_header     file read           13 bytes at off
//     get.read_body       file read           once per kWriteChunk bytes of key + value
//   recovery (open_log_store), uncontrolled except in a process restarted after a crash:
//     recover.scan        file read           scan the whole log, rebuild the index
//     recover.truncate    file write          cut a truncated tail off (only when there is one)
//   Mutex::lock / unlock of "store.mu" and FileLock::lock / unlock of "database.bin" are yield
//   points of their own (recorded by the harness). Lock order: store.mu, then the file lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "harness/seam.h"
#include "store/file.h"
#include "store/log_format.h"
#include "store/store.h"

namespace interleave::store {

// How a LogStore synchronizes. Every flag is off by default.
struct Policy {
  // Hold the Mutex "store.mu" around each whole operation (increment: across its read and write).
  // Excludes the threads sharing this Store object, nothing else.
  bool use_mutex = false;
  // Publish the index entry after reserving the offset but before writing the record (the early
  // publication that lets a get read a record still being written). Otherwise publish after the
  // body is written. Incompatible with o_append (the offset is known only after the write).
  bool publish_before_write = false;
  // Open database.bin with O_APPEND and write each record with one append(2); its offset is the
  // file size right after the append minus its size. The end pointer is not used for writing.
  bool o_append = false;
  // Hold the FileLock "database.bin" (flock(2) on this Store's descriptor) around each whole
  // operation, inside store.mu when use_mutex. Excludes other Store objects (other open file
  // descriptions, in this process or another), not the threads sharing this Store.
  bool file_lock = false;
  // Before each operation (under the locks), apply to the index the records other Store objects
  // appended since this one's end pointer, and move the end pointer past them.
  bool catch_up = false;
  // The store as an async handler would be written: every file read and write is awaited (an
  // await point), so in event-loop mode other handlers run there, and only there.
  bool await_io = false;
  // With use_mutex: the lock is an AsyncMutex (asyncio.Lock), which suspends the handler instead
  // of blocking the event loop.
  bool async_mutex = false;

  // Durability (docs/crashes.md). Every store promises that what it acknowledged is durable on
  // return; these flags say how (or whether) it keeps the promise.
  // Write each record with one positional write after its last write step (the steps and their
  // yield points stay), so that an unsynced record is one write the disk keeps or loses whole (a
  // torn one is cut short, which recovery takes for a truncated tail). Requires the locks to
  // exclude every other writer and reader of the record while it is buffered.
  bool one_write = false;
  // Sync the file (fdatasync) after each record, before publishing it and returning.
  bool sync_before_ack = false;
  // Sync the file before writing each record: the previous record is synced, but only after it
  // was acknowledged (the ack-before-sync bug).
  bool sync_before_next = false;
  // Sync the data directory after opening (creating) database.bin, so that its directory entry
  // survives a power loss.
  bool sync_directory = false;
};

// The policy of a variant (variants.cc).
const Policy& policy_of(Variant variant);

// Recovers a store from an open file: scans the log from offset 0, rebuilds the index, cuts a
// truncated tail off the file, and returns a LogStore appending at recovery.valid_end. Errors as
// for open_store(); invalid_argument if the policy combines o_append with publish_before_write.
// `file` must have been opened with O_APPEND exactly when policy.o_append. Tests use this to wrap
// the file (fault injection) or to keep its descriptor.
OpenResult open_log_store(const Policy& policy, std::unique_ptr<File> file);

class LogStore final : public Store {
 public:
  using Index = std::map<std::string, std::uint64_t, std::less<>>;

  // `index` maps each live key to the offset of its latest put record in `file`; records end at
  // `end`, where the next one is written. The file lock (if the policy uses it) is taken on
  // `file` (its open file description).
  LogStore(const Policy& policy, std::unique_ptr<File> file, std::uint64_t end, Index index);
  ~LogStore() override;

  PutResult put(std::string_view key, std::string_view value) override;
  GetResult get(std::string_view key) override;
  Status del(std::string_view key) override;
  IncrementResult increment(std::string_view key, std::int64_t delta) override;

 private:
  // Labels of the steps of a write (put.* or del.*) and of a read (get.* or incr.*).
  struct WriteLabels {
    const char* read_end;
    const char* reserve_offset;
    const char* publish_index;
    const char* write_header;
    const char* write_body;
    const char* append;
    const char* sync;
  };
  struct ReadLabels {
    const char* lookup;
    const char* read_header;
    const char* read_body;
  };
  static const WriteLabels kPutLabels;
  static const WriteLabels kDelLabels;
  static const ReadLabels kGetLabels;
  static const ReadLabels kIncrLabels;

  // Holds, for its lifetime, mu_ if policy_.use_mutex and then file_lock_ if policy_.file_lock
  // (released in reverse order); does nothing for a policy with neither.
  class OpLock {
   public:
    explicit OpLock(LogStore& store, SourceLocation where = SourceLocation::current());
    ~OpLock();
    OpLock(const OpLock&) = delete;
    OpLock& operator=(const OpLock&) = delete;

   private:
    Mutex* mu_;
    FileLock* file_lock_;
    SourceLocation where_;
  };

  // The *_locked helpers require the OpLock to be held (they never lock anything).
  // If policy_.catch_up: scans the log from end_ to the current file size, applies each record to
  // the index and sets end_ past the last whole record. A truncated tail (a record another writer
  // is still writing, or a crashed writer left) is neither applied nor cut: end_ stays at its
  // start. Returns the scan's corruption or I/O error (the records before it are applied).
  Status catch_up_locked();
  // Appends one record (in steps, or in one append with o_append) and publishes it in the index
  // (see the table above).
  PutResult write_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                         std::string_view value);
  // Looks the key up and reads its record in steps, validating it.
  GetResult read_locked(const ReadLabels& labels, std::string_view key);
  // Points the index at `offset` for a put, removes the key for a delete.
  void publish_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                      std::uint64_t offset);

  // A yield point of a file read or write: an await point under policy_.await_io.
  void io_point(const char* label, const Touches& touches,
                SourceLocation where = SourceLocation::current()) const {
    if (policy_.await_io) {
      await_point(label, touches, where);
    } else {
      yield_point(label, touches, where);
    }
  }

  const Policy policy_;
  const std::unique_ptr<File> file_;
  Mutex mu_{"store.mu"};
  AsyncMutex async_mu_{"store.mu"};  // used instead of mu_ under policy_.async_mutex
  // The lock of file_'s description (flock(2) for a POSIX file); used when policy_.file_lock.
  FileLock file_lock_;
  // Offset where the next record goes (unused for writing when policy_.o_append). Guarded by the
  // OpLock's locks, if any.
  std::uint64_t end_;
  // Live key -> offset of its latest put record. Guarded by the OpLock's locks, if any.
  Index index_;
};

}  // namespace interleave::store
