// seg_kv under interleave: one GoogleTest test per scenario and mode, and, with a command as the
// first argument, the whole interleave command line over the store:
//   ./seg_kv_test                                   the tests
//   ./seg_kv_test explore --scenario compaction-under-puts --store seg-kv --strategy dpor
//   ./seg_kv_test replay --schedule <token>
#include "interleave/testing.h"
#include "seg_kv_interleave.h"

namespace {

INTERLEAVE_STORE_SUITE(SegKv, seg_kv::under_test);

}  // namespace

int main(int argc, char** argv) {
  interleave::Catalog catalog;
  catalog.add(seg_kv::under_test());
  return interleave::testing::main(argc, argv, catalog);
}
