#include "programs/spec.h"

#include <elf.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "harness/printable.h"

namespace interleave::programs {
namespace {

std::uint32_t fnv(std::uint32_t h, std::string_view text) {
  for (unsigned char c : text) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

// `name` found on $PATH (or as given when it has a '/'), absolute.
std::string resolve_program(const std::string& name) {
  std::string found;
  if (name.find('/') != std::string::npos) {
    found = name;
  } else {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
    }
  }
  char real[PATH_MAX];
  if (found.empty() || ::realpath(found.c_str(), real) == nullptr || ::access(real, X_OK) != 0) {
    throw ProgramError(fmt::format("program '{}' not found or not executable", printable(name)));
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

}  // namespace

std::uint32_t ProgramSpec::hash() const {
  std::uint32_t h = 2166136261u;
  for (const auto& argv : workers) {
    for (const std::string& a : argv) h = fnv(fnv(h, a), std::string_view("\0", 1));
    h = fnv(h, "\n");
  }
  return fnv(fnv(h, "setup:"), setup);
}

std::string find_shim(const std::string& given) {
  std::vector<std::string> candidates;
  if (!given.empty()) candidates.push_back(given);
  if (const char* env = std::getenv("INTERLEAVE_SHIM")) candidates.push_back(env);
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir.resize(dir.rfind('/'));
    candidates.push_back(dir + "/libinterleave_shim.so");
    candidates.push_back(dir + "/../lib/libinterleave_shim.so");
  }
  for (const std::string& c : candidates) {
    char real[PATH_MAX];
    if (::realpath(c.c_str(), real) != nullptr) return real;
  }
  throw ProgramError(
      "cannot find libinterleave_shim.so next to the interleave binary: give --shim PATH or "
      "INTERLEAVE_SHIM");
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
  spec.setup = request.setup;
  spec.check = request.check;
  spec.shim = find_shim(request.shim);
  return spec;
}

}  // namespace interleave::programs
