// tiny_kv against every interleave scenario, in threads mode (its lock is a thread lock).
#include "tiny_kv.h"

#include "interleave/testing.h"

namespace {

interleave::testing::StoreUnderTest tiny_kv_under_test() {
  return {.name = "tiny-kv",
          .open = [](const std::filesystem::path& dir) { return tiny_kv::open(dir); },
          .modes = {interleave::scenarios::Mode::kThreads},
          .executions = 300};
}

INTERLEAVE_STORE_SUITE(TinyKv, tiny_kv_under_test);

}  // namespace
