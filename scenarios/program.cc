#include "scenarios/program.h"

#include <sys/statvfs.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include "fmt/format.h"
#include "harness/environment.h"
#include "scenarios/linearizability.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

// Spec: "<scenario> <store> <mode> <actors> <ops> <processes> <data directory>".
std::string encode_spec(const Target& t, const std::filesystem::path& dir) {
  return fmt::format("{} {} {} {} {} {} {}", t.scenario->name(), t.store(), to_string(t.mode),
                     t.sizes.actors, t.sizes.ops, t.sizes.processes, dir.string());
}

int parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error(fmt::format("bad number '{}' in a program spec", text));
  }
  return value;
}

std::pair<Target, std::filesystem::path> decode_spec(std::string_view spec, StoreOpener open) {
  std::array<std::string_view, 7> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t space = i + 1 < fields.size() ? spec.find(' ') : spec.size();
    if (space == std::string_view::npos) throw std::runtime_error("truncated program spec");
    fields[i] = spec.substr(0, space);
    spec.remove_prefix(std::min(spec.size(), space + 1));
  }
  Target t;
  t.scenario = find_scenario(fields[0]);
  const auto variant = store::parse_variant(fields[1]);
  const auto mode = parse_mode(fields[2]);
  if (t.scenario == nullptr || (!variant && !open) || !mode) {
    throw std::runtime_error("bad program spec");
  }
  if (open) {
    t.open = std::move(open);
    t.store_name = fields[1];
  } else {
    t.variant = *variant;
  }
  t.mode = *mode;
  t.sizes = Sizes{parse_int(fields[3]), parse_int(fields[4]), parse_int(fields[5])};
  return {t, std::filesystem::path(fields[6])};
}

// The errno behind a failed store status, when the failure is the machine's: the status's own
// errno, or for an I/O error that carries none (a store of the user's that did not say), ENOSPC
// when the data directory's file system is full. 0 otherwise.
int environment_errno(const store::Status& status, const std::filesystem::path& dir) {
  if (status.code() != store::Status::kIoError) return 0;
  if (status.sys_errno() != 0)
    return is_environment_errno(status.sys_errno()) ? status.sys_errno() : 0;
  struct statvfs fs;
  if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_bavail == 0 || fs.f_favail == 0)) return ENOSPC;
  return 0;
}

// Opening a store failed: an EnvironmentError when the machine is at fault, else a runtime_error.
[[noreturn]] void open_failed(const store::Status& status, const std::filesystem::path& dir,
                              std::string_view who) {
  const std::string what =
      fmt::format("{} cannot open the store in {}: {}", who, dir.string(), status.to_string());
  if (const int err = environment_errno(status, dir)) throw EnvironmentError(what, err);
  throw std::runtime_error(what);
}

// One process's part of an execution: its own store on the shared data directory.
class ScenarioInstance final : public ProcessInstance {
 public:
  ScenarioInstance(std::string_view spec, std::span<std::byte> scratch, StoreOpener open)
      : log_(scratch) {
    auto [target, dir] = decode_spec(spec, std::move(open));
    target_ = target;
    store::OpenResult opened = target_.open_store(dir);
    if (!opened.status.ok()) open_failed(opened.status, dir, "a worker");
    store_ = std::move(opened.store);
  }

  void body(int actor) override {
    ActorContext ctx(log_, *store_, actor, locks_);
    target_.scenario->body(ctx, target_.sizes);
  }

 private:
  Target target_;
  HistoryLog log_;
  std::unique_ptr<store::Store> store_;
  std::array<Mutex, 2> locks_{Mutex("a"), Mutex("b")};
};

}  // namespace

ScenarioProgram::ScenarioProgram(const Target& target) : target_(target), dir_(target.files) {
  store::OpenResult opened = target.open_store(dir_.path());
  if (!opened.status.ok()) open_failed(opened.status, dir_.path(), "the setup");
  // Room for the setup's log, 8-byte aligned, left uninitialized (the log's header says what
  // holds).
  constexpr std::size_t kSetupWords = 64 * 1024;
  const std::unique_ptr<std::uint64_t[]> buffer(new std::uint64_t[kSetupWords]);
  const std::span<std::byte> bytes(reinterpret_cast<std::byte*>(buffer.get()),
                                   kSetupWords * sizeof(std::uint64_t));
  HistoryLog::reset(bytes);
  HistoryLog log(bytes);
  ActorContext ctx(log, *opened.store, kSetupActor, {});
  target_.scenario->setup(ctx, target_.sizes);
  setup_ = HistoryLog::read(bytes);
}

std::string ScenarioProgram::spec() const { return encode_spec(target_, dir_.path()); }

std::string ScenarioProgram::token_prefix() const {
  return interleave::token_prefix(schedule_for(target_, {}));
}

void ScenarioProgram::begin(std::span<std::byte> scratch) { HistoryLog::reset(scratch); }

