// The whole `interleave` command line as a function, for a program of one's own: its main builds a
// Catalog with its stores (and their scenarios) and hands over, and the program then takes every
// command and flag the `interleave` binary takes (list, explore, replay, matrix), with its stores
// beside the built-in ones:
//
//   int main(int argc, char** argv) {
//     interleave::scenarios::Catalog catalog;
//     catalog.add(my_store());
//     return interleave::cli::main(argc, argv, catalog);
//   }
//
//   $ ./my_tool explore --scenario my-compaction --store my-kv --strategy dpor
//   $ ./my_tool replay --schedule I1:my-compaction:my-kv:threads:...
#pragma once

#include <string>

#include "scenarios/catalog.h"

namespace interleave::cli {

// Runs the command line `argv` against `catalog` (which outlives the call) and returns the exit
// code (0 no bug, 1 bug found, 2 usage error, 3 error of the environment, 130 interrupted).
// Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGPIPE (stop, clean up) and for fatal signals
// (a report with the replay line). `program` is the command the replay lines name; empty: argv[0].
int main(int argc, char** argv, const scenarios::Catalog& catalog, std::string program = {});

}  // namespace interleave::cli
