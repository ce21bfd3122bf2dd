#include "cli/outputs.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <stdexcept>

#include "cli/commands.h"
#include "fmt/format.h"
#include "harness/environment.h"

namespace interleave::cli {
namespace {

constexpr double kMicrosPerStep = 1000;

std::string escape_xml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

nlohmann::json chrome_trace(const RunInfo& info, const ExploreReport& report) {
  const Failure& f = *report.failure;
  const Topology& topology = info.subject.topology;
  // A crash step's actor is a crash choice past the last actor (docs/crashes.md): in processes mode
  // the number of actors plus its victim, drawn in the victim's process.
  auto pid_of = [&](int actor) {
    if (actor >= topology.actors()) actor = (actor - topology.actors()) % topology.actors();
    return topology.in_process() ? 1 : 1 + topology.group_of(actor);
  };
  nlohmann::json events = nlohmann::json::array();
  std::set<int> pids;
  for (int a = 0; a < topology.actors(); ++a) {
    pids.insert(pid_of(a));
    events.push_back({{"ph", "M"},
                      {"name", "thread_name"},
                      {"pid", pid_of(a)},
                      {"tid", a},
                      {"args", {{"name", fmt::format("actor {}", a)}}}});
  }
  for (int pid : pids) {
    const std::string name = topology.in_process() ? info.subject.process_name
                                                   : fmt::format("worker process {}", pid - 1);
    events.push_back(
        {{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"args", {{"name", name}}}});
  }
  const auto steps = static_cast<std::uint32_t>(f.result.trace.size());
  for (const Span& span : f.spans) {
    if (span.actor < 0) continue;  // setup, before the execution
    const std::uint32_t end = span.returned ? span.end : steps;
    events.push_back(
        {{"ph", "X"},
         {"name", span.name},
         {"pid", pid_of(span.actor)},
         {"tid", span.actor},
         {"ts", span.begin * kMicrosPerStep},
         {"dur", std::max(end, span.begin + 1) * kMicrosPerStep - span.begin * kMicrosPerStep},
         {"args", {{"returned", span.returned}}}});
  }
  for (const Step& step : f.result.trace) {
    nlohmann::json args = {{"step", step.index}};
    if (const std::string object = step.object_text(); !object.empty()) {
      args["object"] = object;
      args["access"] = step.object.access == Access::kWrite ? "write" : "read";
    }
    events.push_back({{"ph", "i"},
                      {"s", "t"},
                      {"name", step.label},
                      {"pid", pid_of(step.actor)},
                      {"tid", step.actor},
                      {"ts", step.index * kMicrosPerStep},
                      {"args", args}});
  }
  return {{"displayTimeUnit", "ms"},
          {"traceEvents", events},
          {"otherData",
           {{"verdict", f.verdict.name()},
            {"schedule", failure_token(info, report)},
            {"note", "time axis: 1 ms per scheduling step"}}}};
}

std::string junit_xml(const std::vector<JunitCase>& cases) {
  std::size_t failures = 0;
  double seconds = 0;
  for (const JunitCase& c : cases) {
    failures += c.failed;
    seconds += c.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", cases.size(),
                     failures, seconds);
  out += fmt::format(
      "  <testsuite name=\"interleave\" tests=\"{}\" failures=\"{}\" errors=\"0\" "
      "skipped=\"0\" time=\"{:.3f}\">\n",
      cases.size(), failures, seconds);
  for (const JunitCase& c : cases) {
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"",
                       escape_xml(c.classname), escape_xml(c.name), c.seconds);
    if (!c.failed) {
      out += "/>\n";
      continue;
    }
    out += fmt::format(
        ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
        escape_xml(c.failure_type), escape_xml(c.failure_message), escape_xml(c.failure_text));
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

namespace {

[[noreturn]] void cannot(std::string_view what, const std::string& path, int err) {
  const std::string message = fmt::format("cannot {} {}", what, path);
  throw_if_environment(message, err);
  throw std::runtime_error(fmt::format("{}: {}", message, std::strerror(err)));
}

}  // namespace

void check_writable(const std::string& path) {
  const bool existed = ::access(path.c_str(), F_OK) == 0;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) cannot("create", path, errno);
  ::close(fd);
  if (!existed) ::unlink(path.c_str());
}

int flush_report(int code, const std::vector<std::string>& replay_lines) {
  errno = 0;
  std::cout.flush();  // synchronized with stdio: this flushes stdout, and may fail with errno set
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && !std::ferror(stdout) && std::cout.good()) return code;
  int reason = error;
  if (reason == 0) {
    // A write failed earlier (a full buffer written out mid-report) and its errno is gone: one more
    // byte finds out why. The report is incomplete already; a stray newline does not change that.
    std::clearerr(stdout);
    errno = 0;
    std::fputc('\n', stdout);
    std::fflush(stdout);
    reason = errno;
  }
  std::cerr << "interleave: error: cannot write the report to standard output: "
            << (reason != 0 ? std::strerror(reason) : "a write failed") << "\n";
  for (const std::string& line : replay_lines) std::cerr << "replay:  " << line << "\n";
  return kExitEnvironment;
}

void write_file(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) cannot("create", path, errno);
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      cannot("write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 && errno != EINTR) cannot("write", path, errno);
}

}  // namespace interleave::cli
