// server.tls and server.max_connections: parsing and the start-up file check.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "slawatch/config/config.hpp"

using namespace slawatch;

namespace {

std::vector<std::string> errors_of(const std::string& text) {
  const auto r = config::parse(text, "c.yaml");
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.render());
  return out;
}

/// A scratch directory removed at the end of the test.
struct scratch_dir {
  scratch_dir() : path(std::filesystem::temp_directory_path() / ("sw-tls-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& content) const {
    auto p = (path / name).string();
    std::ofstream(p) << content;
    return p;
  }
  std::filesystem::path path;
};

}  // namespace

TEST_CASE("server.max_connections defaults to 4096 and takes a positive integer") {
  auto r = config::parse("", "c.yaml");
  REQUIRE(r.cfg);
  CHECK(r.cfg->max_connections == 4096);
  r = config::parse("server: {max_connections: 12000}", "c.yaml");
  REQUIRE(r.cfg);
  CHECK(r.cfg->max_connections == 12000);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"server: {max_connections: 0}", "c.yaml:1:27: server.max_connections: expected a positive integer, got '0'"},
      {"server: {max_connections: many}", "c.yaml:1:27: server.max_connections: expected a positive integer, got 'many'"},
  };
  for (const auto& [text, expected] : bad) {
    INFO(text);
    CHECK(errors_of(text) == std::vector<std::string>{expected});
  }
}

TEST_CASE("server.tls without min_version means TLS 1.2 and no client CA") {
  auto r = config::parse("server: {tls: {cert: c.pem, key: k.pem}}", "c.yaml");
  REQUIRE(r.cfg);
  REQUIRE(r.cfg->tls);
  CHECK(r.cfg->tls->min_version == "1.2");
  CHECK(r.cfg->tls->client_ca.empty());
}

TEST_CASE("server.tls refuses TLS 1.0 and 1.1 as a minimum and needs both cert and key") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"server: {tls: {cert: a, key: b, min_version: '1.0'}}",
       "c.yaml:1:46: server.tls.min_version: expected \"1.2\" or \"1.3\", got '1.0'"},
      {"server: {tls: {key: b}}", "c.yaml:1:15: server.tls.cert: required when server.tls is set"},
      {"server: {tls: {cert: a}}", "c.yaml:1:15: server.tls.key: required when server.tls is set"},
  };
  for (const auto& [text, expected] : bad) {
    INFO(text);
    CHECK(errors_of(text) == std::vector<std::string>{expected});
  }
}

TEST_CASE("check_tls_files names the key of every file it cannot read") {
  scratch_dir dir;
  config::tls_config t;
  t.cert = dir.file("tls.crt", "x");
  t.key = dir.file("tls.key", "x");
  CHECK(config::check_tls_files(t).empty());
  t.client_ca = (dir.path / "missing-ca.crt").string();
  t.key = dir.path.string();   // a directory opens but cannot be read
  auto errors = config::check_tls_files(t);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].message == "server.tls.key: cannot read " + t.key + ": Is a directory");
  CHECK(errors[1].message == "server.tls.client_ca: cannot read " + t.client_ca + ": No such file or directory");
}