Verdict ScenarioProgram::judge(const ExecutionResult&, std::span<const std::byte> scratch) {
  const History history = this->history(scratch);
  // An operation that failed for a reason of the machine's says nothing about the store.
  for (const Op& op : history.ops) {
    if (const int err = environment_errno(op.status, dir_.path())) {
      throw EnvironmentError::described(
          fmt::format("{} in the data directory {}: {}", describe_errno(err), dir_.path().string(),
                      op.describe()),
          err);
    }
  }
  store::OpenResult recovered = target_.open_store(dir_.path());
  if (const int err = environment_errno(recovered.status, dir_.path())) {
    throw EnvironmentError(fmt::format("recovery of the store in {} failed: {}",
                                       dir_.path().string(), recovered.status.to_string()),
                           err);
  }
  const CheckInput input{history,         recovered.store.get(), dir_.path(),
                         target_.variant, target_.mode,          target_.sizes};
  Verdict verdict = target_.scenario->check(input);
  if (!verdict.passed()) return verdict;
  // Whatever the scenario checks, what the operations returned must be explainable by some order
  // of them that respects real time (linearizability against a map).
  if (const LinearizabilityResult lin = check_linearizable(history); !lin.linearizable) {
    return Verdict::fail(lin.stale_read ? BugKind::kStaleRead : BugKind::kNotLinearizable,
                         fmt::format("{}\n\n{}", lin.message, lin.timeline));
  }
  // Whatever the scenario checks, the log the actors left must recover cleanly.
  if (!recovered.status.ok()) {
    return Verdict::fail(BugKind::kCorruption,
                         fmt::format("recovery of {} after the execution failed: {}",
                                     store::kDataFileName, recovered.status.to_string()));
  }
  return Verdict::pass();
}

History ScenarioProgram::history(std::span<const std::byte> scratch) const {
  History history = setup_;
  history.append_after(HistoryLog::read(scratch));
  return history;
}

std::vector<Span> ScenarioProgram::spans(std::span<const std::byte> scratch) const {
  std::vector<Span> out;
  for (const Op& op : HistoryLog::read(scratch).ops) {
    const std::string call = op.describe();
    const std::string prefix = fmt::format("actor {} ", op.actor);
    out.push_back(Span{op.actor, call.rfind(prefix, 0) == 0 ? call.substr(prefix.size()) : call,
                       op.invoked_step, op.returned_step, op.returned_at != 0});
  }
  return out;
}

ProgramFactory factory_for(const Target& target) {
  return [target] { return std::make_unique<ScenarioProgram>(target); };
}

InstanceFactory scenario_instances(StoreOpener open) {
  return [open](std::string_view spec, int, std::span<std::byte> scratch) {
    return std::make_unique<ScenarioInstance>(spec, scratch, open);
  };
}

std::string Target::store() const {
  return open ? store_name : std::string(store::to_string(variant));
}

store::OpenResult Target::open_store(const std::filesystem::path& dir) const {
  return open ? open(dir) : store::open_store(variant, dir);
}

Schedule schedule_for(const Target& target, std::vector<int> decisions) {
  Schedule s;
  s.scenario = target.scenario->name();
  s.store = target.store();
  s.mode = to_string(target.mode);
  s.sizes = {{'a', static_cast<std::uint32_t>(target.sizes.actors)},
             {'o', static_cast<std::uint32_t>(target.sizes.ops)}};
  if (target.mode == Mode::kMixed) {
    s.sizes.emplace_back('p', static_cast<std::uint32_t>(target.sizes.processes));
  }
  s.decisions = std::move(decisions);
  return s;
}

std::optional<std::string> check_target(const Target& t) {
  if (auto bad = t.scenario->check_sizes(t.sizes)) return bad;
  return check_mode_sizes(t.mode, t.sizes);
}

bool target_of(const Schedule& schedule, Target* out, std::string* error) {
  Target t;
  t.scenario = find_scenario(schedule.scenario);
  const auto variant = store::parse_variant(schedule.store);
  const auto mode = parse_mode(schedule.mode);
  if (t.scenario == nullptr) {
    *error = fmt::format("the schedule names an unknown scenario '{}'", schedule.scenario);
  } else if (!variant) {
    *error = fmt::format("the schedule names an unknown store '{}'", schedule.store);
  } else if (!mode) {
    *error = fmt::format("the schedule names an unknown mode '{}'", schedule.mode);
  } else {
    t.variant = *variant;
    t.mode = *mode;
    t.sizes.actors = static_cast<int>(schedule.size('a', 0));
    t.sizes.ops = static_cast<int>(schedule.size('o', 0));
    t.sizes.processes = static_cast<int>(schedule.size('p', 1));
    if (auto bad = check_target(t)) {
      *error = "the schedule's sizes do not fit: " + *bad;
    } else {
      *out = t;
      return true;
    }
  }
  return false;
}

}  // namespace interleave::scenarios
