#include "store/log_reader.h"

#include <string>

namespace interleave::store {

Status read_record(File& file, std::uint64_t offset, Record* out) {
  std::string header;
  if (Status s = file.read_at(offset, kHeaderSize, &header); !s.ok()) {
    return s;
  }
  RecordHeader h;
  if (Status s = decode_header(header, offset, &h); !s.ok()) {
    return s;
  }
  std::string body;
  if (Status s = file.read_at(offset + kHeaderSize, h.body_size(), &body); !s.ok()) {
    return s;
  }
  return decode_record(header, body, offset, out);
}

RecoveryReport scan_log(File& file, std::uint64_t from,
                        const std::function<void(std::uint64_t offset, const Record&)>& on_record) {
  RecoveryReport report;
  report.valid_end = from;
  if (Status s = file.size(&report.file_size); !s.ok()) {
    report.corruption = s;
    return report;
  }
  const std::uint64_t end = report.file_size;
  std::uint64_t offset = from;
  std::string header;
  std::string body;
  Record record;
  while (offset < end) {
    // Invariant: every record in [from, offset) was valid and has been delivered.
    if (end - offset < kHeaderSize) {
      report.truncated_tail = true;
      break;
    }
    if (Status s = file.read_at(offset, kHeaderSize, &header); !s.ok()) {
      report.corruption = s;
      break;
    }
    RecordHeader h;
    if (Status s = decode_header(header, offset, &h); !s.ok()) {
      report.corruption = s;
      break;
    }
    if (h.record_size() > end - offset) {
      report.truncated_tail = true;
      break;
    }
    if (Status s = file.read_at(offset + kHeaderSize, h.body_size(), &body); !s.ok()) {
      report.corruption = s;
      break;
    }
    if (Status s = decode_record(header, body, offset, &record); !s.ok()) {
      report.corruption = s;
      break;
    }
    on_record(offset, record);
    ++report.records;
    offset += h.record_size();
  }
  report.valid_end = offset;
  return report;
}

}  // namespace interleave::store
