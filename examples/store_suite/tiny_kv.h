// tiny_kv: a deliberately small key-value store for the example: an append-only log of records
// "<klen> <vlen> <key><value>\n" (vlen -1: a delete) and an in-memory map rebuilt from it on open.
// One std::mutex guards every operation; built with TINY_KV_BROKEN it takes no lock.
#pragma once

#include <filesystem>

#include "interleave/store.h"

namespace tiny_kv {

// Opens (creating if missing) <dir>/tiny.log.
interleave::store::OpenResult open(const std::filesystem::path& dir);

}  // namespace tiny_kv
