#include "scenarios/catalog.h"

#include <stdexcept>

#include "fmt/format.h"
#include "scenarios/registry.h"
#include "scenarios/workload_scenario.h"

namespace interleave::scenarios {
namespace {

bool well_formed_name(std::string_view name) {
  if (name.empty() || name.size() > 48) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void reject(const std::string& store, const std::string& why) {
  throw std::invalid_argument(fmt::format("cannot add the store '{}': {}", store, why));
}

}  // namespace

bool ExpectedBug::matches(std::string_view scenario_name, Mode m) const {
  return (scenario.empty() || scenario == scenario_name) && (!mode || *mode == m);
}

Expect StoreUnderTest::expect(std::string_view scenario, Mode mode) const {
  for (const ExpectedBug& e : expected_bugs) {
    if (e.matches(scenario, mode)) return Expect::kBug;
  }
  return Expect::kClean;
}

const Catalog& Catalog::builtin() {
  static const Catalog catalog;
  return catalog;
}

Catalog& Catalog::add(StoreUnderTest store) {
  const std::string& name = store.name;
  if (!well_formed_name(name)) {
    reject(name, "a store's name is 1 to 48 of [A-Za-z0-9._-]");
  }
  if (store::parse_variant(name) || find_store(name) != nullptr) {
    reject(name, "the name is taken");
  }
  if (!store.open && !store.workload) {
    reject(name, "it needs `open` (a store::Store) or `workload` (its own operations)");
  }
  if (store.modes.empty()) reject(name, "it names no mode");
  if (store.workload && store.workload->name != name) {
    reject(name,
           fmt::format("its workload is named '{}'; give both one name", store.workload->name));
  }
  for (const auto& scenario : store.scenarios) {
    const std::string scenario_name(scenario->name());
    if (!well_formed_name(scenario_name)) {
      reject(name,
             fmt::format("scenario '{}': a name is 1 to 48 of [A-Za-z0-9._-]", scenario_name));
    }
    if (find_scenario(scenario_name) != nullptr) {
      reject(name, fmt::format("the scenario name '{}' is taken", scenario_name));
    }
    if (const auto* w = dynamic_cast<const WorkloadScenario*>(scenario.get())) {
      if (!store.workload) {
        reject(name, fmt::format("scenario '{}' calls operations, but the store has no workload",
                                 scenario_name));
      }
      if (auto bad = w->check_calls(*store.workload)) {
        reject(name, fmt::format("scenario '{}': {}", scenario_name, *bad));
      }
    }
  }
  stores_.push_back(std::move(store));
  return *this;
}

const Scenario* Catalog::find_scenario(std::string_view name) const {
  if (const Scenario* s = scenarios::find_scenario(name)) return s;
  for (const StoreUnderTest& store : stores_) {
    for (const auto& s : store.scenarios) {
      if (s->name() == name) return s.get();
    }
  }
  return nullptr;
}

const StoreUnderTest* Catalog::find_store(std::string_view name) const {
  for (const StoreUnderTest& store : stores_) {
    if (store.name == name) return &store;
  }
  return nullptr;
}

std::vector<const Scenario*> Catalog::scenarios() const {
  std::vector<const Scenario*> out(all_scenarios().begin(), all_scenarios().end());
  for (const StoreUnderTest& store : stores_) {
    for (const auto& s : store.scenarios) out.push_back(s.get());
  }
  return out;
}

std::vector<const Scenario*> Catalog::scenarios_of(const StoreUnderTest& store) const {
  std::vector<const Scenario*> out;
  if (store.open) {
    for (const Scenario* s : all_scenarios()) {
      if (!s->test_only()) out.push_back(s);
    }
  }
  for (const auto& s : store.scenarios) out.push_back(s.get());
  return out;
}

const StoreUnderTest* Catalog::owner_of(const Scenario& scenario) const {
  for (const StoreUnderTest& store : stores_) {
    for (const auto& s : store.scenarios) {
      if (s.get() == &scenario) return &store;
    }
  }
  return nullptr;
}

std::optional<std::string> Catalog::check_pair(const Scenario& scenario,
                                               std::string_view store) const {
  const StoreUnderTest* owner = owner_of(scenario);
  const StoreUnderTest* user = find_store(store);
  if (owner != nullptr && owner != user) {
    return fmt::format("scenario '{}' is the store {}'s own and runs on it only", scenario.name(),
                       owner->name);
  }
  if (owner == nullptr && user != nullptr && !user->open) {
    return fmt::format(
        "the store {} has only its own operations (no store::Store): it runs its own scenarios, "
        "not '{}'",
        store, scenario.name());
  }
  return std::nullopt;
}

}  // namespace interleave::scenarios
