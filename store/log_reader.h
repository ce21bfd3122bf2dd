// Reading database.bin: one record at a known offset (get), or every record from an offset to the
// end of the file (recovery, and later index catch-up from another process's appends).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "store/file.h"
#include "store/log_format.h"
#include "store/status.h"

namespace interleave::store {

// Reads and validates the record at `offset`. Returns ok and fills `*out`, corruption(offset, ...)
// if the record is truncated by the end of file or fails decode_record(), or the I/O error.
Status read_record(File& file, std::uint64_t offset, Record* out);

// What a scan of the log found.
struct RecoveryReport {
  std::uint64_t records = 0;    // records delivered to the callback
  std::uint64_t valid_end = 0;  // offset just past the last delivered record (or `from`)
  std::uint64_t file_size = 0;  // size of the file when the scan started
  bool truncated_tail =
      false;  // a partial record [valid_end, file_size) was dropped as a clean end
  std::optional<Status> corruption;  // why the scan stopped early: kCorruption (at a record's
                                     // offset) or kIoError; nullopt if it reached a clean end

  bool ok() const { return !corruption.has_value(); }
};

// Scans the records from `from` (a record boundary) to the end of the file as it was at the start
// of the scan, calling `on_record(offset, record)` for each valid record in order. Rules:
//  - fewer than kHeaderSize bytes left, or a valid header whose record extends past the end of the
//    file: a truncated tail, a clean end (truncated_tail = true, valid_end = that record's offset);
//  - a header that fails decode_header() (unknown type, absurd length), or a complete record whose
//    checksum does not match: corruption at that record's offset; the scan stops there and every
//    record before it has been delivered (valid_end = the bad record's offset).
// A bad last record that is complete is therefore corruption, not a truncated tail: a crash tears
// a record by cutting it short, never by completing it with wrong bytes.
RecoveryReport scan_log(File& file, std::uint64_t from,
                        const std::function<void(std::uint64_t offset, const Record&)>& on_record);

}  // namespace interleave::store
