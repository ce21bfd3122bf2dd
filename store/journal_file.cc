// A journal of the changes made to files on disk, so that the harness can tell which writes a
// power loss may take (store/file.h: make_journaling_file_system).
//
// A record is one append to the journal: a kind byte, the path's length (u32), an offset or size
// (u64), the data's length (u32), then the path and the data (native byte order: the journal never
// leaves the machine that wrote it).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>

#include "store/file.h"

namespace interleave::store {
namespace {

enum class Change : char {
  kCreateDirectories = 'd',
  kOpen = 'o',
  kWrite = 'w',
  kAppend = 'a',
  kTruncate = 't',
  kSync = 's',
  kSyncDirectory = 'D',
};

constexpr std::size_t kHeaderSize = 1 + 4 + 8 + 4;

Status journal_error(std::string_view call, const std::filesystem::path& journal, int err) {
  return Status::io_error(
      std::string(call) + " " + journal.string() + " (the crash journal): " + std::strerror(err),
      err);
}

// The journal file, appended to by one descriptor with O_APPEND.
class Journal {
 public:
  explicit Journal(std::filesystem::path path)
      : path_(std::move(path)),
        fd_(::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)),
        open_errno_(fd_ < 0 ? errno : 0) {}
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::filesystem::path& path() const { return path_; }

  Status record(Change change, std::string_view path, std::uint64_t off = 0,
                std::string_view data = {}) {
    if (fd_ < 0) return journal_error("open", path_, open_errno_);
    std::string bytes(kHeaderSize, '\0');
    const auto path_size = static_cast<std::uint32_t>(path.size());
    const auto data_size = static_cast<std::uint32_t>(data.size());
    bytes[0] = static_cast<char>(change);
    std::memcpy(&bytes[1], &path_size, 4);
    std::memcpy(&bytes[5], &off, 8);
    std::memcpy(&bytes[13], &data_size, 4);
    bytes.append(path);
    bytes.append(data);
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return journal_error("write", path_, errno);
      done += static_cast<std::size_t>(n);
    }
    return Status::ok_status();
  }

  // Empties the journal (after restore(): it starts again from the image).
  void clear() {
    if (fd_ >= 0 && ::ftruncate(fd_, 0) != 0) {
      throw std::runtime_error("cannot empty the crash journal " + path_.string() + ": " +
                               std::strerror(errno));
    }
  }

 private:
  std::filesystem::path path_;
  int fd_;
  int open_errno_;
};

class JournalingFile final : public FileWrapper {
 public:
  JournalingFile(std::unique_ptr<File> target, std::string path, Journal* journal)
      : FileWrapper(std::move(target)), path_(std::move(path)), journal_(journal) {}

  Status write_at(std::uint64_t off, std::string_view data) override {
    if (Status s = target().write_at(off, data); !s.ok()) return s;
    return journal_->record(Change::kWrite, path_, off, data);
  }
  Status append(std::string_view data) override {
    if (Status s = target().append(data); !s.ok()) return s;
    return journal_->record(Change::kAppend, path_, 0, data);
  }
  Status truncate(std::uint64_t size) override {
    if (Status s = target().truncate(size); !s.ok()) return s;
    return journal_->record(Change::kTruncate, path_, size);
  }
  Status sync() override {
    if (Status s = target().sync(); !s.ok()) return s;
    return journal_->record(Change::kSync, path_);
  }

 private:
  const std::string path_;
  Journal* const journal_;
};

std::string read_whole(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return {};
  if (fd < 0) {
    throw std::runtime_error("cannot read the crash journal " + path.string() + ": " +
                             std::strerror(errno));
  }
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : 0;
      ::close(fd);
      if (err != 0) {
        throw std::runtime_error("cannot read the crash journal " + path.string() + ": " +
                                 std::strerror(err));
      }
      return out;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

void write_whole(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  std::size_t done = 0;
  while (fd >= 0 && done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  const int err = errno;
  if (fd >= 0) ::close(fd);
  if (done < bytes.size()) {
    throw std::runtime_error("cannot restore " + path + " after a crash: " + std::strerror(err));
  }
}

std::string parent_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos
                         ? std::string_view(".")
                         : path.substr(0, std::max<std::size_t>(slash, 1)));
}

class JournalingFileSystem final : public FileSystem {
 public:
  explicit JournalingFileSystem(std::filesystem::path journal) : journal_(std::move(journal)) {}

