#include "scenarios/script.h"

#include <charconv>
#include <sstream>
#include <stdexcept>

#include "fmt/format.h"
#include "scenarios/history.h"
#include "scenarios/linearizability.h"
#include "scenarios/workload.h"

namespace interleave::scenarios {
namespace {

bool parse_op(std::string_view text, ScriptOp* op) {
  std::istringstream in{std::string(text)};
  std::string word;
  if (!(in >> word >> op->key)) return false;
  bool known = false;
  for (OpKind kind : {OpKind::kPut, OpKind::kGet, OpKind::kDel, OpKind::kIncrement}) {
    if (word == scenarios::to_string(kind)) {
      op->kind = kind;
      known = true;
    }
  }
  if (!known) return false;
  op->value.clear();
  in >> op->value;
  return true;
}

// One process's part: its own store, running its actors' operations.
class ScriptInstance final : public ProcessInstance {
 public:
  ScriptInstance(std::string_view spec, std::span<std::byte> scratch) : log_(scratch) {
    // Spec: "<store>\n<dir>\n<script>".
    const auto lines = split(spec, "\n");
    if (lines.size() != 3 || !Script::parse(lines[2], &script_)) {
      throw std::runtime_error("bad script spec");
    }
    const auto variant = store::parse_variant(lines[0]);
    if (!variant) throw std::runtime_error("bad store in a script spec");
    store::OpenResult opened = store::open_store(*variant, std::filesystem::path(lines[1]));
    if (!opened.status.ok()) throw std::runtime_error(opened.status.to_string());
    store_ = std::move(opened.store);
  }

  void body(int actor) override {
    ActorContext ctx(log_, *store_, actor, {});
    for (const ScriptOp& op : script_.actors[actor]) {
      switch (op.kind) {
        case OpKind::kPut:
          ctx.put(op.key, op.value);
          break;
        case OpKind::kGet:
          ctx.get(op.key);
          break;
        case OpKind::kDel:
          ctx.del(op.key);
          break;
        case OpKind::kIncrement: {
          std::int64_t delta = 1;
          std::from_chars(op.value.data(), op.value.data() + op.value.size(), delta);
          ctx.increment(op.key, delta);
          break;
        }
        case OpKind::kCall:  // Script::parse() makes none
          break;
      }
    }
  }

 private:
  Script script_;
  HistoryLog log_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace

std::string Script::to_string() const {
  std::string out;
  for (std::size_t a = 0; a < actors.size(); ++a) {
    if (a > 0) out += " | ";
    for (std::size_t i = 0; i < actors[a].size(); ++i) {
      const ScriptOp& op = actors[a][i];
      out += fmt::format("{}{} {}{}{}", i > 0 ? "; " : "", scenarios::to_string(op.kind), op.key,
                         op.value.empty() ? "" : " ", op.value);
    }
  }
  return out;
}

bool Script::parse(std::string_view text, Script* out) {
  Script script;
  for (std::string_view actor : split(text, " | ")) {
    std::vector<ScriptOp>& ops = script.actors.emplace_back();
    for (std::string_view op : split(actor, "; ")) {
      if (op.empty()) continue;
      if (!parse_op(op, &ops.emplace_back())) return false;
    }
  }
  *out = std::move(script);
  return true;
}

ScriptProgram::ScriptProgram(Script script, store::Variant variant, Mode mode, int processes)
    : script_(std::move(script)), variant_(variant), mode_(mode), processes_(processes) {}

Topology ScriptProgram::topology() const {
  const int actors = static_cast<int>(script_.actors.size());
  return topology_of(mode_, Sizes{actors, 1, mode_ == Mode::kMixed ? processes_ : 1});
}

std::string ScriptProgram::spec() const {
  return fmt::format("{}\n{}\n{}", store::to_string(variant_), dir_.path().string(),
                     script_.to_string());
}

void ScriptProgram::begin(std::span<std::byte> scratch) { HistoryLog::reset(scratch); }

Verdict ScriptProgram::judge(const ExecutionResult&, std::span<const std::byte> scratch) {
  const History history = HistoryLog::read(scratch);
  if (const LinearizabilityResult lin = check_linearizable(history); !lin.linearizable) {
    return Verdict::fail(lin.stale_read ? BugKind::kStaleRead : BugKind::kNotLinearizable,
                         lin.message);
  }
  const store::OpenResult recovered = store::open_store(variant_, dir_.path());
  if (!recovered.status.ok())
    return Verdict::fail(BugKind::kCorruption, recovered.status.to_string());
  return Verdict::pass();
}

InstanceFactory script_instances() {
  return [](std::string_view spec, int, std::span<std::byte> scratch) {
    return std::make_unique<ScriptInstance>(spec, scratch);
  };
}

}  // namespace interleave::scenarios
