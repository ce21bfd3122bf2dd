// The oracle after a crash decision: durable linearizability (docs/crashes.md).
//
// The store promises that a write is durable once acknowledged (every built-in variant declares
// that promise: safe keeps it, the crash variants break it). For every state the persistence model
// lets the disk be in after the crash (store/crash_model.h), in its fixed order, the judge
//   1. puts the in-memory volume in that state (everything in it durable, as after a reboot),
//   2. recovers: opens the store afresh, as the restarted machine does (threads mode, or a power
//      loss in processes mode: every process restarted, so recovery runs alone),
//   3. reads every key the history touched, appended to the history after everything before it,
//   4. checks: recovery must not fail (recovery-failed) nor find a corrupt record in the middle of
//      the log (corruption-after-crash), no read after it may return corruption, and the whole
//      history must be linearizable, operations cut by the crash being pending (they may or may
//      not have taken effect). A completed (acknowledged) write that the reads after recovery do
//      not explain is a lost-acknowledged-write.
// The first failing state is reported with its index (Verdict::crash_state, 'w' in the token); a
// replay checks that one state only. A state whose image and history were judged clean before (a
// content hash of both) is not judged again.
#include <algorithm>
#include <set>
#include <stdexcept>

#include "fmt/format.h"
#include "scenarios/linearizability.h"
#include "scenarios/program.h"

namespace interleave::scenarios {
namespace {

// Room for the reads after recovery (as program.cc's LocalLog).
class ReadLog {
 public:
  ReadLog() : buffer_(new std::uint64_t[kWords]) { HistoryLog::reset(bytes()); }
  std::span<std::byte> bytes() {
    return {reinterpret_cast<std::byte*>(buffer_.get()), kWords * sizeof(std::uint64_t)};
  }

 private:
  static constexpr std::size_t kWords = 16 * 1024;
  std::unique_ptr<std::uint64_t[]> buffer_;
};

std::uint64_t history_hash(const History& history) {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  for (const Op& op : history.ops) {
    mix(fmt::format("{} {} {} {} {}", op.actor, static_cast<int>(op.kind), op.invoked_at,
                    op.returned_at, static_cast<int>(op.status.code())));
    mix(op.key);
    mix(op.input);
    mix(op.output);
  }
  return h;
}

// "database.bin: 58 of 87 bytes kept (1 of 2 unsynced writes)" per file, for messages.
std::string describe_state(const std::vector<store::FileState>& before,
                           const store::CrashImage& image, store::Persistence model,
                           std::size_t index, std::size_t count) {
  std::string out = fmt::format("crash state {} of {} under --persistence {}:", index, count,
                                store::to_string(model));
  for (const store::FileState& f : before) {
    const std::string name = f.path.substr(f.path.rfind('/') + 1);
    const auto it = std::find_if(image.files.begin(), image.files.end(),
                                 [&](const auto& file) { return file.first == f.path; });
    if (it == image.files.end()) {
      out += fmt::format(" {} is gone (its directory entry was never synced);", name);
      continue;
    }
    out += fmt::format(" {} holds {} bytes (synced {}, in the page cache {}, {} unsynced write{});",
                       name, it->second.size(), f.durable.size(), f.current.size(),
                       f.unsynced.size(), f.unsynced.size() == 1 ? "" : "s");
  }
  out.pop_back();
  return out;
}

}  // namespace

Verdict ScenarioProgram::judge_crash(const History& history) {
  const std::filesystem::path& dir = dir_.path();
  store::FileSystem* fs = store::file_system_for(dir);
  std::vector<store::FileState> files;
  if (fs == nullptr || !fs->crash_state(&files)) {
    throw std::runtime_error(fmt::format(
        "crash states need files that keep unsynced writes apart (in memory, or journaled); {} "
        "keeps none",
        dir.string()));
  }
  constexpr std::size_t kMaxStates = 1u << 16;
  const std::vector<store::CrashImage> images =
      store::crash_images(files, target_.persistence, kMaxStates);
  // What the actors saw before the crash must be linearizable on its own; only then is a gap
  // after recovery the crash's doing.
  if (const LinearizabilityResult lin = check_linearizable(history); !lin.linearizable) {
    return Verdict::fail(lin.stale_read ? BugKind::kStaleRead : BugKind::kNotLinearizable,
                         fmt::format("before the crash: {}\n\n{}", lin.message, lin.timeline));
  }
  std::set<std::string> keys;
  for (const Op& op : history.ops) keys.insert(op.key);
  const std::uint64_t before = history_hash(history);

  for (std::size_t i = 0; i < images.size(); ++i) {
    if (target_.crash_state && *target_.crash_state != i) continue;
    const std::uint64_t seen_key = images[i].hash * 31 + before;
    {
      std::lock_guard lock(crash_states_->mu);
      if (!target_.crash_state && crash_states_->clean.count(seen_key) != 0) {
        ++crash_states_->duplicates;
        continue;
      }
      ++crash_states_->checked;
    }
    auto fail = [&](BugKind kind, std::string what) {
      Verdict v = Verdict::fail(
          kind, fmt::format("after the crash, {}: {}",
                            describe_state(files, images[i], target_.persistence, i, images.size()),
                            what));
      v.crash_state = static_cast<std::uint32_t>(i);
      return v;
    };
    fs->restore(images[i]);
    store::OpenResult recovered = target_.open_store(dir);
    if (recovered.status.is_corruption()) {
      return fail(BugKind::kCorruptionAfterCrash,
                  fmt::format("recovery found a corrupt record in the middle of {}: {}",
                              store::kDataFileName, recovered.status.to_string()));
    }
    if (!recovered.status.ok()) {
      return fail(BugKind::kRecoveryFailed,
                  fmt::format("the store does not open again: {}", recovered.status.to_string()));
    }
    ReadLog room;
    HistoryLog log(room.bytes());
    {
      ActorContext ctx(log, *recovered.store, kRecoveryActor, {});
      for (const std::string& key : keys) ctx.get(key);
    }
    recovered.store.reset();
    History reads = HistoryLog::read(room.bytes());
    for (const Op& op : reads.ops) {
      if (op.status.is_corruption()) {
        return fail(BugKind::kCorruptionAfterCrash,
                    fmt::format("a read after recovery found a corrupt record: {}", op.describe()));
      }
    }
    History all = history;
    all.append_after(reads);
    if (const LinearizabilityResult lin = check_linearizable(all); !lin.linearizable) {
      std::string acknowledged;
      for (const Op* op : lin.ops) {
        if (op->actor >= 0 && op->kind != OpKind::kGet && op->returned_at != 0 && op->status.ok()) {
          acknowledged += "\n  acknowledged before the crash: " + op->describe();
        }
        if (op->actor == kRecoveryActor)
          acknowledged += "\n  read after recovery: " + op->describe();
      }
      return fail(BugKind::kLostAcknowledgedWrite,
                  fmt::format("the reads after recovery miss a write the store acknowledged "
                              "(durable on return is its promise){}\n\n{}\n\n{}",
                              acknowledged, lin.message, lin.timeline));
    }
    std::lock_guard lock(crash_states_->mu);
    crash_states_->clean.insert(seen_key);
  }
  if (target_.crash_state && *target_.crash_state >= images.size()) {
    throw TestError(fmt::format(
        "the schedule names crash state {}, but the crash leaves {} states: the token does not "
        "fit this build",
        *target_.crash_state, images.size()));
  }
  return Verdict::pass();
}

}  // namespace interleave::scenarios
