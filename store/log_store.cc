#include "store/log_store.h"

#include <algorithm>
#include <charconv>
#include <system_error>
#include <utility>

#include "store/log_reader.h"

namespace interleave::store {
namespace {

constexpr Touches end_offset(Access access) { return Touches::memory("end-offset", {}, access); }
Touches index_entry(std::string_view key, Access access) {
  return Touches::memory("index", key, access);
}
constexpr Touches data_file(Access access) { return Touches::file(kDataFileName, access); }

// Parses the whole of `text` as a base-10 int64 (std::from_chars rules: optional '-', digits).
bool parse_int64(std::string_view text, std::int64_t* out) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, *out);
  return ec == std::errc() && ptr == last;
}

}  // namespace

Store::~Store() = default;

const LogStore::WriteLabels LogStore::kPutLabels = {
    "put.read_end",   "put.reserve_offset", "put.publish_index", "put.write_header",
    "put.write_body", "put.append",         "put.sync"};
const LogStore::WriteLabels LogStore::kDelLabels = {
    "del.read_end",   "del.reserve_offset", "del.publish_index", "del.write_header",
    "del.write_body", "del.append",         "del.sync"};
const LogStore::ReadLabels LogStore::kGetLabels = {"get.lookup", "get.read_header",
                                                   "get.read_body"};
const LogStore::ReadLabels LogStore::kIncrLabels = {"incr.lookup", "incr.read_header",
                                                    "incr.read_body"};

LogStore::OpLock::OpLock(LogStore& store, SourceLocation where)
    : mu_(!store.policy_.use_mutex    ? nullptr
          : store.policy_.async_mutex ? static_cast<Mutex*>(&store.async_mu_)
                                      : &store.mu_),
      file_lock_(store.policy_.file_lock ? &store.file_lock_ : nullptr),
      where_(where) {
  // Lock order: the in-process mutex, then the file lock. The mutex makes the threads sharing this
  // Store (and its descriptor) take the file lock one at a time; in the other order a sibling
  // thread would "take" the flock its sibling already holds on the shared descriptor, and the
  // first unlock would release it for both while the second is still inside.
  if (mu_ != nullptr) mu_->lock(where_);
  if (file_lock_ != nullptr) file_lock_->lock(where_);
}

LogStore::OpLock::~OpLock() {
  if (file_lock_ != nullptr) file_lock_->unlock(where_);
  if (mu_ != nullptr) mu_->unlock(where_);
}

LogStore::LogStore(const Policy& policy, std::unique_ptr<File> file, std::uint64_t end, Index index)
    : policy_(policy),
      file_(std::move(file)),
      file_lock_(*file_, kDataFileName),
      end_(end),
      index_(std::move(index)) {}

LogStore::~LogStore() = default;

PutResult LogStore::put(std::string_view key, std::string_view value) {
  OpLock lock(*this);
  if (Status s = catch_up_locked(); !s.ok()) return {s, 0};
  return write_locked(kPutLabels, RecordType::kPut, key, value);
}

GetResult LogStore::get(std::string_view key) {
  OpLock lock(*this);
  if (Status s = catch_up_locked(); !s.ok()) return {s, {}, s.offset()};
  return read_locked(kGetLabels, key);
}

Status LogStore::del(std::string_view key) {
  OpLock lock(*this);
  if (Status s = catch_up_locked(); !s.ok()) return s;
  return write_locked(kDelLabels, RecordType::kDelete, key, {}).status;
}

