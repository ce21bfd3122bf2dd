#include "store/log_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace interleave::store {
namespace {

std::vector<int> bytes_of(const std::string& s) {
  std::vector<int> out;
  for (char c : s) out.push_back(static_cast<unsigned char>(c));
  return out;
}

TEST(LogFormat, RecordEncodingIsByteExact) {
  // crc32c of the 17 bytes after the crc field is 0x066FA07B (computed independently).
  std::vector<int> expected = {0x7B, 0xA0, 0x6F, 0x06,        // crc, little-endian
                               0x01,                          // type: put
                               0x03, 0x00, 0x00, 0x00,        // klen = 3
                               0x05, 0x00, 0x00, 0x00,        // vlen = 5
                               'k',  'e',  'y',               // key
                               'v',  'a',  'l',  'u',  'e'};  // value
  std::string encoded = encode_record(RecordType::kPut, "key", "value");
  EXPECT_EQ(encoded.size(), kHeaderSize + 8);
  EXPECT_EQ(bytes_of(encoded), expected);
}

TEST(LogFormat, DeleteRecordEncodingIsByteExact) {
  std::vector<int> expected = {0xC1, 0x9F, 0xEC, 0x7C, 0x02, 0x01, 0x00,
                               0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 'k'};
  EXPECT_EQ(bytes_of(encode_record(RecordType::kDelete, "k", "")), expected);
}

TEST(LogFormat, EncodedRecordDecodesToItself) {
  std::string value(300, 'x');
  std::string encoded = encode_record(RecordType::kPut, "some key", value);
  std::string_view view(encoded);
  RecordHeader h;
  ASSERT_TRUE(decode_header(view, 7, &h).ok());
  EXPECT_EQ(h.type, RecordType::kPut);
  EXPECT_EQ(h.key_size, 8u);
  EXPECT_EQ(h.value_size, 300u);
  EXPECT_EQ(h.record_size(), encoded.size());
  Record record;
  ASSERT_TRUE(
      decode_record(view.substr(0, kHeaderSize), view.substr(kHeaderSize), 7, &record).ok());
  EXPECT_EQ(record, (Record{RecordType::kPut, "some key", value}));
}

TEST(LogFormat, FlippingAnyBitIsDetected) {
  std::string encoded = encode_record(RecordType::kPut, "key", "a value of some length");
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = encoded;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      std::string_view view(bad);
      Record record;
      Status s = decode_record(view.substr(0, kHeaderSize), view.substr(kHeaderSize), 99, &record);
      ASSERT_TRUE(s.is_corruption()) << "byte " << i << " bit " << bit << ": " << s.to_string();
      EXPECT_EQ(s.offset(), 99u);
    }
  }
}

TEST(LogFormat, UnknownTypeIsCorruptionAtTheRecordOffset) {
  std::string encoded = encode_record(RecordType::kPut, "k", "v");
  encoded[kTypeOffset] = 7;
  RecordHeader h;
  Status s = decode_header(encoded, 1234, &h);
  EXPECT_EQ(s.to_string(), "corruption at offset 1234: unknown record type 7");
}

TEST(LogFormat, AbsurdLengthIsCorruption) {
  std::string encoded = encode_record(RecordType::kPut, "k", "v");
  encoded[kValueSizeOffset + 3] = '\x7F';
  RecordHeader h;
  EXPECT_TRUE(decode_header(encoded, 0, &h).is_corruption());
}

TEST(LogFormat, ShortHeaderIsTruncation) {
  RecordHeader h;
  Status s = decode_header(std::string(kHeaderSize - 1, '\x01'), 5, &h);
  EXPECT_EQ(s.to_string(), "corruption at offset 5: truncated record header");
}

TEST(LogFormat, ShortBodyIsTruncation) {
  std::string encoded = encode_record(RecordType::kPut, "key", "value");
  std::string_view view(encoded);
  Record record;
  Status s = decode_record(view.substr(0, kHeaderSize), view.substr(kHeaderSize, 4), 0, &record);
  EXPECT_EQ(s.to_string(), "corruption at offset 0: truncated record");
}

TEST(LogFormat, OversizedKeyIsInvalidArgument) {
  std::string key(kMaxKeySize + 1, 'k');
  EXPECT_EQ(check_record_args(RecordType::kPut, key, "").code(), Status::kInvalidArgument);
  EXPECT_TRUE(check_record_args(RecordType::kPut, std::string(kMaxKeySize, 'k'), "").ok());
  EXPECT_EQ(check_record_args(RecordType::kDelete, "k", "v").code(), Status::kInvalidArgument);
}

TEST(StatusTest, ToStringNamesCodeOffsetAndReason) {
  EXPECT_EQ(Status::ok_status().to_string(), "ok");
  EXPECT_EQ(Status::not_found().to_string(), "not found");
  EXPECT_EQ(Status::corruption(42, "checksum mismatch").to_string(),
            "corruption at offset 42: checksum mismatch");
  EXPECT_EQ(Status::io_error("pread x: EIO").to_string(), "io error: pread x: EIO");
  EXPECT_EQ(Status::invalid_argument("bad").to_string(), "invalid argument: bad");
  EXPECT_EQ(Status::corruption(42, "x").code(), StatusCode::kCorruption);
  EXPECT_EQ(Status::corruption(42, "x").offset(), 42u);
}

}  // namespace
}  // namespace interleave::store
