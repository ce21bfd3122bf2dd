#include "gtest/gtest.h"
// gtest must come before rapidcheck/gtest.h
#include "harness/schedule.h"
#include "rapidcheck/gtest.h"

namespace interleave {
namespace {

Schedule example() {
  return Schedule{"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0, 0, 0, 1, 1, 0}};
}

TEST(ScheduleToken, EncodesFieldsAndRunLengthDecisions) {
  const std::string token = encode_token(example());
  EXPECT_EQ(token.substr(0, token.size() - 8), "I1:lost-update:unlocked:threads:a2o2:a3b2a:");
}

TEST(ScheduleToken, RoundTripsExactly) {
  Schedule parsed;
  std::string error;
  ASSERT_TRUE(parse_token(encode_token(example()), &parsed, &error)) << error;
  EXPECT_EQ(parsed, example());
  EXPECT_EQ(parsed.size('a', 0), 2u);
  EXPECT_EQ(parsed.size('p', 9), 9u);
}

TEST(ScheduleToken, ActorsBeyondTwentySixUseUpperCase) {
  Schedule s = example();
  s.decisions = {25, 26, 51, 51};
  const std::string token = encode_token(s);
  EXPECT_NE(token.find(":zAZ2:"), std::string::npos) << token;
  Schedule parsed;
  std::string error;
  ASSERT_TRUE(parse_token(token, &parsed, &error)) << error;
  EXPECT_EQ(parsed.decisions, s.decisions);
}

void expect_rejected(const std::string& token, const std::string& reason_part) {
  Schedule parsed;
  std::string error;
  EXPECT_FALSE(parse_token(token, &parsed, &error)) << token;
  EXPECT_NE(error.find(reason_part), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "errors are one line";
}

TEST(ScheduleToken, MalformedTokensAreRejectedWithAReason) {
  const std::string good = encode_token(example());
  expect_rejected("", "must start with 'I1:'");
  expect_rejected("I2:x", "must start with 'I1:'");
  expect_rejected("I1:a:b:c", "expected 7");
  std::string flipped = good;
  flipped[flipped.find("a3b2a")] = 'b';
  expect_rejected(flipped, "bad checksum");
  expect_rejected(good.substr(0, good.size() - 1), "bad checksum");
}

TEST(ScheduleToken, FieldsAreValidatedEvenWithAMatchingChecksum) {
  Schedule s = example();
  std::string token = encode_token(s);
  // Re-encode by hand with a bad decisions field and a correct checksum.
  auto with_body = [](const std::string& body) {
    std::uint32_t h = 2166136261u;
    for (unsigned char c : body) {
      h ^= c;
      h *= 16777619u;
    }
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", h);
    return body + ":" + hex;
  };
  expect_rejected(with_body("I1:s:v:threads:a2:a1"), "bad decisions");  // count 1 is not canonical
  expect_rejected(with_body("I1:s:v:threads:a2:a#"), "bad decisions");
  expect_rejected(with_body("I1:s:v:threads:2a:ab"), "bad sizes");
  expect_rejected(with_body("I1::v:threads:a2:ab"), "empty");
  expect_rejected(with_body("I1:s:v:threads:a2:a99999999999"), "bad decisions");
}

RC_GTEST_PROP(ScheduleToken, AnyScheduleRoundTrips, ()) {
  Schedule s = example();
  s.decisions = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, kMaxTokenActors));
  Schedule parsed;
  std::string error;
  RC_ASSERT(parse_token(encode_token(s), &parsed, &error));
  RC_ASSERT(parsed == s);
}

}  // namespace
}  // namespace interleave
