#include "store/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace interleave::store {
namespace {

TEST(Crc32c, Crc32cMatchesKnownVector) { EXPECT_EQ(crc32c("123456789"), 0xE3069283u); }

// Vectors from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32c, Crc32cMatchesRfc3720Vectors) {
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  std::string descending;
  for (int i = 31; i >= 0; --i) descending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32c, Crc32cOfNothingIsZero) { EXPECT_EQ(crc32c(""), 0u); }

TEST(Crc32c, Crc32cExtendsAcrossEverySplit) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const std::uint32_t whole = crc32c(data);
  for (std::size_t split = 0; split <= data.size(); ++split) {
    std::string_view view(data);
    EXPECT_EQ(crc32c(view.substr(split), crc32c(view.substr(0, split))), whole) << split;
  }
}

TEST(Crc32c, Crc32cChangesWhenAnyBitFlips) {
  std::string data = "the quick brown fox jumps over the lazy dog";
  const std::uint32_t original = crc32c(data);
  for (std::size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = data;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      EXPECT_NE(crc32c(flipped), original) << "byte " << i << " bit " << bit;
    }
  }
}

}  // namespace
}  // namespace interleave::store
