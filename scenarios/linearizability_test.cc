// Tests of the linearizability checker: hand-written histories with known verdicts, then properties
// over histories generated from random sequential programs run against a std::map model.
#include "scenarios/linearizability.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "gtest/gtest.h"
#include "rapidcheck/gtest.h"

namespace interleave::scenarios {
namespace {

using store::Status;

Op make(int actor, OpKind kind, std::string key, std::string input, std::string output,
        std::uint64_t invoked, std::uint64_t returned, Status status = Status::ok_status()) {
  Op op;
  op.actor = actor;
  op.kind = kind;
  op.key = std::move(key);
  op.input = std::move(input);
  op.output = std::move(output);
  op.status = std::move(status);
  op.invoked_at = invoked;
  op.returned_at = returned;
  return op;
}
Op put(int a, std::string k, std::string v, std::uint64_t i, std::uint64_t r) {
  return make(a, OpKind::kPut, std::move(k), std::move(v), "", i, r);
}
// A get returning `v`, or not_found when v is nullopt.
Op get(int a, std::string k, std::optional<std::string> v, std::uint64_t i, std::uint64_t r) {
  return make(a, OpKind::kGet, std::move(k), "", v.value_or(""), i, r,
              v ? Status::ok_status() : Status::not_found());
}
Op del(int a, std::string k, std::uint64_t i, std::uint64_t r) {
  return make(a, OpKind::kDel, std::move(k), "", "", i, r);
}
Op inc(int a, std::string k, std::int64_t delta, std::int64_t result, std::uint64_t i,
       std::uint64_t r) {
  return make(a, OpKind::kIncrement, std::move(k), std::to_string(delta), std::to_string(result), i,
              r);
}
Op failed(Op op, Status status) {
  op.status = std::move(status);
  op.output.clear();
  return op;
}

// Checks a temporary history: the result's `ops` dangle (tests that read them keep the History).
LinearizabilityResult check(std::vector<Op> ops) { return check_linearizable(History{ops}); }

TEST(Linearizability, SequentialHistoryIsLinearizable) {
  const auto r = check({put(0, "a", "1", 1, 2), get(0, "a", "1", 3, 4), del(1, "a", 5, 6),
                        get(1, "a", std::nullopt, 7, 8), inc(0, "a", 5, 5, 9, 10)});
  EXPECT_TRUE(r.linearizable) << r.message << "\n" << r.timeline;
  EXPECT_TRUE(r.key.empty());
}

TEST(Linearizability, GetOverlappingAPutMayReadEitherValue) {
  EXPECT_TRUE(
      check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 6), get(1, "a", "1", 4, 5)}).linearizable);
  EXPECT_TRUE(
      check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 6), get(1, "a", "2", 4, 5)}).linearizable);
}

TEST(Linearizability, ConcurrentIncrementsReturningDistinctValuesAreLinearizable) {
  const auto r =
      check({inc(0, "c", 1, 2, 1, 4), inc(1, "c", 1, 1, 2, 3), inc(2, "c", 10, 12, 5, 6)});
  EXPECT_TRUE(r.linearizable) << r.message;
}

TEST(Linearizability, LostUpdateIsRejected) {
  const auto r = check({inc(0, "c", 1, 1, 1, 3), inc(1, "c", 1, 1, 2, 4)});
  EXPECT_FALSE(r.linearizable);
  EXPECT_FALSE(r.stale_read);
  EXPECT_EQ(r.key, "c");
  EXPECT_NE(r.message.find("lost update"), std::string::npos) << r.message;
}

TEST(Linearizability, TornReadOfANeverWrittenValueIsRejected) {
  const auto r = check({put(0, "a", "AAAA", 1, 4), get(1, "a", "AABB", 2, 3)});
  EXPECT_FALSE(r.linearizable);
  EXPECT_FALSE(r.stale_read);
  EXPECT_NE(r.message.find("torn read"), std::string::npos) << r.message;
}

TEST(Linearizability, StaleReadIsRejectedAndNamed) {
  const auto r = check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 4), get(1, "a", "1", 5, 6)});
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(r.stale_read) << r.message;
  EXPECT_EQ(r.ops.size(), 3u);
  EXPECT_NE(r.message.find("stale"), std::string::npos) << r.message;
  EXPECT_NE(r.timeline.find("*get 1"), std::string::npos) << r.timeline;
}

