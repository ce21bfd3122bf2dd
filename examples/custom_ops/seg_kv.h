// seg_kv: a small key-value store with an operation of its own, compaction. Records "key value\n"
// are appended to <dir>/seg.log and an in-memory index maps every key to its latest value; open()
// rebuilds the index from the log. A put appends under the log's lock, then publishes to the index
// under the index's lock. compact() rewrites the log with one record per live key, in phases, so
// that puts go on while it copies:
//
//   1. under the index lock: snapshot the index, start tracking the keys published from now on
//   2. unlocked: write the snapshot to compact.tmp
//   3. under the index lock: append the tracked keys' latest values to compact.tmp
//   4. unlocked: flush compact.tmp
//   5. under both locks: append the keys tracked since step 3, rename compact.tmp over seg.log and
//      bump the log's generation (a put that appended to the old log and publishes afterwards sees
//      the new generation and appends again)
//
// Built with SEG_KV_BROKEN, step 3 stops the tracking when it merged anything, and step 5 then
// neither merges nor bumps the generation: a put that publishes after step 3 is lost after a
// restart. It takes a put published during step 2 and another one that appends before step 5 and
// publishes after step 3: three actors (the compaction and two puts) and two preemptions.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace seg_kv {

class SegKv {
 public:
  virtual ~SegKv() = default;
  // Keys and values are non-empty and have no space or newline.
  virtual void put(std::string_view key, std::string_view value) = 0;
  // The latest value, or nothing.
  virtual std::optional<std::string> get(std::string_view key) = 0;
  virtual void compact() = 0;
};

// Opens (creating if missing) the store in `dir`. Throws std::runtime_error when it cannot.
std::unique_ptr<SegKv> open(const std::filesystem::path& dir);

}  // namespace seg_kv
