#include "harness/schedule.h"

#include <algorithm>
#include <charconv>

#include "fmt/format.h"
#include "harness/printable.h"
#include "harness/token_writer.h"

namespace interleave {
namespace {

constexpr std::string_view kVersion = "I1";

int actor_of(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 26;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A canonical decimal number: digits only, no leading zero, at most 2^32-1.
bool parse_u32(std::string_view text, std::uint32_t* out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

// The digits starting at text[i] (possibly none).
std::string_view digits_at(std::string_view text, std::size_t i) {
  std::size_t j = i;
  while (j < text.size() && is_digit(text[j])) ++j;
  return text.substr(i, j - i);
}

// Returns why the sizes field is wrong, or "" when it is well formed (then fills out->sizes).
std::string parse_sizes(std::string_view text, Schedule* out) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char letter = text[i++];
    if (kSizeLetters.find(letter) == std::string_view::npos) {
      return fmt::format("unknown size letter '{}' (known: a, o, p, c, m, w, t)",
                         printable(std::string_view(&letter, 1)));
    }
    if (std::any_of(out->sizes.begin(), out->sizes.end(),
                    [&](const auto& size) { return size.first == letter; })) {
      return fmt::format("size letter '{}' given twice", letter);
    }
    const std::string_view number = digits_at(text, i);
    std::uint32_t value;
    if (!parse_u32(number, &value)) {
      return fmt::format("size '{}' needs a number without leading zeros below 2^32", letter);
    }
    out->sizes.emplace_back(letter, value);
    i += number.size();
  }
  return "";
}

constexpr std::uint32_t kMaxDecisions = 1u << 24;

bool parse_decisions(std::string_view text, std::vector<int>* out) {
  std::size_t i = 0;
  int previous = -1;
  while (i < text.size()) {
    const int actor = actor_of(text[i++]);
    if (actor < 0 || actor == previous) return false;  // a repeated run is not canonical
    const std::string_view number = digits_at(text, i);
    std::uint32_t count = 1;
    if (!number.empty() && (!parse_u32(number, &count) || count < 2)) return false;
    if (out->size() + count > kMaxDecisions) return false;
    out->insert(out->end(), count, actor);
    previous = actor;
    i += number.size();
  }
  return true;
}

// Exactly 8 lowercase hex digits.
bool parse_check(std::string_view text, std::uint32_t* out) {
  if (text.size() != 8) return false;
  for (char c : text) {
    if (!is_digit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return true;
}

}  // namespace

std::uint32_t token_check(std::string_view body) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : body) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::uint32_t Schedule::size(char letter, std::uint32_t fallback) const {
  for (const auto& [l, v] : sizes) {
    if (l == letter) return v;
  }
  return fallback;
}

std::string token_prefix(const Schedule& schedule) {
  std::string prefix =
      fmt::format("{}:{}:{}:{}:", kVersion, schedule.scenario, schedule.store, schedule.mode);
  for (const auto& [letter, value] : schedule.sizes) prefix += fmt::format("{}{}", letter, value);
  return prefix + ':';
}

std::string encode_token(const Schedule& schedule) {
  struct StringBuffer {
    std::string text;
    void put(char c) { text += c; }
    const char* data() const { return text.data(); }
    std::size_t size() const { return text.size(); }
  };
  detail::TokenWriter<StringBuffer> writer;
  writer.append(token_prefix(schedule).c_str());
  for (int actor : schedule.decisions) writer.add(actor);
  writer.finish();
  return writer.buffer().text;
}

bool parse_token(std::string_view token, Schedule* out, std::string* error) {
  auto fail = [&](std::string reason) {
    *error = "malformed schedule token: " + reason;
    return false;
  };
  const auto parts = split(token, ':');
  if (parts.empty() || parts[0] != kVersion) {
    return fail(fmt::format("it must start with '{}:' (got '{}')", kVersion,
                            printable(token.substr(0, std::min<std::size_t>(token.size(), 12)))));
  }
  if (parts.size() != 7) {
    return fail(fmt::format("expected 7 ':'-separated fields, got {}", parts.size()));
  }
  const std::string_view body = token.substr(0, token.size() - parts[6].size() - 1);
  std::uint32_t check = 0;
  if (!parse_check(parts[6], &check) || check != token_check(body)) {
    return fail("bad checksum: the token was altered or cut short");
  }
  Schedule s;
  s.scenario = parts[1];
  s.store = parts[2];
  s.mode = parts[3];
  if (s.scenario.empty() || s.store.empty() || s.mode.empty()) {
    return fail("empty scenario, store or mode");
  }
  if (const std::string bad = parse_sizes(parts[4], &s); !bad.empty()) {
    return fail(fmt::format("bad sizes field '{}': {}", printable(parts[4]), bad));
  }
  if (!parse_decisions(parts[5], &s.decisions)) return fail("bad decisions field");
  *out = std::move(s);
  return true;
}

}  // namespace interleave