TEST(Linearizability, ReadingAValueWrittenAgainLaterIsNotStale) {
  const auto r = check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 4), put(2, "a", "1", 5, 8),
                        get(1, "a", "1", 6, 7)});
  EXPECT_TRUE(r.linearizable) << r.message;
}

TEST(Linearizability, ReadOfADeletedKeysOldValueIsStale) {
  const auto r = check({put(0, "a", "1", 1, 2), del(0, "a", 3, 4), get(1, "a", "1", 5, 6)});
  EXPECT_FALSE(r.linearizable);
  EXPECT_TRUE(r.stale_read) << r.message;
}

TEST(Linearizability, CorruptionGetIsRejected) {
  const auto r = check({put(0, "a", "1", 1, 2),
                        failed(get(1, "a", "1", 3, 4), Status::corruption(21, "bad checksum"))});
  EXPECT_FALSE(r.linearizable);
  EXPECT_NE(r.message.find("corruption"), std::string::npos) << r.message;
}

TEST(Linearizability, GetThatFailedWithIoErrorConstrainsNothing) {
  const auto r = check(
      {put(0, "a", "1", 1, 2), failed(get(1, "a", "9", 3, 4), Status::io_error("read: EIO"))});
  EXPECT_TRUE(r.linearizable) << r.message;
}

TEST(Linearizability, FailedPutMayOrMayNotHaveTakenEffect) {
  const Op bad = failed(put(0, "a", "2", 3, 4), Status::io_error("write: ENOSPC"));
  EXPECT_TRUE(check({put(0, "a", "1", 1, 2), bad, get(1, "a", "1", 5, 6)}).linearizable);
  EXPECT_TRUE(check({put(0, "a", "1", 1, 2), bad, get(1, "a", "2", 5, 6)}).linearizable);
  // Once a later get saw it take effect, it cannot be undone.
  EXPECT_FALSE(check({put(0, "a", "1", 1, 2), bad, get(1, "a", "2", 5, 6), get(1, "a", "1", 7, 8)})
                   .linearizable);
}

TEST(Linearizability, FailedIncrementOnANonIntegerTakesNoEffect) {
  const Op bad = failed(inc(0, "a", 1, 0, 3, 4), Status::invalid_argument("not an integer"));
  EXPECT_TRUE(check({put(0, "a", "x", 1, 2), bad, get(1, "a", "x", 5, 6)}).linearizable);
}

TEST(Linearizability, PendingWriteMayTakeEffectAnyTimeAfterItsInvocation) {
  EXPECT_TRUE(check({put(0, "a", "1", 1, 2), put(0, "a", "2", 3, 0), get(1, "a", "1", 4, 5),
                     get(1, "a", "2", 9, 10)})
                  .linearizable);
  EXPECT_TRUE(check({put(0, "a", "1", 1, 2), inc(0, "a", 1, 0, 3, 0), get(1, "a", "1", 9, 10)})
                  .linearizable);
  // ... but not before it was invoked.
  EXPECT_FALSE(check({get(1, "a", "2", 1, 2), put(0, "a", "2", 3, 0)}).linearizable);
}

TEST(Linearizability, PendingGetConstrainsNothing) {
  EXPECT_TRUE(check({put(0, "a", "1", 1, 2), get(1, "a", "7", 3, 0)}).linearizable);
}

TEST(Linearizability, TheSmallestFailingKeyIsNamed) {
  const History h{{put(0, "z", "1", 1, 2), get(1, "z", "2", 3, 4), put(0, "a", "1", 5, 6),
                   get(1, "a", "1", 7, 8), inc(0, "m", 1, 1, 9, 11), inc(1, "m", 1, 1, 10, 12)}};
  const auto r = check_linearizable(h);
  EXPECT_FALSE(r.linearizable);
  EXPECT_EQ(r.key, "m");
  ASSERT_EQ(r.ops.size(), 2u);
  EXPECT_TRUE(std::all_of(r.ops.begin(), r.ops.end(), [](const Op* o) { return o->key == "m"; }));
  EXPECT_NE(r.message.find("key m"), std::string::npos) << r.message;
}

