// The key-value store under test: a Bitcask-style log (database.bin) plus an in-memory index
// (key -> offset of the key's latest put record), rebuilt from the log on open.
//
// All variants share one implementation (log_store.h) configured by a policy; variants.cc holds
// the table of variants and says, for each, which scenario breaks it and why. Store code is
// controllable by interleave through harness/seam.h only: every step that reads or writes shared
// state (the end offset, the index, the file) is preceded by a labelled yield point.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/log_reader.h"
#include "store/status.h"

namespace interleave::store {

// The store variants (variants.cc says what each does and which scenario breaks it in which
// deployment mode).
enum class Variant {
  kUnlocked,
  kMutex,
  kOAppend,
  kFlock,
  kSafe,
  kAsync,
  kAsyncLock,
  kAsyncMutex,
  // Crash variants (docs/crashes.md): safe's locking with a durability mistake each.
  kAckBeforeSync,
  kNoDirSync,
};

// "unlocked", "mutex", "o-append", "flock", "safe", "async", "async-lock", "async-mutex",
// "ack-before-sync", "no-dir-sync".
std::string_view to_string(Variant v);
// Inverse of to_string(); nullopt for an unknown name.
std::optional<Variant> parse_variant(std::string_view name);
// Every variant of the concurrency matrix, in declaration order (the crash variants are not in it:
// they lock as safe does and differ only under --crashes).
std::span<const Variant> all_variants();
// The crash variants: ack-before-sync, no-dir-sync.
std::span<const Variant> crash_variants();
// One line saying what the variant does ("no lock; index published before the record is
// written"), for `interleave list`.
std::string_view summary(Variant v);

struct PutResult {
  Status status;
  std::uint64_t offset = 0;  // where the record was written (valid when status.ok())
};

struct GetResult {
  Status status;  // ok; kNotFound if absent; kCorruption (with the record's offset) if the record
                  // the index points to is torn, bad, or holds another key
  std::string value;
  std::uint64_t offset = 0;  // offset of the record read (valid when status is ok or corruption)
};

struct IncrementResult {
  Status status;
  std::int64_t value = 0;    // the new value (valid when status.ok())
  std::uint64_t offset = 0;  // where the new record was written (valid when status.ok())
};

class Store {
 public:
  virtual ~Store();

  // Appends a put record and points the index at it. invalid_argument if key or value exceed the
  // log format's limits.
  virtual PutResult put(std::string_view key, std::string_view value) = 0;

  // Returns the value of the key's latest put record, read from the file and validated.
  virtual GetResult get(std::string_view key) = 0;

  // Appends a delete record (a tombstone, also for an absent key) and removes the key from the
  // index. Returns ok, or the error of the write.
  virtual Status del(std::string_view key) = 0;

  // Read-modify-write of a decimal int64 value (missing key counts as 0); returns the new value.
  // The stored value must be exactly what std::from_chars accepts as a base-10 int64 (optional '-',
  // digits, nothing else), otherwise invalid_argument; an overflowing sum is invalid_argument too.
  // The new value is written as std::to_string(value).
  virtual IncrementResult increment(std::string_view key, std::int64_t delta) = 0;
};

struct OpenResult {
  Status status;
  std::unique_ptr<Store> store;  // null unless status.ok()
  RecoveryReport recovery;       // what the scan of the log found
};

inline constexpr const char* kDataFileName = "database.bin";
inline constexpr std::size_t kWriteChunk = 64;  // bytes of a record body written per write step

// Opens (creating if missing, together with `dir`) <dir>/database.bin and rebuilds the index by
// scanning the log. A truncated tail is a clean end: it is cut off the file so that the next record
// is written at recovery.valid_end. Corruption in the middle -> status is corruption with its
// offset and store is null; an I/O error -> io_error and store is null.
// Each call opens its own descriptor (one open file description per Store object), so two stores
// opened on one directory behave like two worker processes: they share only the file. `dir` is a
// directory, or an in-memory volume registered in this process ("mem:...", store/file.h).
// Requires: no other store writes the file while it is being opened (recovery may truncate it).
OpenResult open_store(Variant variant, const std::filesystem::path& dir);

}  // namespace interleave::store
