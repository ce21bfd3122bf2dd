// Table-driven software CRC-32C, slicing-by-4.
//
// Debian bookworm ships no crc32c library package (google/crc32c is not packaged), and the log
// checksums only a few hundred bytes per operation, so a portable table-driven implementation is
// enough; a hardware (SSE4.2 / ARMv8 CRC) path could replace this file without changing its header.
#include "store/crc32c.h"

#include <array>
#include <cstddef>

namespace interleave::store {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78u;

using Tables = std::array<std::array<std::uint32_t, 256>, 4>;

// tables[0] is the classic byte-at-a-time table; tables[k][b] is the CRC of byte b followed by k
// zero bytes, which lets the loop fold four input bytes per step.
constexpr Tables make_tables() {
  Tables t{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t crc = b;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 1u) ? (crc >> 1) ^ kReflectedPolynomial : crc >> 1;
    }
    t[0][b] = crc;
  }
  for (std::size_t k = 1; k < t.size(); ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xFFu];
    }
  }
  return t;
}

constexpr Tables kTables = make_tables();

inline std::uint32_t byte_at(const char* p) { return static_cast<unsigned char>(*p); }

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t init) {
  std::uint32_t crc = ~init;
  const char* p = data.data();
  std::size_t n = data.size();
  while (n >= 4) {
    crc ^= byte_at(p) | (byte_at(p + 1) << 8) | (byte_at(p + 2) << 16) | (byte_at(p + 3) << 24);
    crc = kTables[3][crc & 0xFFu] ^ kTables[2][(crc >> 8) & 0xFFu] ^
          kTables[1][(crc >> 16) & 0xFFu] ^ kTables[0][crc >> 24];
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ byte_at(p)) & 0xFFu];
    ++p;
    --n;
  }
  return ~crc;
}

}  // namespace interleave::store
