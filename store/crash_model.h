// What the disk keeps after a crash: persistence models applied to the writes a file system saw
// but that were not yet synced. Pure data in, images out, so that every file system that records
// its unsynced writes (the one in memory today, the preload shim's later) enumerates the same
// crash states in the same order.
//
// Models (the --persistence flag):
//   process   the process dies, the kernel does not: the page cache survives, every write is kept.
//   prefix    power loss; each file keeps a prefix of its unsynced writes, in the order they were
//             made (ext4 data=ordered-like).
//   subset    power loss; each file keeps any subset of its unsynced writes (a disk that reorders).
//   torn      power loss; each file keeps a prefix of its unsynced writes and the next one torn at
//             512-byte sector boundaries (a prefix of its sectors).
//   dirent    power loss; unsynced data is lost, and a file whose directory entry was created and
//             never made durable by an fsync of its directory is gone altogether.
// Every power-loss model keeps what was synced (File::sync) and, except dirent, every directory
// entry. Truncation is one unsynced write that is kept or lost whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace interleave::store {

enum class Persistence : std::uint8_t { kProcess, kPrefix, kSubset, kTorn, kDirEntries };

// "process", "prefix", "subset", "torn", "dirent".
std::string_view to_string(Persistence model);
std::optional<Persistence> parse_persistence(std::string_view name);
std::span<const Persistence> all_persistence_models();

inline constexpr std::size_t kSectorSize = 512;

// One write the file system saw since the file was last synced: `data` at `off` (an append is
// recorded at the offset it landed at), or a truncation to `off` bytes.
struct UnsyncedWrite {
  bool truncate = false;
  std::uint64_t off = 0;
  std::string data;
};

// One file as the file system holds it at the crash.
struct FileState {
  std::string path;
  std::string durable;                  // the bytes the last sync made durable
  std::vector<UnsyncedWrite> unsynced;  // made since, in order
  std::string current;                  // the page cache: durable with every unsynced write
  bool entry_durable = false;           // its directory was synced since it was created
};

// One state the disk may be in after a crash: every file that survives with its bytes (files
// absent from the list are gone), by path in the order of the FileStates.
struct CrashImage {
  std::vector<std::pair<std::string, std::string>> files;
  std::uint64_t hash = 0;  // FNV-1a over the file names (last component) and contents
};

// Applies `w` to `bytes` (a write past the end leaves a hole of zeros).
void apply_write(std::string* bytes, const UnsyncedWrite& w);

// The distinct images `files` may leave under `model`, in a fixed order (per file: fewest writes
// kept first; files combined in the order given, the first file varying slowest), duplicates
// (equal hash) dropped, at most `limit` of them. `*capped` is set when the limit cut the list
// short. Under subset, a file with more than 16 unsynced writes counts as capped (2^n states).
std::vector<CrashImage> crash_images(std::span<const FileState> files, Persistence model,
                                     std::size_t limit, bool* capped = nullptr);

// The number of states one file with `unsynced` unsynced writes of `sectors` sectors each has
// under `model`, before duplicates are dropped (the benchmark's growth table).
std::uint64_t crash_state_count(Persistence model, std::uint64_t unsynced, std::uint64_t sectors);

}  // namespace interleave::store