IncrementResult LogStore::increment(std::string_view key, std::int64_t delta) {
  // The locks span the read and the write: that is what makes it atomic (among the actors the
  // locks exclude).
  OpLock lock(*this);
  if (Status s = catch_up_locked(); !s.ok()) return {s, 0, s.offset()};
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

Status LogStore::catch_up_locked() {
  if (!policy_.catch_up) return Status::ok_status();
  io_point("catch_up", data_file(Access::kRead));
  // Records of this store end at end_; anything past it was appended through another descriptor
  // (another Store object, another process) under the same file lock. If the file is shorter than
  // end_ (a write of this store is still in progress, possible only when threads share it), the
  // scan finds nothing and end_ stays.
  RecoveryReport report =
      scan_log(*file_, end_, [this](std::uint64_t offset, const Record& record) {
        if (record.type == RecordType::kPut) {
          index_.insert_or_assign(record.key, offset);
        } else {
          index_.erase(record.key);
        }
      });
  // valid_end is the start of a truncated tail or of a corrupt record, never past it.
  end_ = report.valid_end;
  if (report.corruption.has_value()) return *report.corruption;
  return Status::ok_status();
}

PutResult LogStore::write_locked(const WriteLabels& labels, RecordType type, std::string_view key,
                                 std::string_view value) {
  if (Status s = check_record_args(type, key, value); !s.ok()) {
    return {s, 0};
  }
  if (policy_.sync_before_next) {
    io_point(labels.sync, data_file(Access::kWrite));
    if (Status s = file_->sync(); !s.ok()) return {s, 0};
  }
  const std::string record = encode_record(type, key, value);
  const std::string_view bytes(record);

  if (policy_.o_append) {
    // One write: the kernel places the whole record at the end of the file, atomically with
    // respect to every other O_APPEND writer, so records never share an offset or interleave.
    io_point(labels.append, data_file(Access::kWrite));
    if (Status s = file_->append(bytes); !s.ok()) {
      return {s, 0};
    }
    // No yield point between the append and the fstat: under control no other actor runs here,
    // so the record ends at the file size. (Uncontrolled, another writer may append in between
    // and this offset would be wrong; the variant exists to be tested under control.)
    std::uint64_t size = 0;
    if (Status s = file_->size(&size); !s.ok()) {
      return {s, 0};
    }
    const std::uint64_t off = size - record.size();
    publish_locked(labels, type, key, off);
    return {Status::ok_status(), off};
  }

  // Reading and reserving the end are separate steps: without a lock two writers can read the
  // same end and write over each other (duplicate-offsets).
  yield_point(labels.read_end, end_offset(Access::kRead));
  const std::uint64_t off = end_;
  yield_point(labels.reserve_offset, end_offset(Access::kWrite));
  end_ = off + record.size();

  if (policy_.publish_before_write) {
    publish_locked(labels, type, key, off);
  }
  io_point(labels.write_header, data_file(Access::kWrite));
  if (!policy_.one_write) {
    if (Status s = file_->write_at(off, bytes.substr(0, kHeaderSize)); !s.ok()) {
      return {s, off};
    }
  }
  for (std::size_t pos = kHeaderSize; pos < bytes.size(); pos += kWriteChunk) {
    io_point(labels.write_body, data_file(Access::kWrite));
    if (policy_.one_write) continue;
    if (Status s = file_->write_at(off + pos, bytes.substr(pos, kWriteChunk)); !s.ok()) {
      return {s, off};
    }
  }
  if (policy_.one_write) {
    if (Status s = file_->write_at(off, bytes); !s.ok()) return {s, off};
  }
  if (policy_.sync_before_ack) {
    io_point(labels.sync, data_file(Access::kWrite));
    if (Status s = file_->sync(); !s.ok()) return {s, off};
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

  io_point(labels.read_header, data_file(Access::kRead));
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
    io_point(labels.read_body, data_file(Access::kRead));
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
  if (policy.o_append && policy.publish_before_write) {
    result.status = Status::invalid_argument(
        "policy: o_append cannot publish before the write (the offset is known only after it)");
    return result;
  }
  LogStore::Index index;
  // Recovery's steps are yield points too: a process that restarts after a crash recovers while
  // the others go on (processes mode, --crashes), and may itself be crashed there (--crashes 2).
  yield_point("recover.scan", data_file(Access::kRead));
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
    // the new record, which the next recovery would take for corruption. (Without the file lock:
    // a process appending meanwhile loses its record here; the flock variant does that.)
    yield_point("recover.truncate", data_file(Access::kWrite));
    if (Status s = file->truncate(result.recovery.valid_end); !s.ok()) {
      result.status = s;
      return result;
    }
    if (policy.sync_before_ack) {
      if (Status s = file->sync(); !s.ok()) {
        result.status = s;
        return result;
      }
    }
  }
  result.store = std::make_unique<LogStore>(policy, std::move(file), result.recovery.valid_end,
                                            std::move(index));
  return result;
}

OpenResult open_store(Variant variant, const std::filesystem::path& dir) {
  OpenResult result;
  FileSystem* fs = file_system_for(dir);
  if (fs == nullptr) {
    result.status = Status::invalid_argument(
        "the data directory " + dir.string() +
        " is in the memory of another process (in-memory files need every actor in one process)");
    return result;
  }
  if (Status s = fs->create_directories(dir); !s.ok()) {
    result.status = s;
    return result;
  }
  std::unique_ptr<File> file;
  const Policy& policy = policy_of(variant);
  if (Status s = fs->open(dir / kDataFileName, policy.o_append, &file); !s.ok()) {
    result.status = s;
    return result;
  }
  if (policy.sync_directory) {
    if (Status s = fs->sync_directory(dir); !s.ok()) {
      result.status = s;
      return result;
    }
  }
  return open_log_store(policy, std::move(file));
}

}  // namespace interleave::store
