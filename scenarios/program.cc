#include "scenarios/program.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>
#include <system_error>

#include "fmt/format.h"
#include "harness/environment.h"
#include "scenarios/linearizability.h"
#include "scenarios/registry.h"

namespace interleave::scenarios {
namespace {

// The journal of a data directory's changes (power loss with worker processes), inside it: the
// store opens only its own files, and crash states hold only the files made through the journal.
constexpr std::string_view kJournalName = ".interleave-journal";

bool journaled(const Target& t) { return t.power_loss() && !t.topology().in_process(); }

// Mounts the journaling file system on `dir` in this process, for as long as `*mount` holds it.
void mount_journal(std::optional<store::Mount>* mount, const std::filesystem::path& dir) {
  mount->emplace(dir.string(), store::make_journaling_file_system(dir / kJournalName));
}

// Spec: "<scenario> <store> <mode> <actors> <ops> <processes> <files> <data directory>", <files>
// being "disk" or "journal" (power loss with worker processes: every one journals its changes),
// and for a workload's scenario a second line with its script (a worker runs the script it is
// given, so that a scenario made on the fly, a generated program, needs no registration).
std::string encode_spec(const Target& t, const std::filesystem::path& dir) {
  std::string spec = fmt::format("{} {} {} {} {} {} {} {}", t.scenario->name(), t.store(),
                                 to_string(t.mode), t.sizes.actors, t.sizes.ops, t.sizes.processes,
                                 journaled(t) ? "journal" : "disk", dir.string());
  if (const WorkloadScenario* w = t.workload_scenario()) spec += "\n" + w->script().to_string();
  return spec;
}

int parse_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::runtime_error(fmt::format("bad number '{}' in a program spec", text));
  }
  return value;
}

struct Decoded {
  Target target;
  std::filesystem::path dir;
  std::string scenario;              // its name
  std::optional<CallScript> script;  // a workload's scenario
  bool journaled = false;            // the changes to the data directory go into its journal
};

Decoded decode_spec(std::string_view spec, const Catalog& catalog) {
  Decoded out;
  const std::size_t newline = spec.find('\n');
  if (newline != std::string_view::npos) {
    CallScript script;
    if (!CallScript::parse(spec.substr(newline + 1), &script)) {
      throw std::runtime_error("bad script in a program spec");
    }
    out.script = std::move(script);
    spec = spec.substr(0, newline);
  }
  std::array<std::string_view, 8> fields;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t space = i + 1 < fields.size() ? spec.find(' ') : spec.size();
    if (space == std::string_view::npos) throw std::runtime_error("truncated program spec");
    fields[i] = spec.substr(0, space);
    spec.remove_prefix(std::min(spec.size(), space + 1));
  }
  Target& t = out.target;
  out.scenario = fields[0];
  t.scenario = out.script ? nullptr : catalog.find_scenario(fields[0]);
  const auto variant = store::parse_variant(fields[1]);
  t.user = catalog.find_store(fields[1]);
  const auto mode = parse_mode(fields[2]);
  if ((t.scenario == nullptr && !out.script) || (!variant && t.user == nullptr) || !mode ||
      (out.script && (t.user == nullptr || !t.user->workload)) ||
      (fields[6] != "disk" && fields[6] != "journal")) {
    throw std::runtime_error("bad program spec");
  }
  out.journaled = fields[6] == "journal";
  if (variant) t.variant = *variant;
  t.mode = *mode;
  t.sizes = Sizes{parse_int(fields[3]), parse_int(fields[4]), parse_int(fields[5])};
  out.dir = std::filesystem::path(fields[7]);
  return out;
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

// The errno of an exception thrown by a workload's open(), when it is the machine's fault.
int environment_errno(const std::exception& e) {
  if (const auto* sys = dynamic_cast<const std::system_error*>(&e)) {
    const int err = sys->code().value();
    if (sys->code().category() == std::generic_category() ||
        sys->code().category() == std::system_category()) {
      return is_environment_errno(err) ? err : 0;
    }
  }
  return 0;
}

// Opens an instance of a workload's store, or throws: an EnvironmentError when the machine is at
// fault, else a runtime_error naming `who` and the directory.
std::unique_ptr<Subject> open_subject(const Workload& workload, const std::filesystem::path& dir,
                                      std::string_view who) {
  try {
    std::unique_ptr<Subject> subject = workload.open(dir);
    if (subject == nullptr) throw std::runtime_error("open returned no instance");
    return subject;
  } catch (const EnvironmentError&) {
    throw;
  } catch (const std::exception& e) {
    const std::string what = fmt::format("{} cannot open the store {} in {}: {}", who,
                                         workload.name, dir.string(), e.what());
    if (const int err = environment_errno(e)) throw EnvironmentError(what, err);
    throw std::runtime_error(what);
  }
}

