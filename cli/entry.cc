// interleave::cli::main: the whole `interleave` command line, for the interleave binary and for a
// program of one's own that adds its stores (cli/cli.h).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/parse.h"
#include "harness/cleanup.h"
#include "harness/environment.h"
#include "harness/printable.h"
#include "harness/scheduler/fatal_signal.h"

namespace {

// SIGINT, SIGTERM, SIGHUP and SIGPIPE ask the running command to stop at its next step (it then
// kills its workers and removes its data directories). A second one ends the process at once,
// after killing the workers and removing the data directories. SIGPIPE (the reader of the output
// went away) asks once and is ignored afterwards: the writes that follow fail with EPIPE and are
// reported.
void on_stop_signal(int sig) {
  static std::atomic<int> signals{0};
  if (sig == SIGPIPE) ::signal(SIGPIPE, SIG_IGN);
  if (sig != SIGPIPE && signals.fetch_add(1) > 0) {
    interleave::kill_registered_children();
    interleave::remove_registered_dirs();
    ::_exit(interleave::cli::kExitInterrupted);
  }
  interleave::cli::stop_flag().store(true);
}

// A closed standard descriptor would be handed to the next file opened: in threads mode the store's
// database.bin takes descriptor 1 while an execution runs, and whatever is printed to stdout then
// lands in the store's data. Each closed one is taken by /dev/null opened read-only instead: writes
// to it still fail (EBADF), so flush_report() notices, and no file of the harness or store gets it.
void hold_closed_standard_descriptors() {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      const int held = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // the lowest free: fd itself
      if (held > STDERR_FILENO) ::close(held);
    }
  }
}

int run(const std::vector<std::string>& args, const interleave::cli::Context& context) {
  using namespace interleave::cli;
  const CommandEnv env = CommandEnv::of_process();
  if (const auto echo = params_echo(args, env)) std::cerr << *echo << "\n";
  return run_command(parse_command_line(args, env, context));
}

}  // namespace

namespace interleave::cli {

int main(int argc, char** argv, const scenarios::Catalog& catalog, std::string program) {
  if (program.empty()) program = argc > 0 && argv[0] != nullptr ? argv[0] : "interleave";
  hold_closed_standard_descriptors();
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(sig, &action, nullptr);
  }
  interleave::install_fatal_signal_report();
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc), Context{&catalog, program});
  } catch (const interleave::EnvironmentError& e) {
    std::cerr << "interleave: error of the environment: "
              << interleave::printable(e.what(), kMaxUsageMessage) << "\n";
    return kExitEnvironment;
  } catch (const UsageError& e) {
    std::cerr << "interleave: error: " << interleave::printable(e.what(), kMaxUsageMessage) << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "interleave: error: " << interleave::printable(e.what(), kMaxUsageMessage) << "\n";
    return kExitUsage;
  }
}

}  // namespace interleave::cli
