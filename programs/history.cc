#include "programs/history.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "fmt/format.h"

namespace interleave::programs {
namespace {

bool parse_op(std::string_view name, scenarios::OpKind* kind) {
  using scenarios::OpKind;
  if (name == "put")
    *kind = OpKind::kPut;
  else if (name == "get")
    *kind = OpKind::kGet;
  else if (name == "del")
    *kind = OpKind::kDel;
  else if (name == "increment")
    *kind = OpKind::kIncrement;
  else
    return false;
  return true;
}

}  // namespace

std::string parse_history(const std::string& text, int first_actor, scenarios::History* out) {
  std::istringstream in(text);
  std::string line;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::map<int, std::size_t> open;  // each thread's pending invocation
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream words(line);
    std::uint32_t step = 0;
    int thread = 0;
    std::string event;
    if (!(words >> step >> thread >> event) || thread < 0) {
      if (line.find_first_not_of(' ') == std::string::npos) continue;
      return fmt::format(
          "line {}: not '<step> <thread> invoke|ok|not_found|fail ...' (was the history "
          "written without the shim?)",
          number);
    }
    const int actor = first_actor + thread;
    if (event == "invoke") {
      std::string name, key, input;
      scenarios::Op op;
      if (!(words >> name >> key) || !parse_op(name, &op.kind)) {
        return fmt::format("line {}: expected 'invoke put|get|del|increment KEY [VALUE]'", number);
      }
      words >> input;
      if (op.kind == scenarios::OpKind::kIncrement && input.empty()) input = "1";
      op.actor = actor;
      op.key = key;
      op.input = input;
      op.invoked_step = step;
      op.invoked_at = 1;  // ordered by order_history()
      out->ops.push_back(std::move(op));
      open[thread] = out->ops.size() - 1;
      continue;
    }
    const auto pending = open.find(thread);
    if (pending == open.end() || pending->second == kNone) {
      return fmt::format("line {}: a response '{}' without an invocation", number, event);
    }
    scenarios::Op& op = out->ops[pending->second];
    std::string rest;
    words >> rest;
    if (event == "ok") {
      op.status = store::Status::ok_status();
      op.output = rest;
    } else if (event == "not_found") {
      op.status = store::Status::not_found();
    } else if (event == "fail") {
      std::string more;
      std::getline(words, more);
      op.status = store::Status::io_error(rest + more);
    } else {
      return fmt::format("line {}: unknown event '{}' (invoke, ok, not_found, fail)", number,
                         event);
    }
    op.returned_step = step;
    op.returned_at = 1;
    pending->second = kNone;
  }
  return {};
}

void order_history(scenarios::History* history) {
  struct Event {
    std::uint32_t step;
    int worker;
    std::size_t index;  // op index; records of one worker are in file order already
    bool response;
  };
  std::vector<Event> events;
  for (std::size_t i = 0; i < history->ops.size(); ++i) {
    const scenarios::Op& op = history->ops[i];
    events.push_back({op.invoked_step, op.actor, i, false});
    if (op.returned_at != 0) events.push_back({op.returned_step, op.actor, i, true});
  }
  std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.step != b.step) return a.step < b.step;
    if (a.worker != b.worker) return a.worker < b.worker;
    if (a.index != b.index) return a.index < b.index;
    return !a.response && b.response;
  });
  std::uint64_t clock = 0;
  for (const Event& e : events) {
    scenarios::Op& op = history->ops[e.index];
    (e.response ? op.returned_at : op.invoked_at) = ++clock;
  }
}

}  // namespace interleave::programs
