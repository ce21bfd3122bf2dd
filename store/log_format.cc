#include "store/log_format.h"

#include "store/crc32c.h"

namespace interleave::store {
namespace {

void put_u32_le(std::string* out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
  }
}

std::uint32_t get_u32_le(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= std::uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return v;
}

// CRC of a record: the header bytes after the crc field, then the body.
std::uint32_t record_crc(std::string_view header_bytes, std::string_view body) {
  return crc32c(body, crc32c(header_bytes.substr(kTypeOffset, kHeaderSize - kTypeOffset)));
}

}  // namespace

Status check_record_args(RecordType type, std::string_view key, std::string_view value) {
  if (key.size() > kMaxKeySize) {
    return Status::invalid_argument("key of " + std::to_string(key.size()) +
                                    " bytes exceeds the limit of " + std::to_string(kMaxKeySize));
  }
  if (value.size() > kMaxValueSize) {
    return Status::invalid_argument("value of " + std::to_string(value.size()) +
                                    " bytes exceeds the limit of " + std::to_string(kMaxValueSize));
  }
  if (type == RecordType::kDelete && !value.empty()) {
    return Status::invalid_argument("a delete record has no value");
  }
  return Status::ok_status();
}

std::string encode_record(RecordType type, std::string_view key, std::string_view value) {
  std::string out;
  out.reserve(record_size(key, value));
  out.append(4, '\0');  // crc, filled in below
  out.push_back(static_cast<char>(type));
  put_u32_le(&out, static_cast<std::uint32_t>(key.size()));
  put_u32_le(&out, static_cast<std::uint32_t>(value.size()));
  out.append(key);
  out.append(value);
  std::string_view all(out);
  std::uint32_t crc = record_crc(all.substr(0, kHeaderSize), all.substr(kHeaderSize));
  for (int i = 0; i < 4; ++i) {
    out[kCrcOffset + i] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  }
  return out;
}

Status decode_header(std::string_view bytes, std::uint64_t offset, RecordHeader* out) {
  if (bytes.size() < kHeaderSize) {
    return Status::corruption(offset, "truncated record header");
  }
  RecordHeader h;
  h.crc = get_u32_le(bytes.data() + kCrcOffset);
  auto type = static_cast<unsigned char>(bytes[kTypeOffset]);
  if (type != static_cast<unsigned char>(RecordType::kPut) &&
      type != static_cast<unsigned char>(RecordType::kDelete)) {
    return Status::corruption(offset, "unknown record type " + std::to_string(type));
  }
  h.type = static_cast<RecordType>(type);
  h.key_size = get_u32_le(bytes.data() + kKeySizeOffset);
  h.value_size = get_u32_le(bytes.data() + kValueSizeOffset);
  if (h.key_size > kMaxKeySize) {
    return Status::corruption(offset, "key length " + std::to_string(h.key_size) + " too large");
  }
  if (h.value_size > kMaxValueSize) {
    return Status::corruption(offset,
                              "value length " + std::to_string(h.value_size) + " too large");
  }
  if (h.type == RecordType::kDelete && h.value_size != 0) {
    return Status::corruption(offset, "delete record with a value");
  }
  *out = h;
  return Status::ok_status();
}

Status decode_record(std::string_view header_bytes, std::string_view body, std::uint64_t offset,
                     Record* out) {
  RecordHeader h;
  if (Status s = decode_header(header_bytes, offset, &h); !s.ok()) {
    return s;
  }
  if (body.size() < h.body_size()) {
    return Status::corruption(offset, "truncated record");
  }
  body = body.substr(0, h.body_size());
  if (record_crc(header_bytes, body) != h.crc) {
    return Status::corruption(offset, "checksum mismatch");
  }
  out->type = h.type;
  out->key.assign(body.substr(0, h.key_size));
  out->value.assign(body.substr(h.key_size));
  return Status::ok_status();
}

}  // namespace interleave::store
