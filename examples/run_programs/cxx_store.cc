// The DESIGN.md store in C++ with the standard library's threads and locks, for `interleave run`:
// nothing of interleave is linked in; std::mutex, std::shared_mutex, std::condition_variable and
// std::thread reach the shim as the pthread calls they are.
//
//   cxx_store [--lock none|mutex|shared] run OPS
//       2 handler threads, each making OPS increments of "counter" in an index (key -> offset)
//       over the append-only file database.bin; each increment recorded in $INTERLEAVE_HISTORY.
//       none takes the offset from the in-memory end of the log without a lock (duplicate offsets,
//       lost updates); mutex holds a std::mutex around each increment; shared holds a
//       std::shared_mutex exclusively around it (and shared around a lookup before it).
//   cxx_store [--wait while|if] queue ITEMS
//       a producer hands ITEMS jobs to 2 consumers through a std::deque, a std::mutex and a
//       std::condition_variable; each consumer takes jobs until it takes the last one's marker.
//       while re-checks the queue after every wake (correct); if checks once: a consumer woken
//       after the other took the job pops an empty queue (exit 1, "empty-pop").
#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

class Store {
 public:
  explicit Store(int fd) : fd_(fd) {}

  long get(const std::string& key) const {
    const auto it = index_.find(key);
    if (it == index_.end()) return 0;
    std::uint32_t h[2];
    char body[64];
    if (::pread(fd_, h, sizeof h, static_cast<off_t>(it->second)) != sizeof h) return 0;
    if (h[0] + h[1] > sizeof body - 1) return 0;
    if (::pread(fd_, body, h[0] + h[1], static_cast<off_t>(it->second + sizeof h)) !=
        static_cast<ssize_t>(h[0] + h[1])) {
      return 0;
    }
    body[h[0] + h[1]] = '\0';
    return std::strtol(body + h[0], nullptr, 10);
  }

  void put(const std::string& key, long value) {
    const std::string v = std::to_string(value);
    const std::uint32_t h[2] = {static_cast<std::uint32_t>(key.size()),
                                static_cast<std::uint32_t>(v.size())};
    std::string record(reinterpret_cast<const char*>(h), sizeof h);
    record += key + v;
    const std::uint64_t offset = end_;  // the end as this handler saw it
    if (::pwrite(fd_, record.data(), record.size(), static_cast<off_t>(offset)) !=
        static_cast<ssize_t>(record.size())) {
      std::perror("pwrite database.bin");
      std::exit(3);
    }
    end_ = offset + record.size();
    index_[key] = offset;
  }

 private:
  int fd_;
  std::map<std::string, std::uint64_t> index_;
  std::uint64_t end_ = 0;
};

void record(int history, const std::string& line) {
  if (history >= 0 && ::write(history, line.data(), line.size()) < 0) std::exit(3);
}

int run(const std::string& how, int ops) {
  const char* path = std::getenv("INTERLEAVE_HISTORY");
  const int history = path ? ::open(path, O_WRONLY | O_CREAT | O_APPEND, 0600) : -1;
  const int fd = ::open("database.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 3;
  Store store(fd);
  std::mutex mutex;
  std::shared_mutex shared;
  const auto increment = [&] {
    if (how == "mutex") {
      std::lock_guard lock(mutex);
      const long value = store.get("counter") + 1;
      store.put("counter", value);
      return value;
    }
    if (how == "shared") {
      {
        std::shared_lock look(shared);
        (void)store.get("counter");
      }
      std::unique_lock lock(shared);
      const long value = store.get("counter") + 1;
      store.put("counter", value);
      return value;
    }
    const long value = store.get("counter") + 1;
    store.put("counter", value);
    return value;
  };
  std::vector<std::thread> handlers;
  for (int t = 0; t < 2; ++t) {
    handlers.emplace_back([&] {
      for (int i = 0; i < ops; ++i) {
        record(history, "invoke increment counter 1\n");
        record(history, "ok " + std::to_string(increment()) + "\n");
      }
    });
  }
  for (std::thread& t : handlers) t.join();
  ::close(fd);
  return 0;
}

int queue(bool recheck, int items) {
  std::deque<int> jobs;
  std::mutex mutex;
  std::condition_variable ready;
  bool empty_pop = false;
  const auto consume = [&] {
    for (;;) {
      std::unique_lock lock(mutex);
      if (recheck) {
        while (jobs.empty()) ready.wait(lock);
      } else if (jobs.empty()) {
        ready.wait(lock);  // the seeded bug: no second look once woken
      }
      if (jobs.empty()) {
        empty_pop = true;
        return;
      }
      const int job = jobs.front();
      jobs.pop_front();
      if (job < 0) return;  // a marker: this consumer is done
    }
  };
  std::thread a(consume), b(consume);
  for (int i = 0; i < items + 2; ++i) {
    {
      std::lock_guard lock(mutex);
      jobs.push_back(i < items ? i : -1);
    }
    ready.notify_one();
  }
  ready.notify_all();
  a.join();
  b.join();
  if (empty_pop) {
    std::printf("empty-pop: a consumer woken after another took the job popped an empty queue\n");
    return 1;
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: cxx_store [--lock none|mutex|shared] run OPS | "
               "cxx_store [--wait while|if] queue ITEMS\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string how = "none";
  std::string wait = "while";
  int i = 1;
  for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
    if (std::strcmp(argv[i], "--lock") == 0) {
      how = argv[i + 1];
    } else if (std::strcmp(argv[i], "--wait") == 0) {
      wait = argv[i + 1];
    } else {
      return usage();
    }
  }
  if (argc != i + 2) return usage();
  const int n = std::atoi(argv[i + 1]);
  if (n < 1) return usage();
  if (std::strcmp(argv[i], "run") == 0 && (how == "none" || how == "mutex" || how == "shared")) {
    return run(how, n);
  }
  if (std::strcmp(argv[i], "queue") == 0 && (wait == "while" || wait == "if")) {
    return queue(wait == "while", n);
  }
  return usage();
}
