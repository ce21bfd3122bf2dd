// The `interleave` command (cli/cli.h has what it does).
#include "cli/cli.h"

int main(int argc, char** argv) {
  return interleave::cli::main(argc, argv, interleave::scenarios::Catalog::builtin(), "interleave");
}
