// interleave's public header for naming a store of one's own to the command line, the matrix and
// the suite: a StoreUnderTest (its name, how to open it, its workload and scenarios, its modes,
// where bugs are expected, the suite's explore options), added to a Catalog.
#pragma once

#include "scenarios/catalog.h"

namespace interleave {
using scenarios::Catalog;
using scenarios::ExpectedBug;
using scenarios::Mode;
using scenarios::StoreUnderTest;
}  // namespace interleave
