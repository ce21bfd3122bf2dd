// The on-disk record format of database.bin, in one place.
//
// database.bin is a sequence of records with no file header and no padding:
//
//   offset  size  field
//   0       4     crc    CRC-32C (little-endian) of bytes [4, 13 + klen + vlen): type..value
//   4       1     type   1 = put, 2 = delete
//   5       4     klen   key length, little-endian
//   9       4     vlen   value length, little-endian (0 for a delete)
//   13      klen  key
//   13+klen vlen  value
//
// A record's offset is the offset of its crc field. The index maps a key to the offset of its
// latest put record. Readers (log_reader.h, the store's get) validate a record in two steps:
// decode_header() checks the 13 header bytes alone (type, length limits), decode_record() checks
// the whole record against its crc. Both report corruption at the record's offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "store/status.h"

namespace interleave::store {

enum class RecordType : std::uint8_t { kPut = 1, kDelete = 2 };

inline constexpr std::size_t kCrcOffset = 0;
inline constexpr std::size_t kTypeOffset = 4;
inline constexpr std::size_t kKeySizeOffset = 5;
inline constexpr std::size_t kValueSizeOffset = 9;
inline constexpr std::size_t kHeaderSize = 13;

// Limits a writer enforces (invalid_argument) and a reader treats as corruption when exceeded, so a
// damaged length field cannot make the reader allocate gigabytes.
inline constexpr std::uint32_t kMaxKeySize = 1u << 16;    // 64 KiB
inline constexpr std::uint32_t kMaxValueSize = 1u << 26;  // 64 MiB

// The decoded fixed-size part of a record.
struct RecordHeader {
  std::uint32_t crc = 0;
  RecordType type = RecordType::kPut;
  std::uint32_t key_size = 0;
  std::uint32_t value_size = 0;

  // Bytes after the header: key + value.
  std::uint64_t body_size() const { return std::uint64_t{key_size} + value_size; }
  // Bytes of the whole record: header + key + value.
  std::uint64_t record_size() const { return kHeaderSize + body_size(); }
};

// A decoded, validated record.
struct Record {
  RecordType type = RecordType::kPut;
  std::string key;
  std::string value;

  friend bool operator==(const Record&, const Record&) = default;
};

// Size of the encoding of a record with this key and value.
inline std::uint64_t record_size(std::string_view key, std::string_view value) {
  return kHeaderSize + key.size() + value.size();
}

// Returns ok, or invalid_argument if the key or value exceeds kMaxKeySize / kMaxValueSize, or if a
// delete record has a value.
Status check_record_args(RecordType type, std::string_view key, std::string_view value);

// Returns the exact bytes of a record (see the table above).
// Requires: check_record_args(type, key, value).ok().
std::string encode_record(RecordType type, std::string_view key, std::string_view value);

// Decodes the header of the record at `offset` from `bytes`, its first kHeaderSize bytes (extra
// bytes are ignored). Returns corruption(offset, ...) if fewer than kHeaderSize bytes are given
// ("truncated record header"), the type is unknown, a length exceeds its limit, or a delete record
// has a value. The crc is not checked here: it covers the body too.
Status decode_header(std::string_view bytes, std::uint64_t offset, RecordHeader* out);

// Validates the whole record at `offset`: `header_bytes` are its kHeaderSize header bytes and
// `body` the key + value bytes that follow. Returns corruption(offset, ...) if the header is bad,
// the body is shorter than the header says ("truncated record"), or the crc does not match
// ("checksum mismatch"); otherwise fills `*out` and returns ok. Extra body bytes are ignored.
Status decode_record(std::string_view header_bytes, std::string_view body, std::uint64_t offset,
                     Record* out);

}  // namespace interleave::store
