#include "programs/spec.h"

#include <elf.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "fmt/format.h"
#include "harness/control.h"
#include "harness/printable.h"

namespace interleave::programs {
namespace {

// The marker and protocol version shim/entry.c carries (interleave_shim_marker).
constexpr std::string_view kShimMarker = "INTERLEAVE_SHIM_PROTOCOL=3";

std::uint32_t fnv(std::uint32_t h, std::string_view text) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// Why `path` cannot be executed by execve, or "" when it can: a directory, no execute permission,
// neither an ELF file nor a script whose #! interpreter exists.
std::string why_not_executable(const std::string& path, int depth = 0) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (S_ISDIR(st.st_mode)) return "it is a directory";
  if (!S_ISREG(st.st_mode)) return "it is not a regular file";
  if (::access(path.c_str(), X_OK) != 0) return "it has no execute permission";
  std::ifstream in(path, std::ios::binary);
  char head[256] = {};
  in.read(head, sizeof head - 1);
  const std::streamsize n = in.gcount();
  if (n >= 4 && std::memcmp(head, ELFMAG, SELFMAG) == 0) return {};
  if (n >= 2 && head[0] == '#' && head[1] == '!') {
    std::string line(head + 2, static_cast<std::size_t>(n - 2));
    line = line.substr(0, line.find('\n'));
    const std::size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) return "its #! line names no interpreter";
    const std::string interpreter = line.substr(start, line.find_first_of(" \t", start) - start);
    if (depth > 2) return "its #! interpreters nest too deep";
    if (std::string why = why_not_executable(interpreter, depth + 1); !why.empty()) {
      return fmt::format("its interpreter {} cannot be executed: {}", printable(interpreter), why);
    }
    return {};
  }
  return "it is neither an ELF program nor a #! script (exec fails with ENOEXEC)";
}

// `name` found on $PATH (or as given when it has a '/'), absolute, and checked to be executable.
std::string resolve_program(const std::string& name) {
  if (name.empty()) throw ProgramError("program '': an empty name names no program");
  std::string found;
  if (name.find('/') != std::string::npos) {
    found = name;
  } else {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      struct stat st {};
      if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
    }
  }
  char real[PATH_MAX];
  if (found.empty() || ::realpath(found.c_str(), real) == nullptr) {
    throw ProgramError(fmt::format("program '{}' not found", printable(name)));
  }
  if (const std::string why = why_not_executable(real); !why.empty()) {
    throw ProgramError(fmt::format("program '{}' cannot be executed: {}", printable(name), why));
  }
  return real;
}

// Absolute paths for the program and for arguments that name existing files.
std::vector<std::string> absolute_args(std::vector<std::string> argv) {
  argv[0] = resolve_program(argv[0]);
  for (std::size_t i = 1; i < argv.size(); ++i) {
    char real[PATH_MAX];
    if (!argv[i].starts_with("-") && ::access(argv[i].c_str(), F_OK) == 0 &&
        ::realpath(argv[i].c_str(), real) != nullptr) {
      argv[i] = real;
    }
  }
  return argv;
}

// Whether an ELF executable has no program interpreter (statically linked: no shim can load).
bool statically_linked(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Elf64_Ehdr h{};
  if (!in.read(reinterpret_cast<char*>(&h), sizeof h)) return false;
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0 || h.e_ident[EI_CLASS] != ELFCLASS64) {
    return false;
  }
  for (int i = 0; i < h.e_phnum; ++i) {
    Elf64_Phdr p{};
    in.seekg(static_cast<std::streamoff>(h.e_phoff + i * sizeof p));
    if (!in.read(reinterpret_cast<char*>(&p), sizeof p)) return false;
    if (p.p_type == PT_INTERP) return false;
  }
  return true;
}

