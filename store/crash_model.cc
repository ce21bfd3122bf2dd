#include "store/crash_model.h"

#include <algorithm>
#include <array>
#include <unordered_set>

namespace interleave::store {
namespace {

constexpr std::array kModels{Persistence::kProcess, Persistence::kPrefix, Persistence::kSubset,
                             Persistence::kTorn, Persistence::kDirEntries};

constexpr std::size_t kMaxSubsetWrites = 16;

void mix(std::uint64_t* h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    *h ^= c;
    *h *= 1099511628211ull;
  }
}

// The contents one file may have after the crash (nullopt: the file is gone), fewest writes kept
// first.
std::vector<std::optional<std::string>> file_outcomes(const FileState& f, Persistence model,
                                                      std::size_t limit, bool* capped) {
  std::vector<std::optional<std::string>> out;
  const std::size_t n = f.unsynced.size();
  auto prefix_of = [&](std::size_t count) {
    std::string bytes = f.durable;
    for (std::size_t i = 0; i < count; ++i) apply_write(&bytes, f.unsynced[i]);
    return bytes;
  };
  switch (model) {
    case Persistence::kProcess:
      out.emplace_back(f.current);
      break;
    case Persistence::kPrefix:
      for (std::size_t i = 0; i <= n && out.size() < limit; ++i) out.emplace_back(prefix_of(i));
      break;
    case Persistence::kSubset: {
      if (n > kMaxSubsetWrites) *capped = true;
      const std::size_t bits = std::min(n, kMaxSubsetWrites);
      for (std::uint64_t mask = 0; mask < (std::uint64_t{1} << bits) && out.size() < limit;
           ++mask) {
        std::string bytes = f.durable;
        for (std::size_t i = 0; i < bits; ++i) {
          if ((mask >> i) & 1) apply_write(&bytes, f.unsynced[i]);
        }
        out.emplace_back(std::move(bytes));
      }
      break;
    }
    case Persistence::kTorn:
      for (std::size_t i = 0; i <= n && out.size() < limit; ++i) {
        std::string bytes = prefix_of(i);
        out.emplace_back(bytes);
        if (i == n || f.unsynced[i].truncate) continue;
        // Write i torn: only its first sectors (by the file's sector boundaries) reached the disk.
        const UnsyncedWrite& w = f.unsynced[i];
        const std::uint64_t end = w.off + w.data.size();
        for (std::uint64_t cut = (w.off / kSectorSize + 1) * kSectorSize; cut < end;
             cut += kSectorSize) {
          std::string torn = bytes;
          apply_write(&torn, UnsyncedWrite{false, w.off, w.data.substr(0, cut - w.off)});
          out.emplace_back(std::move(torn));
        }
      }
      break;
    case Persistence::kDirEntries:
      if (f.entry_durable) {
        out.emplace_back(f.durable);
      } else {
        out.emplace_back(std::nullopt);
      }
      break;
  }
  if (out.size() >= limit && model != Persistence::kProcess) *capped = true;
  return out;
}

}  // namespace

std::string_view to_string(Persistence model) {
  switch (model) {
    case Persistence::kProcess:
      return "process";
    case Persistence::kPrefix:
      return "prefix";
    case Persistence::kSubset:
      return "subset";
    case Persistence::kTorn:
      return "torn";
    case Persistence::kDirEntries:
      return "dirent";
  }
  return "?";
}

std::optional<Persistence> parse_persistence(std::string_view name) {
  for (Persistence p : kModels) {
    if (to_string(p) == name) return p;
  }
  return std::nullopt;
}

std::span<const Persistence> all_persistence_models() { return kModels; }

void apply_write(std::string* bytes, const UnsyncedWrite& w) {
  if (w.truncate) {
    bytes->resize(w.off, '\0');
    return;
  }
  if (bytes->size() < w.off + w.data.size()) bytes->resize(w.off + w.data.size(), '\0');
  bytes->replace(w.off, w.data.size(), w.data);
}

std::vector<CrashImage> crash_images(std::span<const FileState> files, Persistence model,
                                     std::size_t limit, bool* capped) {
  bool cut = false;
  std::vector<std::vector<std::optional<std::string>>> per_file;
  for (const FileState& f : files) per_file.push_back(file_outcomes(f, model, limit, &cut));
  std::vector<CrashImage> out;
  std::unordered_set<std::uint64_t> seen;
  std::vector<std::size_t> choice(files.size(), 0);
  for (;;) {
    CrashImage image;
    image.hash = 14695981039346656037ull;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::optional<std::string>& bytes = per_file[i][choice[i]];
      if (!bytes) continue;
      // The file's name, not its directory: the same state in another data directory (another
      // execution's) has the same hash.
      const std::string& path = files[i].path;
      mix(&image.hash, std::string_view(path).substr(path.rfind('/') + 1));
      mix(&image.hash, std::string_view("\0", 1));
      mix(&image.hash, *bytes);
      mix(&image.hash, std::string_view("\1", 1));
      image.files.emplace_back(files[i].path, *bytes);
    }
    if (seen.insert(image.hash).second) {
      if (out.size() == limit) {
        cut = true;
        break;
      }
      out.push_back(std::move(image));
    }
    // The next combination: the last file varies fastest.
    std::size_t i = files.size();
    for (; i > 0; --i) {
      if (++choice[i - 1] < per_file[i - 1].size()) break;
      choice[i - 1] = 0;
    }
    if (i == 0) break;
  }
  if (capped != nullptr) *capped = cut;
  return out;
}

std::uint64_t crash_state_count(Persistence model, std::uint64_t unsynced, std::uint64_t sectors) {
  switch (model) {
    case Persistence::kProcess:
    case Persistence::kDirEntries:
      return 1;
    case Persistence::kPrefix:
      return unsynced + 1;
    case Persistence::kSubset:
      return unsynced >= 63 ? ~std::uint64_t{0} : std::uint64_t{1} << unsynced;
    case Persistence::kTorn:
      return unsynced * std::max<std::uint64_t>(sectors, 1) + 1;
  }
  return 1;
}

}  // namespace interleave::store
