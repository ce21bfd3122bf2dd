// CRC-32C (Castagnoli), the checksum of every log record.
#pragma once

#include <cstdint>
#include <string_view>

namespace interleave::store {

// Returns the CRC-32C (polynomial 0x1EDC6F41, reflected 0x82F63B78, init and final xor 0xFFFFFFFF)
// of `data`, continuing from `init`, the CRC of the bytes before `data` (0 for none). Extending:
// crc32c(b, crc32c(a)) == crc32c(a + b). Known vector: crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(std::string_view data, std::uint32_t init = 0);

}  // namespace interleave::store
