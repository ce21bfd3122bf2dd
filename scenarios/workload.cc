#include "scenarios/workload.h"

#include <stdexcept>

#include "scenarios/data_dir.h"

namespace interleave::scenarios {
namespace {

// The store itself as its own specification: the state is the calls applied so far; applying one
// runs them all, one at a time and uncontrolled, on an instance opened on a fresh data directory,
// and returns the last one's result.
class StoreAsModel final : public Model {
 public:
  explicit StoreAsModel(const Workload& w) : w_(w) {}
  std::unique_ptr<Model> clone() const override { return std::make_unique<StoreAsModel>(*this); }
  std::string apply(const Call& call) override {
    calls_.push_back(call);
    DataDir dir;
    std::unique_ptr<Subject> subject = w_.open(dir.path());
    std::string result;
    for (const Call& c : calls_) {
      const Workload::Operation* op = w_.find(c.op);
      if (op == nullptr) throw std::runtime_error("unknown operation " + c.op);
      result = op->run(*subject, c.args);
    }
    return result;
  }
  std::string state() const override {
    std::string out;
    for (const Call& c : calls_) out += c.op + ' ' + c.args + '\n';
    return out;
  }

 private:
  const Workload& w_;
  std::vector<Call> calls_;
};

}  // namespace

std::vector<std::string_view> split(std::string_view text, std::string_view sep) {
  std::vector<std::string_view> parts;
  for (std::size_t at; (at = text.find(sep)) != std::string_view::npos;) {
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + sep.size());
  }
  parts.push_back(text);
  return parts;
}

std::string CallScript::to_string() const {
  std::string out;
  for (std::size_t a = 0; a < actors.size(); ++a) {
    if (a > 0) out += " | ";
    for (std::size_t i = 0; i < actors[a].size(); ++i) {
      if (i > 0) out += "; ";
      out += actors[a][i].op;
      if (!actors[a][i].args.empty()) out += ' ' + actors[a][i].args;
    }
  }
  return out;
}

bool CallScript::parse(std::string_view text, CallScript* out) {
  CallScript script;
  for (std::string_view actor : split(text, " | ")) {
    std::vector<Call>& calls = script.actors.emplace_back();
    for (std::string_view call : split(actor, "; ")) {
      if (call.empty()) continue;
      const std::size_t space = call.find(' ');
      Call c{std::string(call.substr(0, space)),
             space == std::string_view::npos ? std::string() : std::string(call.substr(space + 1))};
      if (c.op.empty()) return false;
      calls.push_back(std::move(c));
    }
  }
  *out = std::move(script);
  return true;
}

CallScript CallScript::of(std::string_view text) {
  CallScript script;
  if (!parse(text, &script)) {
    throw std::invalid_argument("malformed call script: " + std::string(text));
  }
  return script;
}

std::vector<std::string> words(std::string_view args) {
  std::vector<std::string> out;
  for (std::string_view w : split(args, " ")) {
    if (!w.empty()) out.emplace_back(w);
  }
  return out;
}

std::size_t CallScript::calls() const {
  std::size_t n = 0;
  for (const auto& a : actors) n += a.size();
  return n;
}

const Workload::Operation* Workload::find(std::string_view op) const {
  for (const Operation& o : operations) {
    if (o.name == op) return &o;
  }
  return nullptr;
}

std::unique_ptr<Model> Workload::specification() const {
  return model ? model() : std::make_unique<StoreAsModel>(*this);
}

}  // namespace interleave::scenarios
