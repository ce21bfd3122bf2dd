// The README's "Commands" block and the binary's --help list the same long flags, command by
// command: a flag missing on either side fails, naming it.
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "cli/testutil.h"
#include "gtest/gtest.h"

namespace {

using cli_test::CliRun;
using cli_test::interleave;
using cli_test::slurp;

using Flags = std::set<std::string>;

const std::regex kFlag("--[a-z][a-z0-9-]*");

Flags flags_in(const std::string& text) {
  Flags out;
  for (std::sregex_iterator it(text.begin(), text.end(), kFlag), end; it != end; ++it) {
    out.insert(it->str());
  }
  return out;
}

// The flags of the README's Commands block per command ("" for `interleave --help`): an entry
// starts at a line "interleave <command> ..." and runs over its indented continuation lines.
std::map<std::string, Flags> readme_flags() {
  const std::string readme = slurp(std::string(INTERLEAVE_SOURCE_DIR) + "/README.md");
  const std::size_t section = readme.find("\n## Commands\n");
  EXPECT_NE(section, std::string::npos) << "README.md has no Commands section";
  const std::size_t open = readme.find("```\n", section);
  const std::size_t close = readme.find("```\n", open + 4);
  std::istringstream block(readme.substr(open + 4, close - open - 4));
  std::map<std::string, Flags> out;
  std::string command;
  for (std::string line; std::getline(block, line);) {
    if (line.rfind("interleave ", 0) == 0) {
      std::istringstream words(line.substr(11));
      words >> command;
      if (command.rfind("--", 0) == 0) command = "";
    }
    const Flags flags = flags_in(line);
    out[command].insert(flags.begin(), flags.end());
  }
  return out;
}

// The long flags `interleave <command> --help` lists: the first flag of each option line.
Flags help_flags(const std::string& command) {
  const CliRun r = interleave(command + " --help");
  EXPECT_EQ(r.code, 0) << command << r.err;
  Flags out;
  std::istringstream lines(r.out);
  const std::regex option_line("^\\s+(?:-[a-z],)?(--[a-z][a-z0-9-]*)");
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, m, option_line)) out.insert(m[1]);
  }
  return out;
}

TEST(Docs, EveryFlagInHelpIsInTheReadmeCommandsBlockAndBack) {
  const std::map<std::string, Flags> readme = readme_flags();
  for (const std::string command : {"", "list", "explore", "replay", "matrix", "run"}) {
    const std::string name = command.empty() ? "interleave" : "interleave " + command;
    Flags help = help_flags(command);
    ASSERT_TRUE(help.count("--help")) << name << " --help does not list --help";
    if (!command.empty()) help.erase("--help");  // the README's first line covers every command
    ASSERT_TRUE(readme.count(command)) << name << " has no entry in the README's Commands block";
    const Flags& documented = readme.at(command);
    for (const std::string& flag : help) {
      EXPECT_TRUE(documented.count(flag))
          << name << ": " << flag << " is in --help but not in the README's Commands block";
    }
    for (const std::string& flag : documented) {
      EXPECT_TRUE(help.count(flag))
          << name << ": " << flag << " is in the README's Commands block but not in --help";
    }
  }
  EXPECT_TRUE(readme.at("").count("--help")) << "the README says every command takes --help";
}

TEST(Docs, EveryFlagThatListMentionsIsAFlagOfExplore) {
  const CliRun list = interleave("list");
  ASSERT_EQ(list.code, 0) << list.err;
  const Flags mentioned = flags_in(list.out);
  EXPECT_TRUE(mentioned.count("--workers")) << list.out;
  const Flags explore = help_flags("explore");
  for (const std::string& flag : mentioned) {
    EXPECT_TRUE(explore.count(flag))
        << "`interleave list` mentions " << flag << ", which explore does not have";
  }
}

}  // namespace
