// Echoing input in a one-line message without letting it harm the terminal or the line: the one
// place that decides how untrusted text (a flag value, a token field, a file name) is quoted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "fmt/format.h"

namespace interleave {

// The longest echo of one piece of input, in characters of the result.
inline constexpr std::size_t kEchoLimit = 80;

// `text` fit to quote in a one-line message. Every byte outside printable ASCII (control bytes such
// as ESC and newline, DEL, bytes >= 0x80) is written as \xNN. When the result would be longer than
// `limit` characters, it stops before that, and "... (N bytes)" follows, N being text's length.
// Holds: the result contains only printable ASCII and has at most limit + 32 characters.
inline std::string printable(std::string_view text, std::size_t limit = kEchoLimit) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const std::string piece = byte >= 0x20 && byte < 0x7f ? std::string(1, static_cast<char>(byte))
                                                          : fmt::format("\\x{:02x}", byte);
    if (out.size() + piece.size() > limit) {
      return fmt::format("{}... ({} bytes)", out, text.size());
    }
    out += piece;
  }
  return out;
}

// `text` of several lines (a command's output) fit to print: each line as printable() writes it
// (terminal escape sequences and binary bytes as \xNN, each line cut at `line_limit`), the line
// breaks kept.
inline std::string printable_lines(std::string_view text, std::size_t line_limit = 400) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += printable(text.substr(start, end - start), line_limit);
    if (end == text.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace interleave
