#include "tiny_kv.h"

#include <charconv>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include "interleave/seam.h"

namespace tiny_kv {
namespace {

using interleave::Access;
using interleave::Touches;
using interleave::yield_point;
namespace st = interleave::store;

class TinyKv final : public st::Store {
 public:
  explicit TinyKv(std::filesystem::path file) : file_(std::move(file)) {}

  // Replays the log into the map. Returns false on a malformed record.
  bool recover() {
    std::ifstream in(file_, std::ios::binary);
    long klen = 0;
    long vlen = 0;
    while (in >> klen >> vlen) {
      in.get();  // the space
      std::string key(static_cast<std::size_t>(klen), '\0');
      in.read(key.data(), klen);
      if (vlen < 0) {
        map_.erase(key);
      } else {
        std::string value(static_cast<std::size_t>(vlen), '\0');
        in.read(value.data(), vlen);
        map_[key] = value;
      }
      if (!in || in.get() != '\n') return false;
    }
    return true;
  }

  st::PutResult put(std::string_view key, std::string_view value) override {
    Guard guard(mu_);
    return {st::Status(), append(key, value)};
  }

  st::GetResult get(std::string_view key) override {
    Guard guard(mu_);
    return lookup(key);
  }

  st::Status del(std::string_view key) override {
    Guard guard(mu_);
    append(key, std::nullopt);
    return st::Status();
  }

  st::IncrementResult increment(std::string_view key, std::int64_t delta) override {
    Guard guard(mu_);
    const st::GetResult old = lookup(key);
    std::int64_t value = 0;
    if (old.status.ok())
      std::from_chars(old.value.data(), old.value.data() + old.value.size(), value);
    value += delta;
    return {st::Status(), value, append(key, std::to_string(value))};
  }

 private:
  // The lock, or (TINY_KV_BROKEN) nothing at all. A plain std::mutex: under interleave the
  // C library's locks of the store's threads are scheduler decisions.
  struct Guard {
#ifdef TINY_KV_BROKEN
    explicit Guard(std::mutex&) {}
#else
    explicit Guard(std::mutex& mu) : lock(mu) {}
    std::lock_guard<std::mutex> lock;
#endif
  };

  st::GetResult lookup(std::string_view key) {
    yield_point("get.lookup", Touches::memory("index", key, Access::kRead));
    const auto it = map_.find(std::string(key));
    if (it == map_.end()) return {st::Status::not_found(), {}, 0};
    return {st::Status(), it->second, 0};
  }

  // Appends a record at the end of the log, then publishes it in the map; returns its offset.
  std::uint64_t append(std::string_view key, std::optional<std::string_view> value) {
    yield_point("append.size", Touches::file("tiny.log", Access::kRead));
    const std::uint64_t offset =
        std::filesystem::exists(file_) ? std::filesystem::file_size(file_) : 0;
    yield_point("append.write", Touches::file("tiny.log", Access::kWrite));
    {
      std::ofstream out(file_, std::ios::binary | std::ios::app);
      out << key.size() << ' ' << (value ? static_cast<long>(value->size()) : -1L) << ' ' << key
          << value.value_or("") << '\n';
    }
    yield_point("append.publish", Touches::memory("index", key, Access::kWrite));
    if (value) {
      map_[std::string(key)] = std::string(*value);
    } else {
      map_.erase(std::string(key));
    }
    return offset;
  }

  const std::filesystem::path file_;
  std::mutex mu_;
  std::map<std::string, std::string> map_;
};

}  // namespace

st::OpenResult open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto kv = std::make_unique<TinyKv>(dir / "tiny.log");
  if (!kv->recover()) return {st::Status::corruption(0, "malformed tiny.log"), nullptr, {}};
  return {st::Status(), std::move(kv), {}};
}

}  // namespace tiny_kv