// One process's part of an execution: its own store on the shared data directory.
class ScenarioInstance final : public ProcessInstance {
 public:
  ScenarioInstance(std::string_view spec, std::span<std::byte> scratch, const Catalog& catalog)
      : log_(scratch) {
    Decoded decoded = decode_spec(spec, catalog);
    target_ = decoded.target;
    if (decoded.script) {
      const Workload& workload = *target_.user->workload;
      script_.emplace(decoded.scenario, "", workload.name, std::move(*decoded.script));
      subject_ = open_subject(workload, decoded.dir, "a worker");
      return;
    }
    if (decoded.journaled) mount_journal(&journal_, decoded.dir);
    store::OpenResult opened = target_.open_store(decoded.dir);
    if (!opened.status.ok()) open_failed(opened.status, decoded.dir, "a worker");
    store_ = std::move(opened.store);
    dir_ = decoded.dir;
  }

  void body(int actor) override {
    if (subject_ != nullptr) {
      ActorContext ctx(log_, *target_.user->workload, *subject_, actor);
      script_->body(ctx, target_.sizes);
      return;
    }
    try {
      ActorContext ctx(log_, *store_, actor, locks_);
      target_.scenario->body(ctx, target_.sizes);
    } catch (const ProcessCrashed&) {
      restart(actor);
    }
  }

 private:
  // The strategy crashed this process (processes mode, --crashes): what it held in memory is gone
  // (the store object, its index, its descriptor and file lock), the page cache is not. It opens
  // the store again (recovery, under control, while the others go on) and reads the scenario's
  // recovery keys. A crash during that recovery restarts it again. A recovery that fails leaves
  // the failure to the judge's own recovery of the log after the execution.
  void restart(int actor) {
    for (;;) {
      try {
        store_.reset();
        store::OpenResult opened = target_.open_store(dir_);
        if (!opened.status.ok()) return;
        store_ = std::move(opened.store);
        ActorContext ctx(log_, *store_, actor, locks_);
        for (const std::string& key : target_.scenario->recovery_keys(target_.sizes)) {
          ctx.get(key);
        }
        return;
      } catch (const ProcessCrashed&) {
      }
    }
  }

  Target target_;
  std::filesystem::path dir_;
  HistoryLog log_;
  std::optional<store::Mount> journal_;  // power loss: this process's changes, journaled
  std::unique_ptr<store::Store> store_;
  std::optional<WorkloadScenario> script_;  // a workload's scenario: the calls to make
  std::unique_ptr<Subject> subject_;        // ... on this process's instance of its store
  std::array<Mutex, 2> locks_{Mutex("a"), Mutex("b")};
};

// Room for a history log outside the engine's scratch memory (the setup's, the final calls'),
// 8-byte aligned, left uninitialized (the log's header says what holds).
class LocalLog {
 public:
  LocalLog() : buffer_(new std::uint64_t[kWords]) { HistoryLog::reset(bytes()); }
  std::span<std::byte> bytes() {
    return {reinterpret_cast<std::byte*>(buffer_.get()), kWords * sizeof(std::uint64_t)};
  }
  History read() { return HistoryLog::read(bytes()); }

 private:
  static constexpr std::size_t kWords = 64 * 1024;
  std::unique_ptr<std::uint64_t[]> buffer_;
};

}  // namespace

ScenarioProgram::ScenarioProgram(const Target& target, std::shared_ptr<CrashStates> crash_states)
    : target_(target),
      dir_(target.crashes > 0 && target.topology().in_process() ? Files::kMemory : target.files),
      crash_states_(std::move(crash_states)) {
  if (target_.crashes > 0 && !crash_states_) crash_states_ = std::make_shared<CrashStates>();
  if (journaled(target_)) mount_journal(&journal_, dir_.path());
  LocalLog local;
  HistoryLog log(local.bytes());
  if (target_.workload_scenario() != nullptr) {
    const Workload& workload = *target_.user->workload;
    const std::unique_ptr<Subject> subject = open_subject(workload, dir_.path(), "the setup");
    ActorContext ctx(log, workload, *subject, kSetupActor);
    target_.scenario->setup(ctx, target_.sizes);
  } else {
    store::OpenResult opened = target.open_store(dir_.path());
    if (!opened.status.ok()) open_failed(opened.status, dir_.path(), "the setup");
    ActorContext ctx(log, *opened.store, kSetupActor, {});
    target_.scenario->setup(ctx, target_.sizes);
  }
  setup_ = local.read();
}