// Why `path` is not the shim this build speaks to, or "": it must be an ELF file holding the
// marker the shim carries (shim/entry.c), with this protocol's version.
std::string why_not_shim(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::strerror(errno);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 4 || std::memcmp(bytes.data(), ELFMAG, SELFMAG) != 0) {
    return "not an ELF shared library";
  }
  if (bytes.find(kShimMarker) != std::string::npos) return {};
  if (bytes.find("INTERLEAVE_SHIM_PROTOCOL=") != std::string::npos) {
    return "it is a shim of another interleave version (its protocol differs)";
  }
  return "it does not carry the shim's marker";
}

}  // namespace

std::uint32_t ProgramSpec::hash() const {
  std::uint32_t h = 2166136261u;
  for (const auto& argv : workers) {
    for (const std::string& a : argv) h = fnv(fnv(h, a), std::string_view("\0", 1));
    h = fnv(h, "\n");
  }
  h = fnv(fnv(h, "setup:"), setup);
  return spurious_wakeups ? fnv(h, "\nspurious-wakeups") : h;
}

std::string find_shim(const std::string& given) {
  // One given (--shim, $INTERLEAVE_SHIM) must be the shim; else the one installed beside us.
  std::string named = given;
  const char* source = "--shim";
  if (named.empty()) {
    if (const char* env = std::getenv("INTERLEAVE_SHIM"); env != nullptr && *env != '\0') {
      named = env;
      source = "INTERLEAVE_SHIM";
    }
  }
  std::vector<std::string> candidates;
  if (!named.empty()) {
    candidates.push_back(named);
  } else {
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
      self[n] = '\0';
      std::string dir(self);
      dir.resize(dir.rfind('/'));
      candidates.push_back(dir + "/libinterleave_shim.so");
      candidates.push_back(dir + "/../lib/libinterleave_shim.so");
    }
  }
  for (const std::string& c : candidates) {
    char real[PATH_MAX];
    if (::realpath(c.c_str(), real) == nullptr) continue;
    if (const std::string why = why_not_shim(real); !why.empty()) {
      throw ProgramError(
          fmt::format("{} {} is not interleave's shim: {}", source, printable(c), why));
    }
    return real;
  }
  if (!named.empty()) {
    throw ProgramError(fmt::format("{} {}: {}", source, printable(named), std::strerror(ENOENT)));
  }
  throw ProgramError(
      "cannot find libinterleave_shim.so next to the interleave binary: give --shim PATH or "
      "INTERLEAVE_SHIM");
}

int default_threads(int workers) {
  return std::max(1, std::min(8, IL_MAX_ACTORS / std::max(workers, 1)));
}

ProgramSpec resolve(const ProgramRequest& request) {
  ProgramSpec spec;
  const int n = request.worker_programs.empty() ? request.workers
                                                : static_cast<int>(request.worker_programs.size());
  for (int w = 0; w < n; ++w) {
    std::vector<std::string> argv = request.worker_programs.empty()
                                        ? request.program
                                        : request.worker_programs[static_cast<std::size_t>(w)];
    if (argv.empty()) throw ProgramError(fmt::format("the command of worker {} is empty", w));
    argv = absolute_args(argv);
    if (statically_linked(argv[0])) {
      throw ProgramError(fmt::format(
          "{} is statically linked: the shim cannot be preloaded into it, so none of its calls "
          "could be controlled",
          printable(argv[0])));
    }
    spec.workers.push_back(std::move(argv));
  }
  spec.threads = request.threads > 0 ? request.threads : default_threads(n);
  if (n * spec.threads > IL_MAX_ACTORS) {
    throw ProgramError(
        fmt::format("{} workers x {} threads is more than the {} actors of an execution", n,
                    spec.threads, IL_MAX_ACTORS));
  }
  spec.setup = request.setup;
  spec.check = request.check;
  spec.spurious_wakeups = request.spurious_wakeups;
  spec.shim = find_shim(request.shim);
  return spec;
}

}  // namespace interleave::programs
