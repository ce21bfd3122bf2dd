// LogStore: the one implementation of Store. A Policy says how it synchronizes; variants.cc maps
// each Variant to its Policy.
//
// Yield points (labels name the step that follows; Touches say what it touches):
//   put / del (del.* labels for a delete):
//     put.read_end        end-offset read     off = end_
//     put.reserve_offset  end-offset write    end_ = off + record size
//     put.publish_index   index:key write     index_[key] = off (delete: erase) -- before the
//                                             header if publish_before_write, else after the body
//     put.write_header    file write          the 13 header bytes at off
//     put.write_body      file write          once per kWriteChunk bytes of key + value
//   get (increment reads with incr.* labels, then writes with the put.* labels):
//     get.lookup          index:key read      off = index_[key]
//     get.read_header     file read           13 bytes at off
//     get.read_body       file read           once per kWriteChunk bytes of key + value
//   Mutex::lock / unlock of "store.mu" are yield points of their own (recorded by the harness).
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

// How a LogStore synchronizes. Later variants add flags here (o_append: one append(2) per record
// on an O_APPEND descriptor; file_lock: a FileLock around each operation; catch_up: re-scan the
// log from the last applied offset before using the index), each off by default.
struct Policy {
  // Hold the Mutex "store.mu" around each whole operation (increment: across its read and write).
  bool use_mutex = false;
  // Publish the index entry after reserving the offset but before writing the record (the early
  // publication that lets a get read a record still being written). Otherwise publish after the
  // body is written.
  bool publish_before_write = false;
};

// The policy of a variant (variants.cc).
const Policy& policy_of(Variant variant);

// Recovers a store from an open file: scans the log from offset 0, rebuilds the index, cuts a
// truncated tail off the file, and returns a LogStore appending at recovery.valid_end. Errors as
// for open_store(). Tests use this to wrap the file (fault injection).
OpenResult open_log_store(const Policy& policy, std::unique_ptr<File> file);

class LogStore final : public Store {
 public:
  using Index = std::map<std::string, std::uint64_t, std::less<>>;

  // `index` maps each live key to the offset of its latest put record in `file`; records end at
  // `end`, where the next one is written.
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

  // Holds mu_ for its lifetime if the policy says so; does nothing otherwise.
  class OpLock {
   public:
    explicit OpLock(LogStore& store, SourceLocation where = SourceLocation::current());
    ~OpLock();
    OpLock(const OpLock&) = delete;
    OpLock& operator=(const OpLock&) = delete;

   private:
    Mutex* mu_;
    SourceLocation where_;
  };

  // The *_locked helpers require mu_ to be held when policy_.use_mutex (they never lock it).
  // Appends one record in steps and publishes it in the index (see the table above).
  PutResult write_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                         std::string_view value);
  // Looks the key up and reads its record in steps, validating it.
  GetResult read_locked(const ReadLabels& labels, std::string_view key);
  // Points the index at `offset` for a put, removes the key for a delete.
  void publish_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                      std::uint64_t offset);

  const Policy policy_;
  const std::unique_ptr<File> file_;
  Mutex mu_{"store.mu"};
  // Offset where the next record goes. Guarded by mu_ when policy_.use_mutex.
  std::uint64_t end_;
  // Live key -> offset of its latest put record. Guarded by mu_ when policy_.use_mutex.
  Index index_;
};

}  // namespace interleave::store