TEST(Linearizability, TimelineHasOneRowPerActor) {
  const auto r = check({inc(0, "c", 1, 1, 1, 3), inc(1, "c", 1, 1, 2, 4), get(2, "c", "1", 5, 0)});
  ASSERT_FALSE(r.linearizable);
  EXPECT_NE(r.timeline.find("actor 0"), std::string::npos) << r.timeline;
  EXPECT_NE(r.timeline.find("actor 1"), std::string::npos) << r.timeline;
  EXPECT_NE(r.timeline.find("[inc +1 =1"), std::string::npos) << r.timeline;
  EXPECT_NE(r.timeline.find("[get ?"), std::string::npos) << r.timeline;
}

// --- Properties -------------------------------------------------------------------------------

// A history of a random sequential program on keys k0..k3 run against a std::map: operation i
// takes effect at time 4i+2; with `overlap`, its invocation and response spread around that point
// (so concurrent operations overlap but real-time order stays consistent with the program order).
// Some writes fail or never return, and take effect or not at random.
History sequential_history(bool overlap) {
  const int n = *rc::gen::inRange(1, 40);
  const int keys = *rc::gen::inRange(1, 5);
  std::map<std::string, std::string> model;
  History h;
  for (int i = 0; i < n; ++i) {
    const auto kind = static_cast<OpKind>(*rc::gen::inRange(0, 4));
    const std::string key = "k" + std::to_string(*rc::gen::inRange(0, keys));
    const std::uint64_t at = 4 * static_cast<std::uint64_t>(i) + 2;
    const std::uint64_t back = overlap ? *rc::gen::inRange<std::uint64_t>(1, 12) : 1;
    const std::uint64_t fwd = overlap ? *rc::gen::inRange<std::uint64_t>(1, 12) : 1;
    Op op = make(i % 4, kind, key, "", "", at > back ? at - back : 1, at + fwd);
    const int fate = kind == OpKind::kGet ? 0 : *rc::gen::inRange(0, 10);  // 0-7 ok, 8 fail, 9 pend
    const bool effect = fate < 8 || *rc::gen::arbitrary<bool>();
    if (fate == 8) op.status = Status::io_error("injected");
    if (fate == 9) op.returned_at = 0;
    const auto it = model.find(key);
    if (kind == OpKind::kGet) {
      op.status = it == model.end() ? Status::not_found() : Status::ok_status();
      op.output = it == model.end() ? "" : it->second;
    } else if (kind == OpKind::kPut) {
      op.input = std::to_string(*rc::gen::inRange(0, 5));
      if (effect) model[key] = op.input;
    } else if (kind == OpKind::kDel) {
      if (effect) model.erase(key);
    } else {
      const std::int64_t delta = *rc::gen::inRange(-2, 3);
      op.input = std::to_string(delta);
      const std::int64_t now = (it == model.end() ? 0 : std::stoll(it->second)) + delta;
      if (fate < 8) op.output = std::to_string(now);
      if (effect) model[key] = std::to_string(now);
    }
    h.ops.push_back(op);
  }
  return h;
}

// Runs `property` for at least `cases` cases (RC_GTEST_PROP stops at RC_PARAMS' max_success,
// 100 by default). The seed and other parameters still come from RC_PARAMS.
template <typename Property>
void check_at_least(int cases, Property property) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.maxSuccess = std::max(params.maxSuccess, cases);
  const auto result = rc::detail::checkTestable(property, metadata, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    if (!result.template get<rc::detail::SuccessResult>().distribution.empty()) {
      rc::detail::printResultMessage(result, std::cout);
      std::cout << "\n";
    }
  } else {
    std::ostringstream out;
    rc::detail::printResultMessage(result, out);
    FAIL() << out.str();
  }
}

TEST(LinearizabilityProperty, SequentialProgramsAreAccepted) {
  check_at_least(300, [] {
    const History h = sequential_history(false);
    const auto r = check_linearizable(h);
    RC_ASSERT(r.linearizable);
  });
}

TEST(LinearizabilityProperty, SequentialProgramsWithOverlapsAreAccepted) {
  check_at_least(300, [] {
    const History h = sequential_history(true);
    const auto r = check_linearizable(h);
    RC_ASSERT(r.linearizable);
  });
}

