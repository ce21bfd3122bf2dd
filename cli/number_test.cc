// The strict number parser behind every numeric flag (cli/number.h).
#include "cli/number.h"

#include <cstdint>
#include <limits>
#include <string>

#include "cli/commands.h"
#include "gtest/gtest.h"

namespace interleave::cli {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();

// The message of the UsageError `parse` throws, or "" when it throws none.
template <class F>
std::string rejection(F parse) {
  try {
    parse();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(StrictNumber, AWholeNumberIsAllDigitsWithinItsRange) {
  EXPECT_EQ(parse_whole("--seed", "0", 0, kU64Max), 0u);
  EXPECT_EQ(parse_whole("--seed", "18446744073709551615", 0, kU64Max), kU64Max);
  EXPECT_EQ(parse_whole_number<int>("--jobs", "64", 1, 64), 64);
  EXPECT_EQ(parse_whole_number<int>("--jobs", "007", 1, 64), 7);
}

TEST(StrictNumber, ASignedOrOverlongOrPartlyNumericValueIsRejected) {
  for (const char* text : {"-1", "+1", "", " 1", "1 ", "1x", "0x10", "1e3", "1.0",
                           "18446744073709551616", "12345678901234567890123"}) {
    EXPECT_EQ(rejection([&] { parse_whole("--seed", text, 0, kU64Max); }),
              std::string("--seed: '") + text + "' is not a whole number from 0 to 2^64-1")
        << text;
  }
}

TEST(StrictNumber, AValueOutOfRangeNamesTheFlagAndTheRange) {
  EXPECT_EQ(rejection([] { parse_whole_number<int>("--jobs", "65", 1, 64); }),
            "--jobs: '65' is not a whole number from 1 to 64");
  EXPECT_EQ(rejection([] { parse_whole_number<int>("--jobs", "0", 1, 64); }),
            "--jobs: '0' is not a whole number from 1 to 64");
  EXPECT_EQ(describe_whole_range(1, std::numeric_limits<std::uint32_t>::max()),
            "a whole number from 1 to 2^32-1");
  EXPECT_EQ(describe_whole_range(0, std::numeric_limits<int>::max()),
            "a whole number from 0 to 2^31-1");
}

TEST(StrictNumber, SecondsArePositiveAndFinite) {
  EXPECT_EQ(parse_seconds("--time-limit", "2"), 2.0);
  EXPECT_EQ(parse_seconds("--time-limit", "0.5"), 0.5);
  EXPECT_EQ(parse_seconds("--time-limit", ".5"), 0.5);
  EXPECT_EQ(parse_seconds("--time-limit", "1e-3"), 1e-3);
  for (const char* text : {"nan", "NaN", "inf", "infinity", "-1", "-0", "0", "0.0", "+1", "",
                           "1e400", "1e-400", "1s", " 1", "0x1p3"}) {
    EXPECT_EQ(rejection([&] { parse_seconds("--time-limit", text); }),
              std::string("--time-limit: '") + text + "' is not a positive number of seconds")
        << text;
  }
}

TEST(StrictNumber, ARejectedValueIsEchoedPrintableAndCapped) {
  const std::string message =
      rejection([] { parse_whole("--seed", "\x1b[31m" + std::string(131'072, '9'), 0, 9); });
  EXPECT_NE(message.find("'\\x1b[31m999"), std::string::npos) << message;
  EXPECT_NE(message.find("... (131077 bytes)'"), std::string::npos) << message;
  EXPECT_LT(message.size(), 200u);
}

}  // namespace
}  // namespace interleave::cli
