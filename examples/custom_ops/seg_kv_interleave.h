// seg_kv as interleave sees it: its operations (put, get, compact), a model of what they must
// return, and the scenario that breaks the broken build's compaction.
#pragma once

#include "interleave/catalog.h"

namespace seg_kv {

// The store under test, named "seg-kv": its workload and its scenarios, compaction-under-puts (a
// compaction and two puts, after a setup that put a and b) and compaction-under-one-put (the same
// with one put), in threads mode.
interleave::StoreUnderTest under_test();

}  // namespace seg_kv
