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
#include "fuzz/runner.h"
#include "harness/rng.h"
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FUZZ_DIR   (the fuzz/ directory of the source tree)\n",
                 argv[0]);
    return 2;
  }
  const fs::path dir = argv[1];
  write_log_seeds(dir / "corpus" / "log_fuzzer");
  write_schedule_seeds(dir / "corpus" / "schedule_fuzzer", dir / "regressions" / "schedule_fuzzer");
  return 0;
}
