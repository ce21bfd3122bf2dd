#include "cli/test_signal.h"

#include <signal.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace interleave::cli {
namespace {

constexpr const char* kVariable = "INTERLEAVE_TEST_SIGNAL";

int signal_named(std::string_view name) {
  if (name == "INT") return SIGINT;
  if (name == "TERM") return SIGTERM;
  if (name == "HUP") return SIGHUP;
  if (name == "PIPE") return SIGPIPE;
  throw UsageError(std::string(kVariable) + ": unknown signal (known: INT, TERM, HUP, PIPE)");
}

}  // namespace

BeforeExecution test_signal_hook() {
  const char* value = std::getenv(kVariable);
  if (value == nullptr || *value == '\0') return {};
  const std::string_view text(value);
  const auto first = text.find(':');
  const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) {
    throw UsageError(std::string(kVariable) + ": expected <phase>:<index>:<SIG>[+<SIG>...]");
  }
  const std::string phase(text.substr(0, first));
  const std::string_view index_text = text.substr(first + 1, second - first - 1);
  std::uint64_t index = 0;
  const auto [end, ec] =
      std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
  if (ec != std::errc() || end != index_text.data() + index_text.size()) {
    throw UsageError(std::string(kVariable) + ": the index must be a number");
  }
  std::vector<int> signals;
  for (std::string_view rest = text.substr(second + 1);;) {
    const auto plus = rest.find('+');
    signals.push_back(signal_named(rest.substr(0, plus)));
    if (plus == std::string_view::npos) break;
    rest.remove_prefix(plus + 1);
  }
  return [phase, index, signals](std::string_view at, std::uint64_t i) {
    if (at != phase || i != index) return;
    for (int sig : signals) ::raise(sig);
  };
}

}  // namespace interleave::cli
