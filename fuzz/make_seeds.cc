// interleave_fuzz_seeds FUZZ_DIR: writes the seed corpora and the schedule regressions, all made by
// the real store and scenarios, deterministically (fixed seeds; the same bytes on every run while
// the store's yield points stay the same).
//
//   FUZZ_DIR/corpus/log_fuzzer/          logs written by the store: empty, puts, deletes,
//                                        increments, long values; cut inside a record's body and
//                                        inside a header (truncated tails); a flipped value byte
//                                        and a bad type byte (corruption)
//   FUZZ_DIR/corpus/schedule_fuzzer/     for every scenario x store variant, one input that passes
//                                        in threads mode (campaigns start from it, so none may
//                                        abort) and, where one exists, in every mode
//   FUZZ_DIR/regressions/schedule_fuzzer/<mode>/
//                                        for every cell a scenario expects a bug in, one input that
//                                        finds it in that mode (replayed by fuzz_corpus_test)
//   FUZZ_DIR/corpus/cli_fuzzer/          command lines of every command, valid and not (each
//                                        defect of issue #10 among them), and schedule tokens
//
// Run it after a change of the store's yield points or of the input format:
//   build/fuzz/interleave_fuzz_seeds fuzz
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "fuzz/cli_input.h"
#include "fuzz/runner.h"
#include "harness/rng.h"
#include "harness/schedule.h"
#include "scenarios/data_dir.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace interleave;

namespace {

using Bytes = std::vector<std::uint8_t>;

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
  std::printf("%s (%zu bytes)\n", path.c_str(), bytes.size());
}

