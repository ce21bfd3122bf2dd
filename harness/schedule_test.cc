#include <cctype>
#include <cstdio>

#include "gtest/gtest.h"
// gtest must come before rapidcheck/gtest.h
#include <algorithm>

#include "harness/schedule.h"
#include "harness/trace.h"
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

// `body` with its correct checksum appended: a token whose fields alone decide whether it parses.
std::string with_check(const std::string& body) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", token_check(body));
  return body + ":" + hex;
}

TEST(ScheduleToken, FieldsAreValidatedEvenWithAMatchingChecksum) {
  expect_rejected(with_check("I1:s:v:threads:a2:a1"), "bad decisions");  // count 1 is not canonical
  expect_rejected(with_check("I1:s:v:threads:a2:a#"), "bad decisions");
  expect_rejected(with_check("I1:s:v:threads:2a:ab"), "bad sizes");
  expect_rejected(with_check("I1::v:threads:a2:ab"), "empty");
  expect_rejected(with_check("I1:s:v:threads:a2:a99999999999"), "bad decisions");
}

TEST(ScheduleToken, TokenWithAnUnknownSizeLetterIsRejected) {
  expect_rejected(with_check("I1:s:v:threads:a2o2x1:ab"), "unknown size letter 'x'");
  expect_rejected(with_check("I1:s:v:threads:A2:ab"), "unknown size letter 'A'");
  Schedule parsed;
  std::string error;
  EXPECT_TRUE(parse_token(with_check("I1:s:v:mixed:a4o2p2:ab"), &parsed, &error)) << error;
}

TEST(ScheduleToken, TokenWithARepeatedSizeLetterIsRejected) {
  expect_rejected(with_check("I1:s:v:threads:a2o2a3:ab"), "size letter 'a' given twice");
  expect_rejected(with_check("I1:s:v:mixed:a4p2o2p2:ab"), "size letter 'p' given twice");
}

TEST(ScheduleToken, TokenWithAnUppercaseOrShortChecksumIsRejected) {
  const std::string good = encode_token(example());
  std::string upper = good;
  for (std::size_t i = upper.rfind(':') + 1; i < upper.size(); ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  }
  ASSERT_NE(upper, good) << "the example's checksum has a hex letter";
  expect_rejected(upper, "bad checksum");
  const std::string body = good.substr(0, good.rfind(':'));
  expect_rejected(body + ":" + good.substr(good.rfind(':') + 2), "bad checksum");   // 7 digits
  expect_rejected(body + ":0" + good.substr(good.rfind(':') + 1), "bad checksum");  // 9 digits
  expect_rejected(body + ":+" + good.substr(good.rfind(':') + 2), "bad checksum");
}

TEST(ScheduleToken, TokenInAnythingButTheCanonicalFormIsRejected) {
  expect_rejected(with_check("I1:s:v:threads:a02o2:ab"), "leading zeros");
  expect_rejected(with_check("I1:s:v:threads:a2o2:a02b"), "bad decisions");
  expect_rejected(with_check("I1:s:v:threads:a2o2:aab"), "bad decisions");  // "a2b" is canonical
  expect_rejected(with_check("I1:s:v:threads:a2o2:a2a3"), "bad decisions");
}

TEST(ScheduleToken, RejectionsQuoteInputAsPrintableTextOfBoundedLength) {
  Schedule parsed;
  std::string error;
  for (const std::string& token :
       {std::string("\x1b[2J\n\x07"), with_check("I1:s:v:threads:a2\x1b[31m:ab"),
        with_check("I1:s:v:threads:" + std::string(100'000, 'a') + ":ab")}) {
    ASSERT_FALSE(parse_token(token, &parsed, &error));
    EXPECT_LE(error.size(), 200u) << error.substr(0, 300);
    for (char c : error) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f)
          << "byte " << int(static_cast<unsigned char>(c)) << " in " << error;
    }
  }
}

RC_GTEST_PROP(ScheduleToken, AnyScheduleRoundTrips, ()) {
  Schedule s = example();
  s.decisions = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, kMaxTokenActors));
  Schedule parsed;
  std::string error;
  RC_ASSERT(parse_token(encode_token(s), &parsed, &error));
  RC_ASSERT(parsed == s);
}

// The canonical form: whatever body a token has, if it parses, encoding the result gives it back.
RC_GTEST_PROP(ScheduleToken, ATokenThatParsesReencodesToItself, ()) {
  const std::string fields = *rc::gen::container<std::string>(
      rc::gen::element('a', 'b', 'o', 'p', 'x', 'A', '0', '1', '2', '9', ':'));
  const std::string token = with_check("I1:s:v:threads:" + fields);
  Schedule parsed;
  std::string error;
  if (parse_token(token, &parsed, &error)) RC_ASSERT(encode_token(parsed) == token);
}

TEST(Swimlanes, ALongTraceShowsItsHeadAndTailAndSaysWhatItLeavesOut) {
  Trace trace(100'000);
  for (std::size_t i = 0; i < trace.size(); ++i) {
    trace[i].index = static_cast<std::uint32_t>(i);
    trace[i].actor = static_cast<int>(i % 2);
    trace[i].label = "spin";
  }
  const std::string text = render_swimlanes(trace, 2);
  EXPECT_LT(std::count(text.begin(), text.end(), '\n'), 410);
  EXPECT_NE(text.find("99600 steps not shown"), std::string::npos);
  EXPECT_NE(text.find("99999"), std::string::npos);  // the last step is shown
}

TEST(Swimlanes, OnlyActorsThatMadeAStepHaveAColumn) {
  Trace trace(2);
  trace[0].actor = 1;
  trace[0].label = "read";
  trace[1].index = 1;
  trace[1].actor = 7;
  trace[1].label = "write";
  const std::string text = render_swimlanes(trace, 9);
  EXPECT_EQ(text.find("actor 0"), std::string::npos);
  EXPECT_NE(text.find("actor 1"), std::string::npos);
  EXPECT_NE(text.find("actor 7"), std::string::npos);
  // actor 7's step is in the second column, right after actor 1's.
  const std::size_t line = text.find("write");
  const std::size_t start = text.rfind('\n', line) + 1;
  EXPECT_EQ(line - start, 7 + 40u);
  // Titles, where given, name the actors (an exec'd program's by worker and thread).
  std::vector<std::string> names(9);
  names[7] = "actor 7 (w1 thread#3)";
  EXPECT_NE(render_swimlanes(trace, 9, names).find("actor 7 (w1 thread#3)"), std::string::npos);
}

TEST(Swimlanes, ACrashStepHasAColumnAfterTheActors) {
  Trace trace(2);
  trace[0].actor = 0;
  trace[0].label = "write";
  trace[1].index = 1;
  trace[1].actor = 2 + 1;  // the scheduler numbers a crash past the actors (2 here)
  trace[1].label = "crash of actor 1";
  const std::string text = render_swimlanes(trace, 2);
  const std::size_t line = text.find("crash of actor 1");
  ASSERT_NE(line, std::string::npos);
  EXPECT_EQ(line - (text.rfind('\n', line) + 1), 7 + 40u);  // after actor 0's column
}

}  // namespace
}  // namespace interleave
