// Files in memory (LevelDB's memenv in spirit): the same bytes, sizes and lock semantics as the
// POSIX file system, without a system call. For fast exploration in one process.
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "store/file.h"

namespace interleave::store {
namespace {

// The contents of one file and its flock-style lock, shared by every open description of it.
struct Node {
  std::mutex mu;
  std::condition_variable released;
  std::string bytes;            // the page cache: what reads see
  const void* owner = nullptr;  // the description holding the lock, or null
  // For crashes (store/crash_model.h): what the last sync made durable, the writes since, and
  // whether the directory was synced since the file was created.
  std::string durable;
  std::vector<UnsyncedWrite> unsynced;
  bool entry_durable = false;
};

class MemoryFile final : public File {
 public:
  MemoryFile(std::shared_ptr<Node> node, std::string path, bool o_append)
      : node_(std::move(node)), path_(std::move(path)), o_append_(o_append) {}
  ~MemoryFile() override {
    EnvironmentLock lock(node_->mu);
    if (node_->owner == this) release_locked();
  }

  Status read_at(std::uint64_t off, std::size_t n, std::string* out) override {
    EnvironmentLock lock(node_->mu);
    const std::string& b = node_->bytes;
    out->assign(off < b.size() ? b.substr(off, n) : std::string());
    return Status::ok_status();
  }

  Status write_at(std::uint64_t off, std::string_view data) override {
    if (o_append_) {
      return Status::invalid_argument("write_at on " + path_ + ", which was opened with O_APPEND");
    }
    EnvironmentLock lock(node_->mu);
    std::string& b = node_->bytes;
    if (b.size() < off + data.size()) b.resize(off + data.size(), '\0');
    b.replace(off, data.size(), data);
    node_->unsynced.push_back(UnsyncedWrite{false, off, std::string(data)});
    return Status::ok_status();
  }

  Status append(std::string_view data) override {
    if (!o_append_) {
      return Status::invalid_argument("append on " + path_ +
                                      ", which was not opened with O_APPEND");
    }
    EnvironmentLock lock(node_->mu);
    node_->unsynced.push_back(UnsyncedWrite{false, node_->bytes.size(), std::string(data)});
    node_->bytes.append(data);
    return Status::ok_status();
  }

  Status size(std::uint64_t* out) override {
    EnvironmentLock lock(node_->mu);
    *out = node_->bytes.size();
    return Status::ok_status();
  }

  Status truncate(std::uint64_t size) override {
    EnvironmentLock lock(node_->mu);
    node_->bytes.resize(size, '\0');
    node_->unsynced.push_back(UnsyncedWrite{true, size, {}});
    return Status::ok_status();
  }

  Status sync() override {
    EnvironmentLock lock(node_->mu);
    node_->durable = node_->bytes;
    node_->unsynced.clear();
    return Status::ok_status();
  }
  int fd() const override { return -1; }

  bool try_lock() override {
    EnvironmentLock lock(node_->mu);
    if (node_->owner != nullptr && node_->owner != this) return false;
    node_->owner = this;
    return true;
  }

  void lock() override {
    EnvironmentLock lock(node_->mu);
    node_->released.wait(lock.held(),
                         [&] { return node_->owner == nullptr || node_->owner == this; });
    node_->owner = this;
  }

  void unlock() override {
    EnvironmentLock lock(node_->mu);
    if (node_->owner == this) release_locked();
  }

  std::uint64_t description() const override { return reinterpret_cast<std::uintptr_t>(this); }

 private:
  void release_locked() {
    node_->owner = nullptr;
    node_->released.notify_all();
  }

  std::shared_ptr<Node> node_;
  const std::string path_;
  const bool o_append_;
};

class MemoryFileSystem final : public FileSystem {
 public:
  Status open(const std::filesystem::path& path, bool o_append,
              std::unique_ptr<File>* out) override {
    const std::string& name = path.native();
    const std::size_t slash = name.rfind('/');
    EnvironmentLock lock(mu_);
    if (slash == std::string::npos || dirs_.count(name.substr(0, slash)) == 0) {
      return Status::io_error("open " + name + ": No such file or directory", ENOENT);
    }
    std::shared_ptr<Node>& node = files_[name];
    if (!node) node = std::make_shared<Node>();
    *out = std::make_unique<MemoryFile>(node, path.string(), o_append);
    return Status::ok_status();
  }

  Status sync_directory(const std::filesystem::path& dir) override {
    std::string name = dir.native();
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    name += '/';
    EnvironmentLock lock(mu_);
    for (auto& [path, node] : files_) {
      if (path.compare(0, name.size(), name) != 0 ||
          path.find('/', name.size()) != std::string::npos)
        continue;
      EnvironmentLock node_lock(node->mu);
      node->entry_durable = true;
    }
    return Status::ok_status();
  }

  bool crash_state(std::vector<FileState>* out) override {
    EnvironmentLock lock(mu_);
    out->clear();
    for (const auto& [path, node] : files_) {
      EnvironmentLock node_lock(node->mu);
      out->push_back(
          FileState{path, node->durable, node->unsynced, node->bytes, node->entry_durable});
    }
    return true;
  }

  void restore(const CrashImage& image) override {
    EnvironmentLock lock(mu_);
    files_.clear();
    for (const auto& [path, bytes] : image.files) {
      auto node = std::make_shared<Node>();
      node->bytes = bytes;
      node->durable = bytes;
      node->entry_durable = true;
      files_[path] = std::move(node);
    }
  }

  Status create_directories(const std::filesystem::path& dir) override {
    std::string name = dir.native();
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    EnvironmentLock lock(mu_);
    for (;;) {
      dirs_[name] = true;
      const std::size_t slash = name.rfind('/');
      if (slash == std::string::npos || slash == 0) break;
      name.resize(slash);
    }
    return Status::ok_status();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Node>> files_;
  std::map<std::string, bool> dirs_;
};

}  // namespace

std::unique_ptr<FileSystem> make_memory_file_system() {
  return std::make_unique<MemoryFileSystem>();
}

}  // namespace interleave::store