  Status open(const std::filesystem::path& path, bool o_append,
              std::unique_ptr<File>* out) override {
    std::unique_ptr<File> file;
    if (Status s = posix_file_system().open(path, o_append, &file); !s.ok()) return s;
    if (Status s = journal_.record(Change::kOpen, path.native()); !s.ok()) return s;
    *out = std::make_unique<JournalingFile>(std::move(file), path.string(), &journal_);
    return Status::ok_status();
  }
  Status create_directories(const std::filesystem::path& dir) override {
    if (Status s = posix_file_system().create_directories(dir); !s.ok()) return s;
    return journal_.record(Change::kCreateDirectories, dir.native());
  }
  Status sync_directory(const std::filesystem::path& dir) override {
    if (Status s = posix_file_system().sync_directory(dir); !s.ok()) return s;
    return journal_.record(Change::kSyncDirectory, dir.native());
  }

  bool crash_state(std::vector<FileState>* out) override {
    EnvironmentLock lock(mu_);
    const std::unique_ptr<FileSystem> memory = replay();
    memory->crash_state(out);
    known_.clear();
    for (const FileState& f : *out) known_.push_back(f.path);
    return true;
  }

  void restore(const CrashImage& image) override {
    EnvironmentLock lock(mu_);
    for (const std::string& path : known_) {
      const bool kept = std::any_of(image.files.begin(), image.files.end(),
                                    [&](const auto& file) { return file.first == path; });
      if (!kept && ::unlink(path.c_str()) != 0 && errno != ENOENT) {
        throw std::runtime_error("cannot remove " + path +
                                 " after a crash: " + std::strerror(errno));
      }
    }
    for (const auto& [path, bytes] : image.files) write_whole(path, bytes);
    journal_.clear();
    baseline_ = image;
  }

 private:
  // The files as the file system in memory holds them after the baseline and every change since.
  std::unique_ptr<FileSystem> replay() const {
    std::unique_ptr<FileSystem> memory = make_memory_file_system();
    for (const auto& [path, bytes] : baseline_.files) memory->create_directories(parent_of(path));
    memory->restore(baseline_);
    std::map<std::string, std::unique_ptr<File>, std::less<>> plain;
    std::map<std::string, std::unique_ptr<File>, std::less<>> appending;
    auto handle = [&](const std::string& path, bool o_append) -> File& {
      auto& files = o_append ? appending : plain;
      std::unique_ptr<File>& f = files[path];
      if (!f) {
        memory->create_directories(parent_of(path));
        if (!memory->open(path, o_append, &f).ok()) bad("a file cannot be opened again");
      }
      return *f;
    };
    const std::string bytes = read_whole(journal_.path());
    std::size_t at = 0;
    while (at < bytes.size()) {
      if (bytes.size() - at < kHeaderSize) bad("a record is cut short");
      std::uint32_t path_size = 0;
      std::uint64_t off = 0;
      std::uint32_t data_size = 0;
      std::memcpy(&path_size, &bytes[at + 1], 4);
      std::memcpy(&off, &bytes[at + 5], 8);
      std::memcpy(&data_size, &bytes[at + 13], 4);
      const char kind = bytes[at];
      const auto change = static_cast<Change>(kind);
      if (bytes.size() - at - kHeaderSize < std::uint64_t{path_size} + data_size) {
        bad("a record is cut short");
      }
      const std::string path = bytes.substr(at + kHeaderSize, path_size);
      const std::string_view data =
          std::string_view(bytes).substr(at + kHeaderSize + path_size, data_size);
      at += kHeaderSize + path_size + data_size;
      Status s;
      switch (change) {
        case Change::kCreateDirectories:
          s = memory->create_directories(path);
          break;
        case Change::kOpen:
          handle(path, false);
          break;
        case Change::kWrite:
          s = handle(path, false).write_at(off, data);
          break;
        case Change::kAppend:
          s = handle(path, true).append(data);
          break;
        case Change::kTruncate:
          s = handle(path, false).truncate(off);
          break;
        case Change::kSync:
          s = handle(path, false).sync();
          break;
        case Change::kSyncDirectory:
          s = memory->sync_directory(path);
          break;
        default:
          bad(std::string("a record of unknown kind '") + kind + "'");
      }
      if (!s.ok()) bad(s.to_string());
    }
    return memory;
  }

  [[noreturn]] void bad(const std::string& what) const {
    throw std::runtime_error("the crash journal " + journal_.path().string() +
                             " is not one: " + what);
  }

  Journal journal_;
  std::mutex mu_;
  std::vector<std::string> known_;  // the files of the last crash_state()
  CrashImage baseline_;             // the last restore()'s image: where the journal starts
};

}  // namespace

std::unique_ptr<FileSystem> make_journaling_file_system(std::filesystem::path journal) {
  return std::make_unique<JournalingFileSystem>(std::move(journal));
}

}  // namespace interleave::store