// The bytes of database.bin after `ops` ran on a fresh store.
std::string log_of(const std::function<void(store::Store&)>& ops) {
  scenarios::DataDir dir;
  {
    store::OpenResult opened = store::open_store(store::Variant::kUnlocked, dir.path());
    if (!opened.status.ok()) throw std::runtime_error(opened.status.to_string());
    ops(*opened.store);
  }
  std::ifstream in(dir.path() / store::kDataFileName, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_log_seeds(const fs::path& out) {
  const std::string puts = log_of([](store::Store& s) {
    s.put("alpha", "1");
    s.put("beta", std::string(150, 'b'));  // a body of three write chunks
    s.put("alpha", "2");
    s.del("beta");
    s.increment("counter", 5);
    s.increment("counter", -2);
    s.del("absent");
  });
  write(out / "empty", "");
  write(out / "one-put", log_of([](store::Store& s) { s.put("key", "value"); }));
  write(out / "puts-deletes-increments", puts);
  write(out / "long-value", log_of([](store::Store& s) { s.put("big", std::string(1000, 'x')); }));
  const std::size_t second = store::record_size("alpha", "1");
  write(out / "truncated-in-body", puts.substr(0, second + store::kHeaderSize + 40));
  write(out / "truncated-in-header", puts.substr(0, second + 7));
  std::string flipped = puts;
  flipped[second + store::kHeaderSize + 10] ^= 0x20;  // inside beta's value: checksum mismatch
  write(out / "corrupt-checksum", flipped);
  std::string bad_type = puts;
  bad_type[second + store::kTypeOffset] = 7;
  write(out / "corrupt-type", bad_type);
}

Bytes input_of(std::size_t scenario, std::size_t variant, std::uint8_t sizes, Rng& rng) {
  Bytes input{static_cast<std::uint8_t>(scenario), static_cast<std::uint8_t>(variant), sizes};
  for (int i = 0; i < 48; ++i) input.push_back(static_cast<std::uint8_t>(rng.next()));
  return input;
}

bool passes(const Bytes& input, scenarios::Mode mode) {
  std::optional<fuzz::FuzzRun> run = fuzz::run_fuzz_input(input, fuzz::FuzzConfig{mode, {}});
  return run && run->verdict.passed();
}

void write_schedule_seeds(const fs::path& corpus, const fs::path& regressions) {
  const auto scenario_list = fuzz::fuzzable_scenarios();
  const auto variants = store::all_variants();
  Rng rng(20261126);
  for (std::size_t s = 0; s < scenario_list.size(); ++s) {
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const auto sizes = static_cast<std::uint8_t>((s + v) % 6);
      const std::string name =
          fmt::format("{}-{}", scenario_list[s]->name(), store::to_string(variants[v]));
      // Clean in every mode if the first 500 tries find one (some cells have a bug even in the
      // sequential execution: a stale index in processes mode), else clean in threads mode.
      for (int attempt = 0; attempt < 1000; ++attempt) {
        Bytes input = input_of(s, v, sizes, rng);
        if (attempt == 999) input.resize(fuzz::kScheduleHeaderBytes);  // no choices: sequential
        bool clean = passes(input, scenarios::Mode::kThreads);
        for (scenarios::Mode mode : scenarios::all_modes()) {
          if (attempt < 500) clean = clean && passes(input, mode);
        }
        if (clean) {
          write(corpus / name, std::string(input.begin(), input.end()));
          break;
        }
      }
      for (scenarios::Mode mode : scenarios::all_modes()) {
        if (scenario_list[s]->expect(variants[v], mode) != scenarios::Expect::kBug) continue;
        for (int attempt = 0; attempt < 20000; ++attempt) {
          const Bytes input = input_of(s, v, sizes, rng);
          if (!passes(input, mode)) {
            write(regressions / scenarios::to_string(mode) / name,
                  std::string(input.begin(), input.end()));
            break;
          }
        }
      }
    }
  }
}

// `body` with its checksum: a token that only its fields can make wrong.
std::string with_check(const std::string& body) {
  return fmt::format("{}:{:08x}", body, token_check(body));
}

void write_cli_seeds(const fs::path& out) {
  const std::string token = encode_token(
      {"lost-update", "unlocked", "threads", {{'a', 2}, {'o', 2}}, {0, 0, 0, 1, 1, 0, 0}});
  const std::string mixed = encode_token({"duplicate-offsets",
                                          "flock",
                                          "mixed",
                                          {{'a', 4}, {'o', 2}, {'p', 2}},
                                          {0, 0, 1, 2, 3, 3, 2, 1, 0}});
  std::string upper = token;
  for (std::size_t i = upper.rfind(':') + 1; i < upper.size(); ++i) {
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  }
  using Args = std::vector<std::string>;
  const Args explore = {"explore", "--scenario", "lost-update", "--store", "unlocked"};
  auto with = [](Args base, const Args& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  const std::vector<std::pair<std::string, fuzz::CommandLineInput>> seeds = {
      {"list", {{}, {"list"}}},
      {"help", {{}, {"--help"}}},
      {"explore-help", {{}, {"explore", "--help"}}},
      {"explore", {{}, explore}},
      {"explore-pct",
       {{},
        with(explore, {"--strategy", "pct", "--seed", "3", "--depth", "2", "--executions", "10",
                       "--json"})}},
      {"explore-workers", {{}, with(explore, {"--mode", "processes", "--workers", "3"})}},
      {"explore-workers-threads", {{}, with(explore, {"--workers", "2", "--threads", "2"})}},
      {"explore-mixed",
       {{},
        with(explore, {"--mode", "mixed", "--processes", "2", "--threads", "2", "--ops", "1"})}},
      {"explore-dfs-shard",
       {{}, with(explore, {"--strategy", "dfs", "--preemption-bound", "1", "--shard", "1/2"})}},
      {"explore-limits",
       {{},
        with(explore, {"--time-limit", "0.5", "--jobs", "2", "--no-shrink", "--max-steps=1000",
                       "--hang-timeout-ms", "300", "--trace-out", "t.json", "--junit", "j.xml"})}},
      {"params-flags", {"seed=7 executions=5 json no-shrink=true", explore}},
      {"params-matrix", {"json=0 executions=3", {"matrix"}}},
      {"matrix", {{}, {"matrix", "--executions", "10", "--seed", "2", "--junit", "m.xml"}}},
      {"replay", {{}, {"replay", "--schedule", token}}},
      {"replay-mixed", {{}, {"replay", "--schedule", mixed, "--json", "--max-steps", "100"}}},
      {"replay-fuzz-input", {{}, {"replay", "--fuzz-input", "fuzz/regressions/x"}}},
      {"bad-seed-negative", {{}, with(explore, {"--seed", "-1"})}},
      {"bad-seed-overlong", {{}, with(explore, {"--seed", "12345678901234567890123"})}},
      {"bad-time-limit-nan", {{}, with(explore, {"--time-limit", "nan"})}},
      {"bad-params-empty-value", {"seed=", explore}},
      {"bad-params-unknown-name", {"bogus=1", explore}},
      {"bad-extras", {{}, with(explore, {"a", "b", "c", "d"})}},
      {"bad-escape-bytes", {{}, {"explore", "--scenario", "\x1b[31mred\x07", "--store", "x"}}},
      {"bad-workers-actors", {{}, with(explore, {"--workers", "2", "--actors", "2"})}},
      {"bad-shard-empty", {{}, with(explore, {"--shard", "7/10", "--executions", "5"})}},
      {"bad-actors", {{}, with(explore, {"--actors", "53"})}},
      {"bad-empty-values", {{}, with(explore, {"--mode=", "--strategy="})}},
      {"bad-command", {{}, {"frobnicate"}}},
      {"bad-no-command", {{}, {}}},
      {"bad-list-extra", {{}, {"list", "extra"}}},
      {"bad-token", {{}, {"replay", "--schedule", "garbage"}}},
      {"bad-token-uppercase-check", {{}, {"replay", "--schedule", upper}}},
      {"bad-token-size-letters",
       {{}, {"replay", "--schedule", with_check("I1:lost-update:unlocked:threads:a2o2a2x1:ab")}}},
      {"bad-token-not-canonical",
       {{}, {"replay", "--schedule", with_check("I1:lost-update:unlocked:threads:a02o2:aab1")}}},
      {"token", {{}, {token}}},
  };
  for (const auto& [name, input] : seeds) write(out / name, fuzz::encode_command_line_input(input));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FUZZ_DIR   (the fuzz/ directory of the source tree)\n",
                 argv[0]);
    return 2;
  }
  const fs::path dir = argv[1];
  write_log_seeds(dir / "corpus" / "log_fuzzer");
  write_cli_seeds(dir / "corpus" / "cli_fuzzer");
  write_schedule_seeds(dir / "corpus" / "schedule_fuzzer", dir / "regressions" / "schedule_fuzzer");
  return 0;
}
