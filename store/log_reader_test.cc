#include "store/log_reader.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/testutil.h"

namespace interleave::store {
namespace {

using testing::TempDir;

std::unique_ptr<File> open_file(const TempDir& dir, bool o_append = false) {
  std::unique_ptr<File> file;
  Status s = open_posix_file(dir.path() / "log", o_append, &file);
  EXPECT_TRUE(s.ok()) << s.to_string();
  return file;
}

// Record i of a deterministic sequence of varied sizes (empty, one chunk, many chunks).
Record record_number(int i) {
  RecordType type = i % 7 == 3 ? RecordType::kDelete : RecordType::kPut;
  std::string key = "key" + std::to_string(i);
  std::string value = type == RecordType::kDelete
                          ? ""
                          : std::string((i * 37) % 500, static_cast<char>('a' + i % 26));
  return Record{type, key, value};
}

std::vector<std::pair<std::uint64_t, Record>> scan_all(File& file, std::uint64_t from,
                                                       RecoveryReport* report) {
  std::vector<std::pair<std::uint64_t, Record>> out;
  *report = scan_log(file, from,
                     [&out](std::uint64_t off, const Record& r) { out.emplace_back(off, r); });
  return out;
}

TEST(LogReader, RoundTripOfManyRecords) {
  TempDir dir;
  auto file = open_file(dir);
  std::vector<std::pair<std::uint64_t, Record>> written;
  std::uint64_t end = 0;
  for (int i = 0; i < 1000; ++i) {
    Record r = record_number(i);
    std::string bytes = encode_record(r.type, r.key, r.value);
    ASSERT_TRUE(file->write_at(end, bytes).ok());
    written.emplace_back(end, r);
    end += bytes.size();
  }
  RecoveryReport report;
  auto read = scan_all(*file, 0, &report);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.records, 1000u);
  EXPECT_EQ(report.valid_end, end);
  EXPECT_EQ(report.file_size, end);
  EXPECT_FALSE(report.truncated_tail);
  EXPECT_EQ(read, written);
  for (const auto& [off, r] : written) {
    Record got;
    ASSERT_TRUE(read_record(*file, off, &got).ok());
    EXPECT_EQ(got, r);
  }
}

TEST(LogReader, EmptyLogIsACleanEnd) {
  TempDir dir;
  auto file = open_file(dir);
  RecoveryReport report;
  EXPECT_TRUE(scan_all(*file, 0, &report).empty());
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.valid_end, 0u);
  EXPECT_FALSE(report.truncated_tail);
}

TEST(LogReader, ScanFromARecordBoundaryDeliversOnlyLaterRecords) {
  TempDir dir;
  auto file = open_file(dir, /*o_append=*/true);
  std::string first = encode_record(RecordType::kPut, "a", "1");
  ASSERT_TRUE(file->append(first).ok());
  ASSERT_TRUE(file->append(encode_record(RecordType::kPut, "b", "2")).ok());
  RecoveryReport report;
  auto read = scan_all(*file, first.size(), &report);
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].first, first.size());
  EXPECT_EQ(read[0].second.key, "b");
  EXPECT_EQ(report.records, 1u);
}

TEST(LogReader, PartialHeaderAtTheEndIsATruncatedTail) {
  TempDir dir;
  auto file = open_file(dir);
  std::string bytes = encode_record(RecordType::kPut, "a", "1");
  ASSERT_TRUE(file->write_at(0, bytes + bytes.substr(0, kHeaderSize - 1)).ok());
  RecoveryReport report;
  EXPECT_EQ(scan_all(*file, 0, &report).size(), 1u);
  EXPECT_TRUE(report.ok());
  EXPECT_TRUE(report.truncated_tail);
  EXPECT_EQ(report.valid_end, bytes.size());
  EXPECT_EQ(report.file_size, bytes.size() + kHeaderSize - 1);
}

TEST(LogReader, CompleteBadLastRecordIsCorruption) {
  TempDir dir;
  auto file = open_file(dir);
  std::string a = encode_record(RecordType::kPut, "a", "1");
  std::string b = encode_record(RecordType::kPut, "b", "2");
  b.back() = '3';
  ASSERT_TRUE(file->write_at(0, a + b).ok());
  RecoveryReport report;
  EXPECT_EQ(scan_all(*file, 0, &report).size(), 1u);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.corruption->to_string(),
            "corruption at offset " + std::to_string(a.size()) + ": checksum mismatch");
  EXPECT_EQ(report.valid_end, a.size());
}

TEST(LogReader, ReadRecordPastTheEndIsTruncationAtItsOffset) {
  TempDir dir;
  auto file = open_file(dir);
  std::string bytes = encode_record(RecordType::kPut, "key", std::string(100, 'v'));
  ASSERT_TRUE(file->write_at(0, bytes.substr(0, 50)).ok());
  Record r;
  EXPECT_EQ(read_record(*file, 0, &r).to_string(), "corruption at offset 0: truncated record");
  EXPECT_EQ(read_record(*file, 45, &r).to_string(),
            "corruption at offset 45: truncated record header");
}

TEST(PosixFile, ShortReadAtEndOfFileIsNotAnError) {
  TempDir dir;
  auto file = open_file(dir);
  ASSERT_TRUE(file->write_at(0, "hello").ok());
  std::string out = "junk";
  ASSERT_TRUE(file->read_at(3, 10, &out).ok());
  EXPECT_EQ(out, "lo");
  ASSERT_TRUE(file->read_at(100, 10, &out).ok());
  EXPECT_EQ(out, "");
}

TEST(PosixFile, WriteAtPastTheEndLeavesAHoleOfZeros) {
  TempDir dir;
  auto file = open_file(dir);
  ASSERT_TRUE(file->write_at(4, "x").ok());
  std::uint64_t size = 0;
  ASSERT_TRUE(file->size(&size).ok());
  EXPECT_EQ(size, 5u);
  EXPECT_EQ(testing::read_file(dir.path() / "log"), std::string("\0\0\0\0x", 5));
}

TEST(PosixFile, AppendModeAppendsAndRefusesPositionalWrites) {
  TempDir dir;
  auto file = open_file(dir, /*o_append=*/true);
  ASSERT_TRUE(file->append("ab").ok());
  ASSERT_TRUE(file->append("cd").ok());
  EXPECT_EQ(file->write_at(0, "zz").code(), Status::kInvalidArgument);
  ASSERT_TRUE(file->sync().ok());
  EXPECT_EQ(testing::read_file(dir.path() / "log"), "abcd");
  auto plain = open_file(dir);
  EXPECT_EQ(plain->append("x").code(), Status::kInvalidArgument);
  ASSERT_TRUE(plain->truncate(1).ok());
  EXPECT_EQ(testing::read_file(dir.path() / "log"), "a");
}

TEST(PosixFile, OpenInAMissingDirectoryIsAnIoError) {
  std::unique_ptr<File> file;
  Status s = open_posix_file("/nonexistent-dir-for-interleave/log", false, &file);
  EXPECT_EQ(s.code(), Status::kIoError);
  EXPECT_EQ(file, nullptr);
}

}  // namespace
}  // namespace interleave::store
