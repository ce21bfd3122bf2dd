// The strategy registry: the list in strategies.def, and lookups by name.
#include <array>

#include "harness/strategies/strategy.h"

namespace interleave {

#define INTERLEAVE_STRATEGY(info) extern const StrategyInfo info;
#include "harness/strategies/strategies.def"
#undef INTERLEAVE_STRATEGY

std::span<const StrategyInfo* const> all_strategies() {
#define INTERLEAVE_STRATEGY(info) &info,
  static const StrategyInfo* const kAll[] = {
#include "harness/strategies/strategies.def"
  };
#undef INTERLEAVE_STRATEGY
  return kAll;
}

const StrategyInfo* find_strategy(std::string_view name) {
  for (const StrategyInfo* info : all_strategies()) {
    if (info->name == name) return info;
  }
  return nullptr;
}

std::string strategy_names() {
  std::string out;
  for (const StrategyInfo* info : all_strategies()) {
    out += (out.empty() ? "" : ", ") + std::string(info->name);
  }
  return out;
}

}  // namespace interleave
