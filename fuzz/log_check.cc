#include "fuzz/log_check.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "fmt/format.h"
#include "scenarios/data_dir.h"
#include "store/file.h"
#include "store/log_format.h"
#include "store/log_reader.h"
#include "store/store.h"

namespace interleave::fuzz {
namespace {

using store::Record;
using store::RecordType;
using Violation = std::optional<std::string>;

struct Delivered {
  std::uint64_t offset;
  Record record;
};

struct Scan {
  store::RecoveryReport report;
  std::vector<Delivered> records;
};

void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

Scan scan(const std::filesystem::path& path, std::uint64_t from) {
  std::unique_ptr<store::File> file;
  if (store::Status s = store::open_posix_file(path, false, &file); !s.ok()) {
    throw std::runtime_error("cannot open " + path.string() + ": " + s.to_string());
  }
  Scan out;
  out.report = store::scan_log(*file, from, [&out](std::uint64_t offset, const Record& record) {
    out.records.push_back({offset, record});
  });
  return out;
}

// The scan properties, against the bytes themselves.
Violation check_scan(std::string_view bytes, const Scan& s) {
  const store::RecoveryReport& r = s.report;
  if (r.file_size != bytes.size()) {
    return fmt::format("scan_log saw file_size {} for {} bytes", r.file_size, bytes.size());
  }
  if (r.records != s.records.size()) {
    return fmt::format("scan_log reports {} records but delivered {}", r.records, s.records.size());
  }
  std::uint64_t expected = 0;
  for (const Delivered& d : s.records) {
    if (d.offset != expected) {
      return fmt::format("a record was delivered at {} where the previous one ended at {}",
                         d.offset, expected);
    }
    const std::string encoded = store::encode_record(d.record.type, d.record.key, d.record.value);
    if (bytes.substr(d.offset, encoded.size()) != encoded) {
      return fmt::format("the record delivered at {} is not the bytes at that offset", d.offset);
    }
    expected += encoded.size();
  }
  if (r.valid_end != expected || r.valid_end > bytes.size()) {
    return fmt::format("valid_end {} but the delivered records end at {} (file size {})",
                       r.valid_end, expected, bytes.size());
  }
  const std::string_view rest = bytes.substr(r.valid_end);
  store::RecordHeader header;
  const bool header_ok = store::decode_header(rest, r.valid_end, &header).ok();
  if (r.corruption) {
    if (!r.corruption->is_corruption() || r.corruption->offset() != r.valid_end ||
        r.corruption->offset() >= bytes.size() || r.truncated_tail) {
      return fmt::format(
          "corruption reported as '{}' with valid_end {}, truncated_tail {}, size {}",
          r.corruption->to_string(), r.valid_end, r.truncated_tail, bytes.size());
    }
    Record ignored;
    const bool bad =
        !header_ok || (header.record_size() <= rest.size() &&
                       !store::decode_record(rest.substr(0, store::kHeaderSize),
                                             rest.substr(store::kHeaderSize), r.valid_end, &ignored)
                            .ok());
    if (!bad) return fmt::format("'{}' but that record is valid", r.corruption->to_string());
  } else if (r.truncated_tail) {
    const bool partial =
        rest.size() < store::kHeaderSize || (header_ok && header.record_size() > rest.size());
    if (rest.empty() || !partial) {
      return fmt::format("a truncated tail at {} of {} bytes is not a partial record", r.valid_end,
                         bytes.size());
    }
  } else if (r.valid_end != bytes.size()) {
    return fmt::format("a clean scan ended at {} before the end of the file ({} bytes)",
                       r.valid_end, bytes.size());
  }
  return std::nullopt;
}

// Scanning from a record boundary in the middle delivers the same suffix (index catch-up).
Violation check_scan_from(const std::filesystem::path& path, const Scan& whole) {
  if (whole.records.empty()) return std::nullopt;
  const std::size_t k = whole.records.size() / 2;
  const Scan part = scan(path, whole.records[k].offset);
  const bool same = part.records.size() == whole.records.size() - k &&
                    part.report.valid_end == whole.report.valid_end &&
                    part.report.truncated_tail == whole.report.truncated_tail &&
                    part.report.corruption == whole.report.corruption;
  for (std::size_t i = 0; same && i < part.records.size(); ++i) {
    if (part.records[i].offset != whole.records[k + i].offset ||
        !(part.records[i].record == whole.records[k + i].record)) {
      return fmt::format("scan from {} delivered another record {}", whole.records[k].offset, i);
    }
  }
  if (!same)
    return fmt::format("scan from offset {} disagrees with the whole scan",
                       whole.records[k].offset);
  return std::nullopt;
}

// Every live key reads its value back; every deleted key is not found.
Violation check_reads(store::Store& s, const std::map<std::string, std::string>& live,
                      const std::set<std::string>& deleted, std::string_view when) {
  for (const auto& [key, value] : live) {
    store::GetResult got = s.get(key);
    if (!got.status.ok() || got.value != value) {
      return fmt::format("{}: get of a key of {} bytes: {} (value {} bytes, expected {})", when,
                         key.size(), got.status.to_string(), got.value.size(), value.size());
    }
  }
  for (const std::string& key : deleted) {
    if (live.count(key) == 0 && !s.get(key).status.is_not_found()) {
      return fmt::format("{}: a deleted key of {} bytes is still found", when, key.size());
    }
  }
  return std::nullopt;
}

Violation check_open(store::Variant variant, const std::filesystem::path& dir,
                     std::string_view bytes, const Scan& s) {
  const std::string_view name = store::to_string(variant);
  write_file(dir / store::kDataFileName, bytes);
  store::OpenResult opened = store::open_store(variant, dir);
  const store::RecoveryReport& want = s.report;
  if (want.corruption) {
    if (opened.status != *want.corruption || opened.store != nullptr) {
      return fmt::format("{}: open gave '{}' where the scan found '{}'", name,
                         opened.status.to_string(), want.corruption->to_string());
    }
    return std::nullopt;
  }
  if (!opened.status.ok() || opened.store == nullptr) {
    return fmt::format("{}: open failed on a log that scans clean: {}", name,
                       opened.status.to_string());
  }
  const store::RecoveryReport& got = opened.recovery;
  if (got.records != want.records || got.valid_end != want.valid_end ||
      got.truncated_tail != want.truncated_tail) {
    return fmt::format("{}: recovery found {} records to {} where the scan found {} to {}", name,
                       got.records, got.valid_end, want.records, want.valid_end);
  }
  if (std::filesystem::file_size(dir / store::kDataFileName) != want.valid_end) {
    return fmt::format("{}: the file was not cut to valid_end {} after open", name, want.valid_end);
  }
  std::map<std::string, std::string> live;
  std::set<std::string> deleted;
  for (const Delivered& d : s.records) {
    if (d.record.type == RecordType::kPut) {
      live[d.record.key] = d.record.value;
    } else {
      live.erase(d.record.key);
      deleted.insert(d.record.key);
    }
  }
  if (auto v = check_reads(*opened.store, live, deleted, fmt::format("{} after open", name))) {
    return v;
  }
  const std::string key = "fuzz-probe";
  const std::string value = fmt::format("{}:{}", name, bytes.size());
  store::PutResult put = opened.store->put(key, value);
  if (!put.status.ok() || put.offset != want.valid_end) {
    return fmt::format("{}: put after open: {} at offset {} (valid_end {})", name,
                       put.status.to_string(), put.offset, want.valid_end);
  }
  live[key] = value;
  opened.store.reset();
  store::OpenResult reopened = store::open_store(variant, dir);
  if (!reopened.status.ok() || reopened.recovery.truncated_tail ||
      reopened.recovery.records != want.records + 1) {
    return fmt::format("{}: reopen after a put: {}, {} records (expected {})", name,
                       reopened.status.to_string(), reopened.recovery.records, want.records + 1);
  }
  return check_reads(*reopened.store, live, deleted, fmt::format("{} after reopen", name));
}

}  // namespace

std::optional<std::string> check_log_input(std::span<const std::uint8_t> input) {
  const std::string_view bytes(reinterpret_cast<const char*>(input.data()), input.size());
  scenarios::DataDir dir;
  const std::filesystem::path path = dir.path() / store::kDataFileName;
  write_file(path, bytes);
  const Scan whole = scan(path, 0);
  if (auto v = check_scan(bytes, whole)) return "scan_log: " + *v;
  if (auto v = check_scan_from(path, whole)) return "scan_log: " + *v;
  for (store::Variant variant : store::all_variants()) {
    if (auto v = check_open(variant, dir.path(), bytes, whole)) return "open_store: " + *v;
  }
  return std::nullopt;
}

}  // namespace interleave::fuzz
