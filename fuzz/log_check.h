// The log fuzzer's oracle: what recovery must do with arbitrary bytes as database.bin.
//
// check_log_input() writes the bytes as database.bin in a fresh data directory, scans them with
// scan_log(), and opens them with open_store() for every store variant. It checks:
//
//  scan_log
//   - the records delivered are contiguous from offset 0, each re-encodes to exactly the bytes at
//     its offset, and they end at valid_end <= file size;
//   - corruption: the status is kCorruption at an offset < file size that equals valid_end (every
//     record before it was delivered), and the bytes there really are bad (the header fails
//     decode_header(), or the complete record fails decode_record());
//   - truncated tail: valid_end < file size and the bytes from valid_end really are a partial
//     record (fewer than a header, or a valid header whose record runs past the end);
//   - otherwise the records end exactly at the end of the file;
//   - scanning from a delivered record's offset delivers the same suffix and the same end.
//  open_store (each variant)
//   - corruption iff the scan found it, at the same offset, with no store;
//   - otherwise ok, the recovery report equals the scan's, a truncated tail is cut off the file,
//     every key the log leaves live reads back with get() (and every deleted key is not found),
//     and a put lands at valid_end and round-trips through a reopen with every other key intact.
//
// Crashes and out-of-bounds reads are the sanitizers' to catch; the rest is a returned violation.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace interleave::fuzz {

// Returns nullopt if every property holds, else a one-line description of the first violation.
// Throws std::runtime_error only if the data directory cannot be created or written (a setup
// error, not a finding).
std::optional<std::string> check_log_input(std::span<const std::uint8_t> input);

}  // namespace interleave::fuzz