std::string ScenarioProgram::spec() const { return encode_spec(target_, dir_.path()); }

std::string ScenarioProgram::token_prefix() const {
  return interleave::token_prefix(schedule_for(target_, {}));
}

void ScenarioProgram::begin(std::span<std::byte> scratch) { HistoryLog::reset(scratch); }

Verdict ScenarioProgram::judge_workload_calls(const History& history) const {
  const Workload& workload = *target_.user->workload;
  std::unique_ptr<Subject> recovered;
  try {
    recovered = open_subject(workload, dir_.path(), "recovery after the execution");
  } catch (const EnvironmentError&) {
    throw;
  } catch (const std::exception& e) {
    return Verdict::fail(BugKind::kCorruption,
                         fmt::format("the store does not open again after the execution "
                                     "(recovery): {}",
                                     e.what()));
  }
  LocalLog local;
  HistoryLog log(local.bytes());
  ActorContext ctx(log, workload, *recovered, kRecoveryActor);
  for (const Call& call : workload.final_calls) ctx.call(call);
  recovered.reset();
  History all = history;
  all.append_after(local.read());
  return judge_workload(workload, all);
}

void ScenarioProgram::check_environment(std::span<const std::byte> scratch) const {
  // An operation that failed for a reason of the machine's says nothing about the store.
  for (const Op& op : history(scratch).ops) {
    if (const int err = environment_errno(op.status, dir_.path())) {
      throw EnvironmentError::described(
          fmt::format("{} in the data directory {}: {}", describe_errno(err), dir_.path().string(),
                      op.describe()),
          err);
    }
  }
}