TEST(LinearizabilityProperty, AGetOfANeverWrittenValueIsRejected) {
  check_at_least(300, [] {
    History h = sequential_history(*rc::gen::arbitrary<bool>());
    h.ops.push_back(get(0, "fresh", std::nullopt, 1000, 1001));  // guarantees a get
    std::vector<std::size_t> gets;
    for (std::size_t i = 0; i < h.ops.size(); ++i) {
      if (h.ops[i].kind == OpKind::kGet) gets.push_back(i);
    }
    Op& g = h.ops[*rc::gen::elementOf(gets)];
    g.status = Status::ok_status();
    g.output = "never-written";
    const auto r = check_linearizable(h);
    RC_ASSERT(!r.linearizable);
    RC_ASSERT(r.key == g.key);
    RC_ASSERT(!r.stale_read);
  });
}

// The definition, by brute force: some order of all of `ops` that respects real time (a before b
// when a returned before b was invoked), with each failed or pending write taking effect or not,
// explains every result. Exponential: for a handful of operations on one key.
bool brute_force(std::vector<Op> ops, std::optional<std::string> value) {
  if (ops.empty()) return true;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op o = ops[i];
    const bool ready = std::none_of(ops.begin(), ops.end(), [&](const Op& p) {
      return p.returned_at != 0 && p.returned_at < o.invoked_at;
    });
    if (!ready) continue;
    const bool done = o.returned_at != 0;
    std::vector<std::optional<std::string>> next;  // the values `o` may leave
    if (o.kind == OpKind::kGet) {
      if (!done || (!o.status.ok() && !o.status.is_not_found() && !o.status.is_corruption()) ||
          (o.status.ok() && value == o.output) || (o.status.is_not_found() && !value))
        next.push_back(value);
    } else {
      const bool sure = done && o.status.ok();
      if (!sure) next.push_back(value);
      if (o.kind == OpKind::kPut) next.push_back(o.input);
      if (o.kind == OpKind::kDel) next.push_back(std::nullopt);
      if (o.kind == OpKind::kIncrement) {
        const std::string sum =
            std::to_string(std::stoll(value.value_or("0")) + std::stoll(o.input));
        if (!sure || sum == o.output) next.push_back(sum);
      }
    }
    ops.erase(ops.begin() + static_cast<long>(i));
    for (const auto& v : next) {
      if (brute_force(ops, v)) return true;
    }
    ops.insert(ops.begin() + static_cast<long>(i), o);
  }
  return false;
}

// A random history of up to 7 operations on one key, with results drawn at random (so about half
// are not linearizable), some failed or pending.
History random_small_history() {
  const int n = *rc::gen::inRange(1, 8);
  History h;
  for (int i = 0; i < n; ++i) {
    const auto kind = static_cast<OpKind>(*rc::gen::inRange(0, 4));
    const std::uint64_t invoked = *rc::gen::inRange<std::uint64_t>(1, 20);
    const std::uint64_t returned = invoked + *rc::gen::inRange<std::uint64_t>(1, 8);
    const std::string v = std::to_string(*rc::gen::inRange(0, 3));
    Op op = kind == OpKind::kPut   ? put(i, "a", v, invoked, returned)
            : kind == OpKind::kDel ? del(i, "a", invoked, returned)
            : kind == OpKind::kGet
                ? get(i, "a", *rc::gen::inRange(0, 4) == 0 ? std::nullopt : std::optional(v),
                      invoked, returned)
                : inc(i, "a", 1, std::stoll(v), invoked, returned);
    const int fate = *rc::gen::inRange(0, 12);
    if (fate == 0) op = failed(op, Status::io_error("injected"));
    if (fate == 1) op.returned_at = 0;
    if (fate == 2 && kind == OpKind::kGet) op = failed(op, Status::corruption(0, "torn"));
    h.ops.push_back(op);
  }
  return h;
}

TEST(LinearizabilityProperty, AgreesWithBruteForceOnSmallHistories) {
  check_at_least(500, [] {
    const History h = random_small_history();
    const bool expected = brute_force(h.ops, std::nullopt);
    RC_CLASSIFY(expected, "linearizable");
    RC_CLASSIFY(!expected, "not linearizable");
    RC_ASSERT(check_linearizable(h).linearizable == expected);
  });
}

}  // namespace
}  // namespace interleave::scenarios
