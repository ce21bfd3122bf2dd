// What a run can name: the built-in scenarios and store variants, and the stores of one's own (with
// their own scenarios) that a program adds. The command line, the matrix and the store suite look
// names up here, and every process of an execution opens its store through it.
//
// A catalog is a plain value the program builds and passes on (no registration at static
// initialization, no global list): a user's main builds one and hands it to interleave::cli::main
// (cli/cli.h); the suite builds one per store under test.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/verdict.h"
#include "scenarios/scenario.h"
#include "scenarios/workload.h"
#include "store/store.h"

namespace interleave::scenarios {

// How a process opens a store of one's own that implements store::Store on a data directory.
using StoreOpener = std::function<store::OpenResult(const std::filesystem::path& dir)>;

// Where a store of one's own is expected to fail. An empty `scenario` matches every scenario, no
// `mode` every mode, no `kind` every bug kind.
struct ExpectedBug {
  std::string scenario;
  std::optional<Mode> mode;
  std::optional<BugKind> kind;
  bool matches(std::string_view scenario_name, Mode m) const;
};

// A store of one's own. It runs the built-in scenarios when `open` is set (it implements
// store::Store: put, get, del, increment), and its own scenarios over its own operations when
// `workload` is set (scenarios/workload.h); at least one of the two.
struct StoreUnderTest {
  std::string name;     // in tokens and reports: [A-Za-z0-9._-]+, not a built-in variant's name
  std::string summary;  // one line for `list`
  StoreOpener open;     // opens (creating if missing) the store in a directory
  std::shared_ptr<const Workload> workload;
  // Its own scenarios (WorkloadScenario over `workload`, or any Scenario); they run on this store
  // only. Their names must differ from every other scenario's.
  std::vector<std::shared_ptr<const Scenario>> scenarios;
  // The modes it is meant for: the suite's tests and the matrix's cells.
  std::vector<Mode> modes = {Mode::kThreads};
  // Where a bug is expected (a test fails if it is not found there); everywhere else it must be
  // clean.
  std::vector<ExpectedBug> expected_bugs;
  // The suite's explore options, as INTERLEAVE_PARAMS names them ("strategy=dfs
  // preemption-bound=2 actors=3"); INTERLEAVE_PARAMS, when set, adds to them and wins. Without a
  // strategy the suite runs random search, then PCT, `executions` each.
  std::string params;
  // Options for one scenario, after `params` (same syntax): {"lost-update", "actors=3 ops=4"}.
  std::map<std::string, std::string, std::less<>> scenario_params;
  std::uint64_t executions = 500;  // the suite's budget per strategy unless params set one

  // Whether a bug is expected in `scenario` in `mode`.
  Expect expect(std::string_view scenario, Mode mode) const;
};

class Catalog {
 public:
  // The built-in scenarios and store variants only.
  Catalog() = default;
  // The catalog with nothing added (what the plain `interleave` command knows).
  static const Catalog& builtin();

  // Adds a store of one's own. Throws std::invalid_argument naming the problem: a name that is
  // malformed or taken (by a variant, a store or a scenario), neither `open` nor `workload`, a
  // scenario whose name is taken, a workload scenario over another workload or calling an
  // operation its workload lacks.
  Catalog& add(StoreUnderTest store);

  // Built-in scenarios first, then the stores' own; nullptr for an unknown name.
  const Scenario* find_scenario(std::string_view name) const;
  // The store of one's own named `name`, or nullptr (built-in variants are not in here).
  const StoreUnderTest* find_store(std::string_view name) const;
  const std::deque<StoreUnderTest>& stores() const { return stores_; }
  // Every scenario: the built-in ones, then each store's own.
  std::vector<const Scenario*> scenarios() const;
  // The scenarios `store` runs: the built-in ones that are not test-only (when it has `open`),
  // then its own.
  std::vector<const Scenario*> scenarios_of(const StoreUnderTest& store) const;
  // Why `scenario` cannot run on the store named `store` (a built-in variant or one of the
  // catalog's), or nullopt when it can.
  std::optional<std::string> check_pair(const Scenario& scenario, std::string_view store) const;
  // The store that owns `scenario` (one of its own scenarios), or nullptr.
  const StoreUnderTest* owner_of(const Scenario& scenario) const;

 private:
  std::deque<StoreUnderTest> stores_;  // a deque: find_store()'s pointers stay valid
};

}  // namespace interleave::scenarios
