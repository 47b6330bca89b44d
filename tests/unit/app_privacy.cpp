// privacy.key_file checks at start-up.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include "../../daemon/app/privacy.hpp"

using namespace slawatch;
namespace fs = std::filesystem;

namespace {

struct key_dir {
  fs::path dir = fs::temp_directory_path() / ("slawatch-privacy-" + std::to_string(::getpid()));
  key_dir() { fs::create_directories(dir); }
  ~key_dir() { fs::remove_all(dir); }

  std::string write(const std::string& name, const std::string& bytes, mode_t mode) const {
    const auto p = (dir / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

const std::string good_key = "0123456789abcdef-test-key";

}  // namespace

TEST_CASE("a private key file of 16 bytes or more is read exactly") {
  key_dir d;
  CHECK(app::detail::read_pseudonym_key(d.write("k", good_key + "\n", 0600)).value() == good_key + "\n");
  CHECK(app::detail::read_pseudonym_key(d.write("g", std::string(16, 'x'), 0640)).value() == std::string(16, 'x'));
  CHECK(app::detail::read_pseudonym_key(d.write("r", good_key, 0400)).ok());
}

TEST_CASE("an unsafe or unusable key file is refused with a message naming the key and path") {
  key_dir d;
  const auto p = [&](const char* n) { return (d.dir / n).string(); };
  struct row { std::string path; std::string message; };
  const std::vector<row> table = {
      {p("missing"), "privacy.key_file: cannot read " + p("missing") + ": No such file or directory"},
      {d.dir.string(), "privacy.key_file: " + d.dir.string() + " is not a regular file"},
      {d.write("world", good_key, 0644), "privacy.key_file: " + p("world") + " is readable by other users (mode 0644); chmod 600 it"},
      {d.write("wother", good_key, 0602), "privacy.key_file: " + p("wother") + " is writable by other users (mode 0602); chmod 600 it"},
      {d.write("wgroup", good_key, 0620), "privacy.key_file: " + p("wgroup") + " is writable by its group (mode 0620); chmod 600 it"},
      {d.write("empty", "", 0600), "privacy.key_file: " + p("empty") + " has 0 bytes, at least 16 are needed (head -c 32 /dev/urandom > " + p("empty") + ")"},
      {d.write("short", std::string(15, 'k'), 0600), "privacy.key_file: " + p("short") + " has 15 bytes, at least 16 are needed (head -c 32 /dev/urandom > " + p("short") + ")"},
      {d.write("huge", std::string(5000, 'k'), 0600), "privacy.key_file: " + p("huge") + " has 5000 bytes, more than 4096"},
  };
  for (const auto& r : table) {
    INFO(r.path);
    auto key = app::detail::read_pseudonym_key(r.path);
    REQUIRE_FALSE(key.ok());
    CHECK(key.err().message == r.message);
  }
}

TEST_CASE("the pseudonymizer is built only when fields are listed") {
  key_dir d;
  config::config c;
  c.pseudonym_key_file = (d.dir / "absent").string();
  auto none = app::detail::load_pseudonymizer(c);
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);   // nothing listed: the key file is not even read
  c.pseudonymize = {"subject"};
  CHECK_FALSE(app::detail::load_pseudonymizer(c).ok());
  c.pseudonym_key_file = d.write("k", good_key, 0600);
  auto ps = app::detail::load_pseudonymizer(c);
  REQUIRE(ps.ok());
  nlohmann::json doc = {{"subject", "RAWSUBJ-93817"}};
  ps.value()->apply(doc);
  CHECK(doc["subject"] == "ps:9Evtu6SjLF23WmmFFd47U-");
}
