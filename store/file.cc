#include "store/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace interleave::store {
namespace {

Status errno_status(std::string_view call, const std::string& path, int err) {
  std::string msg(call);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  return Status::io_error(std::move(msg), err);
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path, bool o_append)
      : fd_(fd), path_(std::move(path)), o_append_(o_append) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status read_at(std::uint64_t off, std::size_t n, std::string* out) override {
    out->resize(n);
    std::size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(off + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        out->clear();
        return errno_status("pread", path_, err);
      }
      if (r == 0) break;  // end of file
      done += static_cast<std::size_t>(r);
    }
    out->resize(done);
    return Status::ok_status();
  }

  Status write_at(std::uint64_t off, std::string_view data) override {
    if (o_append_) {
      return Status::invalid_argument("write_at on " + path_ + ", which was opened with O_APPEND");
    }
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t r =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(off + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("pwrite", path_, errno);
      }
      done += static_cast<std::size_t>(r);
    }
    return Status::ok_status();
  }

  Status append(std::string_view data) override {
    if (!o_append_) {
      return Status::invalid_argument("append on " + path_ +
                                      ", which was not opened with O_APPEND");
    }
    std::size_t done = 0;
    while (done < data.size()) {
      ssize_t r = ::write(fd_, data.data() + done, data.size() - done);
      if (r < 0) {
        if (errno == EINTR) continue;
        return errno_status("write", path_, errno);
      }
      done += static_cast<std::size_t>(r);
    }
    return Status::ok_status();
  }

  Status size(std::uint64_t* out) override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) {
      return errno_status("fstat", path_, errno);
    }
    *out = static_cast<std::uint64_t>(st.st_size);
    return Status::ok_status();
  }

  Status truncate(std::uint64_t size) override {
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return errno_status("ftruncate", path_, errno);
    }
    return Status::ok_status();
  }

  Status sync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return errno_status("fdatasync", path_, errno);
    }
    return Status::ok_status();
  }

  int fd() const override { return fd_; }
  bool try_lock() override { return lock_.try_lock(); }
  void lock() override { lock_.lock(); }
  void unlock() override { lock_.unlock(); }
  std::uint64_t description() const override { return static_cast<std::uint32_t>(fd_); }

 private:
  const int fd_;
  detail::DescriptorLock lock_{fd_, "database.bin"};
  const std::string path_;
  const bool o_append_;
};

class PosixFileSystem final : public FileSystem {
 public:
  Status open(const std::filesystem::path& path, bool o_append,
              std::unique_ptr<File>* out) override {
    int flags = O_RDWR | O_CREAT | O_CLOEXEC | (o_append ? O_APPEND : 0);
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      return errno_status("open", path.string(), errno);
    }
    *out = std::make_unique<PosixFile>(fd, path.string(), o_append);
    return Status::ok_status();
  }

  Status sync_directory(const std::filesystem::path& dir) override {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno_status("open", dir.string(), errno);
    while (::fsync(fd) != 0) {
      if (errno != EINTR) {
        const int err = errno;
        ::close(fd);
        return errno_status("fsync", dir.string(), err);
      }
    }
    ::close(fd);
    return Status::ok_status();
  }

  Status create_directories(const std::filesystem::path& dir) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return errno_status("create_directories", dir.string(), ec.value());
    return Status::ok_status();
  }
};

}  // namespace

FileSystem& posix_file_system() {
  static PosixFileSystem fs;
  return fs;
}

Status open_posix_file(const std::filesystem::path& path, bool o_append,
                       std::unique_ptr<File>* out) {
  return posix_file_system().open(path, o_append, out);
}

}  // namespace interleave::store
