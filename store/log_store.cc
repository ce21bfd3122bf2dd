#include "store/log_store.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

#include "store/log_reader.h"

namespace interleave::store {
namespace {

constexpr Touches end_offset(Access access) { return Touches{"end-offset", {}, access}; }
Touches index_entry(std::string_view key, Access access) { return Touches{"index", key, access}; }
constexpr Touches data_file(Access access) { return Touches{"file", kDataFileName, access}; }

// Parses the whole of `text` as a base-10 int64 (std::from_chars rules: optional '-', digits).
bool parse_int64(std::string_view text, std::int64_t* out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, *out);
  return ec == std::errc() && ptr == last;
}

}  // namespace

Store::~Store() = default;

const LogStore::WriteLabels LogStore::kPutLabels = {"put.read_end", "put.reserve_offset",
                                                    "put.publish_index", "put.write_header",
                                                    "put.write_body"};
const LogStore::WriteLabels LogStore::kDelLabels = {"del.read_end", "del.reserve_offset",
                                                    "del.publish_index", "del.write_header",
                                                    "del.write_body"};
const LogStore::ReadLabels LogStore::kGetLabels = {"get.lookup", "get.read_header",
                                                   "get.read_body"};
const LogStore::ReadLabels LogStore::kIncrLabels = {"incr.lookup", "incr.read_header",
                                                    "incr.read_body"};

LogStore::OpLock::OpLock(LogStore& store, SourceLocation where)
    : mu_(store.policy_.use_mutex ? &store.mu_ : nullptr), where_(where) {
  if (mu_ != nullptr) mu_->lock(where_);
}

LogStore::OpLock::~OpLock() {
  if (mu_ != nullptr) mu_->unlock(where_);
}

LogStore::LogStore(const Policy& policy, std::unique_ptr<File> file, std::uint64_t end, Index index)
    : policy_(policy), file_(std::move(file)), end_(end), index_(std::move(index)) {}

LogStore::~LogStore() = default;

PutResult LogStore::put(std::string_view key, std::string_view value) {
  OpLock lock(*this);
  return write_locked(kPutLabels, RecordType::kPut, key, value);
}

GetResult LogStore::get(std::string_view key) {
  OpLock lock(*this);
  return read_locked(kGetLabels, key);
}

Status LogStore::del(std::string_view key) {
  OpLock lock(*this);
  return write_locked(kDelLabels, RecordType::kDelete, key, {}).status;
}

IncrementResult LogStore::increment(std::string_view key, std::int64_t delta) {
  // Under use_mutex the lock spans the read and the write: that is what makes it atomic.
  OpLock lock(*this);
  GetResult current = read_locked(kIncrLabels, key);
  std::int64_t old_value = 0;
  if (current.status.ok()) {
    if (!parse_int64(current.value, &old_value)) {
      return {Status::invalid_argument("increment: the value of the key is not a decimal int64"), 0,
              current.offset};
    }
  } else if (!current.status.is_not_found()) {
    return {current.status, 0, current.offset};
  }
  std::int64_t new_value = 0;
  if (__builtin_add_overflow(old_value, delta, &new_value)) {
    return {Status::invalid_argument("increment: " + std::to_string(old_value) + " + " +
                                     std::to_string(delta) + " overflows int64"),
            0, current.offset};
  }
  PutResult written = write_locked(kPutLabels, RecordType::kPut, key, std::to_string(new_value));
  if (!written.status.ok()) {
    return {written.status, 0, written.offset};
  }
  return {Status::ok_status(), new_value, written.offset};
}