Verdict ScenarioProgram::judge(const ExecutionResult& result, std::span<const std::byte> scratch) {
  const History history = this->history(scratch);
  if (target_.workload_scenario() != nullptr) return judge_workload_calls(history);
  if (result.outcome == Outcome::kCrashed) return judge_crash(history);
  store::OpenResult recovered = target_.open_store(dir_.path());
  if (const int err = environment_errno(recovered.status, dir_.path())) {
    throw EnvironmentError(fmt::format("recovery of the store in {} failed: {}",
                                       dir_.path().string(), recovered.status.to_string()),
                           err);
  }
  const CheckInput input{history,         recovered.store.get(), dir_.path(),
                         target_.variant, target_.mode,          target_.sizes};
  // Processes mode with --crashes: a process that crashed restarted and read back after its
  // recovery; the scenario's own check assumes every operation finished, so it is left out, and
  // the generic checks below name what the crash broke.
  const bool crashed = std::any_of(result.trace.begin(), result.trace.end(),
                                   [&](const Step& s) { return s.actor >= target_.sizes.actors; });
  if (!crashed) {
    Verdict verdict = target_.scenario->check(input);
    if (!verdict.passed()) return verdict;
  }
  // Whatever the scenario checks, what the operations returned must be explainable by some order
  // of them that respects real time (linearizability against a map).
  if (const LinearizabilityResult lin = check_linearizable(history); !lin.linearizable) {
    if (crashed) {
      const bool corrupt = std::any_of(lin.ops.begin(), lin.ops.end(),
                                       [](const Op* op) { return op->status.is_corruption(); });
      return Verdict::fail(
          corrupt ? BugKind::kCorruptionAfterCrash : BugKind::kLostAcknowledgedWrite,
          fmt::format("after a process crashed and recovered: {}\n\n{}", lin.message,
                      lin.timeline));
    }
    return Verdict::fail(lin.stale_read ? BugKind::kStaleRead : BugKind::kNotLinearizable,
                         fmt::format("{}\n\n{}", lin.message, lin.timeline));
  }
  // Whatever the scenario checks, the log the actors left must recover cleanly.
  if (!recovered.status.ok() && crashed) {
    return Verdict::fail(
        recovered.status.is_corruption() ? BugKind::kCorruptionAfterCrash
                                         : BugKind::kRecoveryFailed,
        fmt::format("recovery of {} after the execution, in which a process crashed, failed: {}",
                    store::kDataFileName, recovered.status.to_string()));
  }
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

ProgramFactory factory_for(const Target& target, std::shared_ptr<CrashStates> crash_states) {
  if (target.crashes > 0 && !crash_states) crash_states = std::make_shared<CrashStates>();
  return [target, crash_states] { return std::make_unique<ScenarioProgram>(target, crash_states); };
}

InstanceFactory scenario_instances(const Catalog& catalog) {
  return [&catalog](std::string_view spec, int, std::span<std::byte> scratch) {
    return std::make_unique<ScenarioInstance>(spec, scratch, catalog);
  };
}

Limits Target::limits(Limits base) const {
  base.crashes = static_cast<std::uint32_t>(crashes);
  base.crash_stops_every_process = power_loss();
  return base;
}

std::string Target::store() const {
  return user != nullptr ? user->name : std::string(store::to_string(variant));
}

const WorkloadScenario* Target::workload_scenario() const {
  return dynamic_cast<const WorkloadScenario*>(scenario);
}

store::OpenResult Target::open_store(const std::filesystem::path& dir) const {
  if (user == nullptr) return store::open_store(variant, dir);
  if (!user->open) {
    return {store::Status::invalid_argument(
                fmt::format("the store {} has only its own operations", user->name)),
            nullptr};
  }
  return user->open(dir);
}

Sizes default_sizes_of(const Scenario& scenario, Mode mode) {
  Sizes sizes = default_sizes(mode);
  if (const auto fixed = scenario.fixed_sizes()) {
    sizes.actors = fixed->actors;
    sizes.ops = fixed->ops;
    if (mode == Mode::kMixed) {
      sizes.processes = fixed->actors % 2 == 0 ? 2 : 1;
    }
  }
  return sizes;
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
  if (target.crashes > 0) {
    s.sizes.emplace_back('c', static_cast<std::uint32_t>(target.crashes));
    s.sizes.emplace_back('m', static_cast<std::uint32_t>(target.persistence));
    if (target.crash_state) s.sizes.emplace_back('w', *target.crash_state);
  }
  s.decisions = std::move(decisions);
  return s;
}

std::optional<std::string> check_target(const Target& t) {
  if (auto bad = t.scenario->check_sizes(t.sizes)) return bad;
  if (t.crashes < 0 || t.crashes > 4) {
    return fmt::format("--crashes takes 0 to 4, got {}", t.crashes);
  }
  if (t.crashes > 1 && (t.mode != Mode::kProcesses || t.power_loss())) {
    return "--crashes 2 and more crash a recovery, which runs under control in processes mode "
           "with --persistence process only for now (in threads mode, and at a power loss, a "
           "crash ends the execution)";
  }
  if (t.crashes > 0 && t.mode == Mode::kMixed && !t.power_loss()) {
    return "--crashes in mixed mode is a power loss only for now (--persistence prefix, subset, "
           "torn or dirent): a crash of one worker would have to stop and restart all its threads";
  }
  if (t.crashes > 0 && (t.user != nullptr || t.workload_scenario() != nullptr)) {
    return "--crashes runs the built-in store variants only for now";
  }
  return check_mode_sizes(t.mode, t.sizes);
}

bool target_of(const Schedule& schedule, Target* out, std::string* error, const Catalog& catalog) {
  Target t;
  t.scenario = catalog.find_scenario(schedule.scenario);
  const auto variant = store::parse_variant(schedule.store);
  t.user = catalog.find_store(schedule.store);
  const auto mode = parse_mode(schedule.mode);
  if (t.scenario == nullptr) {
    *error = fmt::format("the schedule names an unknown scenario '{}'", schedule.scenario);
  } else if (!variant && t.user == nullptr) {
    *error = fmt::format("the schedule names an unknown store '{}'", schedule.store);
  } else if (!mode) {
    *error = fmt::format("the schedule names an unknown mode '{}'", schedule.mode);
  } else if (auto bad = catalog.check_pair(*t.scenario, schedule.store)) {
    *error = "the schedule's scenario and store do not go together: " + *bad;
  } else {
    if (variant) t.variant = *variant;
    t.mode = *mode;
    t.sizes.actors = static_cast<int>(schedule.size('a', 0));
    t.sizes.ops = static_cast<int>(schedule.size('o', 0));
    t.sizes.processes = static_cast<int>(schedule.size('p', 1));
    t.crashes = static_cast<int>(schedule.size('c', 0));
    const std::uint32_t model = schedule.size('m', 0);
    if (model < store::all_persistence_models().size()) {
      t.persistence = store::all_persistence_models()[model];
    }
    if (schedule.size('w', ~0u) != ~0u) t.crash_state = schedule.size('w', 0);
    if (model >= store::all_persistence_models().size()) {
      *error = fmt::format("the schedule names an unknown persistence model {}", model);
    } else if (t.crashes == 0 && (t.crash_state || schedule.size('m', ~0u) != ~0u)) {
      *error = "the schedule has a crash state (m, w) but no crashes (c)";
    } else if (auto bad = check_target(t)) {
      *error = "the schedule's sizes do not fit: " + *bad;
    } else {
      *out = t;
      return true;
    }
  }
  return false;
}

}  // namespace interleave::scenarios
