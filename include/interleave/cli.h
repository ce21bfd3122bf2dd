// interleave's public header for a program of one's own that is the whole `interleave` command
// line over its stores: interleave::cli::main(argc, argv, catalog).
#pragma once

#include "cli/cli.h"
#include "interleave/catalog.h"