PutResult LogStore::write_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                                 std::string_view value) {
  if (Status s = check_record_args(type, key, value); !s.ok()) {
    return {s, 0};
  }
  const std::string record = encode_record(type, key, value);
  const std::string_view bytes(record);

  // Reading and reserving the end are separate steps: without a lock two writers can read the
  // same end and write over each other (duplicate-offsets).
  yield_point(labels.read_end, end_offset(Access::kRead));
  const std::uint64_t off = end_;
  yield_point(labels.reserve_offset, end_offset(Access::kWrite));
  end_ = off + record.size();

  if (policy_.publish_before_write) {
    publish_locked(labels, type, key, off);
  }
  yield_point(labels.write_header, data_file(Access::kWrite));
  if (Status s = file_->write_at(off, bytes.substr(0, kHeaderSize)); !s.ok()) {
    return {s, off};
  }
  for (std::size_t pos = kHeaderSize; pos < bytes.size(); pos += kWriteChunk) {
    yield_point(labels.write_body, data_file(Access::kWrite));
    if (Status s = file_->write_at(off + pos, bytes.substr(pos, kWriteChunk)); !s.ok()) {
      return {s, off};
    }
  }
  if (!policy_.publish_before_write) {
    publish_locked(labels, type, key, off);
  }
  return {Status::ok_status(), off};
}

void LogStore::publish_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                              std::uint64_t offset) {
  yield_point(labels.publish_index, index_entry(key, Access::kWrite));
  auto it = index_.find(key);
  if (type == RecordType::kDelete) {
    if (it != index_.end()) index_.erase(it);
  } else if (it != index_.end()) {
    it->second = offset;
  } else {
    index_.emplace(std::string(key), offset);
  }
}

GetResult LogStore::read_locked(const ReadLabels& labels, std::string_view key) {
  yield_point(labels.lookup, index_entry(key, Access::kRead));
  auto it = index_.find(key);
  if (it == index_.end()) {
    return {Status::not_found(), {}, 0};
  }
  const std::uint64_t off = it->second;

  yield_point(labels.read_header, data_file(Access::kRead));
  std::string header;
  if (Status s = file_->read_at(off, kHeaderSize, &header); !s.ok()) {
    return {s, {}, off};
  }
  RecordHeader h;
  if (Status s = decode_header(header, off, &h); !s.ok()) {
    return {s, {}, off};
  }
  std::string body;
  std::string chunk;
  for (std::uint64_t pos = 0; pos < h.body_size(); pos += kWriteChunk) {
    yield_point(labels.read_body, data_file(Access::kRead));
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(kWriteChunk, h.body_size() - pos));
    if (Status s = file_->read_at(off + kHeaderSize + pos, want, &chunk); !s.ok()) {
      return {s, {}, off};
    }
    body += chunk;
    if (chunk.size() < want) break;  // end of file: decode_record reports the truncation
  }
  Record record;
  if (Status s = decode_record(header, body, off, &record); !s.ok()) {
    return {s, {}, off};
  }
  if (record.type != RecordType::kPut) {
    return {Status::corruption(off, "the index points at a delete record"), {}, off};
  }
  if (record.key != key) {
    return {Status::corruption(off, "the index points at a record of another key"), {}, off};
  }
  return {Status::ok_status(), std::move(record.value), off};
}

OpenResult open_log_store(const Policy& policy, std::unique_ptr<File> file) {
  OpenResult result;
  LogStore::Index index;
  result.recovery = scan_log(*file, 0, [&index](std::uint64_t offset, const Record& record) {
    if (record.type == RecordType::kPut) {
      index.insert_or_assign(record.key, offset);
    } else {
      index.erase(record.key);
    }
  });
  if (result.recovery.corruption.has_value()) {
    result.status = *result.recovery.corruption;
    return result;
  }
  if (result.recovery.truncated_tail) {
    // Cut the torn record off: a shorter record written over it would leave its remains after
    // the new record, which the next recovery would take for corruption.
    if (Status s = file->truncate(result.recovery.valid_end); !s.ok()) {
      result.status = s;
      return result;
    }
  }
  result.store = std::make_unique<LogStore>(policy, std::move(file), result.recovery.valid_end,
                                            std::move(index));
  return result;
}

OpenResult open_store(Variant variant, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    OpenResult result;
    result.status = Status::io_error("create_directories " + dir.string() + ": " + ec.message());
    return result;
  }
  std::unique_ptr<File> file;
  if (Status s = open_posix_file(dir / kDataFileName, /*o_append=*/false, &file); !s.ok()) {
    OpenResult result;
    result.status = s;
    return result;
  }
  return open_log_store(policy_of(variant), std::move(file));
}

}  // namespace interleave::store
