#include "seg_kv.h"

#include <cstdint>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include "interleave/seam.h"

namespace seg_kv {
namespace {

using interleave::Access;
using interleave::Touches;
using interleave::yield_point;

constexpr const char* kLog = "seg.log";
constexpr const char* kCompacting = "compact.tmp";

class Store final : public SegKv {
 public:
  explicit Store(std::filesystem::path dir) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_);
    std::filesystem::remove(dir_ / kCompacting);  // a compaction that did not finish
    std::ifstream in(dir_ / kLog);
    for (std::string key, value; in >> key >> value;) index_[key] = value;
    reopen_log();
  }

  // The record goes to the log under the log's lock, then into the index under the index's lock
  // (lock order everywhere: index before log).
  void put(std::string_view key, std::string_view value) override {
    std::uint64_t generation;
    {
      std::lock_guard<interleave::Mutex> lock(log_mu_);
      yield_point("put.append", Touches::file(kLog, Access::kWrite));
      log_ << key << ' ' << value << '\n' << std::flush;
      generation = generation_;
    }
    std::lock_guard<interleave::Mutex> lock(index_mu_);
    yield_point("put.publish", Touches::memory("index", key, Access::kWrite));
    index_[std::string(key)] = std::string(value);
    if (tracking_) tracked_.insert(std::string(key));
    if (generation != generation_) {
      // A compaction replaced the log after the append: write the record to the new log too.
      std::lock_guard<interleave::Mutex> again(log_mu_);
      log_ << key << ' ' << value << '\n' << std::flush;
    }
  }

  std::optional<std::string> get(std::string_view key) override {
    std::lock_guard<interleave::Mutex> lock(index_mu_);
    yield_point("get.lookup", Touches::memory("index", key, Access::kRead));
    const auto it = index_.find(std::string(key));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }

  void compact() override {
    std::lock_guard<interleave::Mutex> one_at_a_time(compaction_);
    std::map<std::string, std::string> snapshot;
    {
      std::lock_guard<interleave::Mutex> lock(index_mu_);  // 1
      snapshot = index_;
      tracking_ = true;
      tracked_.clear();
    }
    yield_point("compact.copy", Touches::file(kCompacting, Access::kWrite));  // 2
    std::ofstream out(dir_ / kCompacting, std::ios::trunc);
    for (const auto& [key, value] : snapshot) out << key << ' ' << value << '\n';
    {
      std::lock_guard<interleave::Mutex> lock(index_mu_);  // 3
      const bool merged = merge_tracked(out);
#ifdef SEG_KV_BROKEN
      if (merged) tracking_ = false;  // the bug: the keys put from now on go untracked
#else
      (void)merged;
#endif
    }
    yield_point("compact.flush", Touches::file(kCompacting, Access::kWrite));  // 4
    out.flush();
    {
      std::lock_guard<interleave::Mutex> lock(index_mu_);  // 5
      std::lock_guard<interleave::Mutex> log_lock(log_mu_);
      yield_point("compact.swap", Touches::file(kLog, Access::kWrite));
#ifdef SEG_KV_BROKEN
      if (tracking_) {  // ... and the log's generation is bumped only while tracking
        merge_tracked(out);
        ++generation_;
      }
#else
      merge_tracked(out);
      ++generation_;
#endif
      out.close();
      std::filesystem::rename(dir_ / kCompacting, dir_ / kLog);
      reopen_log();
      tracking_ = false;
    }
  }

 private:
  // Requires: index_mu_ held. Appends the tracked keys' latest values to `out` and forgets them;
  // returns whether there were any.
  bool merge_tracked(std::ofstream& out) {
    const bool any = !tracked_.empty();
    for (const std::string& key : tracked_) out << key << ' ' << index_.at(key) << '\n';
    tracked_.clear();
    return any;
  }

  void reopen_log() {
    log_.close();
    log_.clear();
    log_.open(dir_ / kLog, std::ios::app);
    if (!log_) throw std::runtime_error("cannot open " + (dir_ / kLog).string());
  }

  const std::filesystem::path dir_;
  interleave::Mutex index_mu_{"seg_kv.index"};
  interleave::Mutex log_mu_{"seg_kv.log"};
  interleave::Mutex compaction_{"seg_kv.compaction"};
  std::ofstream log_;
  std::uint64_t generation_ = 0;  // bumped by every log swap
  std::map<std::string, std::string> index_;
  bool tracking_ = false;
  std::set<std::string> tracked_;
};

}  // namespace

std::unique_ptr<SegKv> open(const std::filesystem::path& dir) {
  return std::make_unique<Store>(dir);
}

}  // namespace seg_kv
