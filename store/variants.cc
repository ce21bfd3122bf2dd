// The table of store variants: name, policy, and which scenario breaks each one and why.
//
// Deployments (DESIGN.md): in threads mode all actors share one Store object (one index, one end
// pointer, one descriptor); in processes mode each actor process opens its own Store on the same
// database.bin, so only the file is shared. A Mutex protects nothing across processes.
#include <array>
#include <cstdio>
#include <cstdlib>

#include "store/log_store.h"

namespace interleave::store {
namespace {

struct VariantInfo {
  Variant variant;
  std::string_view name;
  std::string_view summary;
  Policy policy;
};

constexpr std::array kVariants = {
    // unlocked: no lock at all; the offset comes from the in-memory end pointer, read and reserved
    // in two steps; the index entry is published before the record is written; the record is
    // written in steps. Expected bugs in threads and processes mode:
    //  - lost-update: two increments both read the old value (incr.lookup..incr.read_body) before
    //    either writes, so one increment is lost;
    //  - duplicate-offset: two puts both pass put.read_end before either passes
    //    put.reserve_offset, get the same offset and overwrite each other's record;
    //  - torn-read: a get runs between put.publish_index and the last put.write_body, follows the
    //    index to a record still being written and reports corruption (checksum or truncation).
    // Not safe to call from real threads without a controller: it exists to be broken.
    VariantInfo{Variant::kUnlocked, "unlocked",
                "no lock; end offset read and reserved in two steps; index published before the "
                "record is written",
                Policy{.use_mutex = false, .publish_before_write = true}},
    // mutex: one Mutex "store.mu" held across each whole operation (increment holds it across its
    // read and its write) and the index published only after the record is written. Clean in
    // threads mode. In processes mode each process has its own mutex, index and end pointer, so it
    // still breaks: duplicate-offset (both processes start from the same end), stale-read (one
    // process's index never learns of the other's puts) and lost-update.
    VariantInfo{Variant::kMutex, "mutex",
                "one in-process mutex around each whole operation; index published after the "
                "write",
                Policy{.use_mutex = true, .publish_before_write = false}},
};

constexpr std::array<Variant, kVariants.size()> all_variant_values() {
  std::array<Variant, kVariants.size()> out{};
  for (std::size_t i = 0; i < kVariants.size(); ++i) out[i] = kVariants[i].variant;
  return out;
}

constexpr std::array kAllVariants = all_variant_values();

const VariantInfo& info_of(Variant variant) {
  for (const VariantInfo& info : kVariants) {
    if (info.variant == variant) return info;
  }
  // Invariant: every enumerator has a row in kVariants; anything else is a cast from garbage.
  std::fprintf(stderr, "interleave: unknown store variant %d\n", static_cast<int>(variant));
  std::abort();
}

}  // namespace

std::string_view to_string(Variant variant) { return info_of(variant).name; }

std::optional<Variant> parse_variant(std::string_view name) {
  for (const VariantInfo& info : kVariants) {
    if (info.name == name) return info.variant;
  }
  return std::nullopt;
}

std::span<const Variant> all_variants() { return kAllVariants; }

std::string_view summary(Variant variant) { return info_of(variant).summary; }

const Policy& policy_of(Variant variant) { return info_of(variant).policy; }

}  // namespace interleave::store
