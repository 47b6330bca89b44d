// The spool directory scanner (contract 2.4) against a temp dir and a fake pipeline.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>
#include "slawatch/ingest/spool.hpp"

using namespace slawatch;
using namespace slawatch::ingest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("slawatch-spool-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

/// Stores (partner, id) pairs like the real store: the same pair again is a duplicate.
struct fake_pipeline {
  std::set<std::pair<std::string, std::string>> stored;
  std::vector<model::event> last;
  bool refuse = false;
  bool storage_down = false;

  bool submit(std::vector<model::event> events, completion done) {
    if (refuse) return false;
    batch_result r;
    r.stored = !storage_down;
    r.error = storage_down ? "disk I/O error" : "";
    for (const auto& e : events) {
      bool fresh = storage_down || stored.insert({e.partner, e.id}).second;
      r.events.push_back({fresh ? store::put_status::accepted : store::put_status::duplicate});
    }
    if (storage_down) r.events.clear();
    last = std::move(events);
    done(std::move(r));
    return true;
  }
};

struct fixture {
  temp_dir tmp;
  fake_pipeline fake;
  std::shared_ptr<rules::rule_set> rules = std::make_shared<rules::rule_set>();
  std::unique_ptr<spool> sp;

  explicit fixture(duration settle = duration::zero()) {
    for (const char* id : {"bank-a", "bank-b"}) {
      model::partner p;
      p.id = id;
      p.timezone = "UTC";
      rules->partners[id] = p;
    }
    spool_options o;
    o.dir = tmp.path;
    o.settle = settle;
    o.max_events = 3;
    o.max_bytes = 4096;
    spool_deps d;
    d.rules = [this] { return std::shared_ptr<const rules::rule_set>(rules); };
    d.submit = [this](std::vector<model::event> ev, completion done) { return fake.submit(std::move(ev), std::move(done)); };
    d.now = [] { return instant{std::chrono::seconds(1'800'000'000)}; };
    sp = std::make_unique<spool>(o, d);
  }

  fs::path drop(const std::string& rel, const std::string& text) {
    fs::path p = tmp.path / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

  json read_json(const std::string& rel) const {
    std::ifstream in(tmp.path / rel);
    return json::parse(in);
  }
};

std::string event_line(const std::string& id, const std::string& partner = "bank-a") {
  return json{{"id", id}, {"partner", partner}, {"type", "contribution.collected"},
              {"occurred_at", "2026-11-26T09:15:00Z"}}.dump() + "\n";
}

}  // namespace

TEST_CASE("a good file is ingested as one batch, moved to done/ with the POST body beside it") {
  fixture f;
  f.drop("bank-a/batch-1.ndjson", event_line("e-1") + event_line("e-2"));
  auto r = f.sp->scan_once();
  CHECK(r.done == 1);
  CHECK(r.failed == 0);
  CHECK_FALSE(fs::exists(f.tmp.path / "bank-a/batch-1.ndjson"));
  CHECK(fs::exists(f.tmp.path / "bank-a/done/batch-1.ndjson"));
  CHECK(f.read_json("bank-a/done/batch-1.ndjson.result.json") ==
        json{{"accepted", 2}, {"duplicates", 0}, {"rejected", 0}, {"errors", json::array()}});
  REQUIRE(f.fake.last.size() == 2);
  CHECK(f.fake.last[0].doc["transport"]["source"] == "file");
}

TEST_CASE("events of another partner in a partner's file are rejected partner_mismatch") {
  fixture f;
  f.drop("bank-a/mixed.ndjson", event_line("e-1") + event_line("e-2", "bank-b"));
  f.sp->scan_once();
  auto body = f.read_json("bank-a/done/mixed.ndjson.result.json");
  CHECK(body["accepted"] == 1);
  CHECK(body["rejected"] == 1);
  CHECK(body["errors"][0] == json{{"index", 1}, {"id", "e-2"}, {"reason", "partner_mismatch"},
                                  {"error", "partner: token is for 'bank-a', not 'bank-b'"}});
}

TEST_CASE("a file the parser refuses goes to failed/ with its reason") {
  struct row { const char* name; std::string text; std::string error; };
  const row rows[] = {
      {"broken.ndjson", event_line("e-1") + "{not json\n", "body: invalid JSON at line 2, column 3: syntax error while parsing object key"},
      {"big.ndjson", event_line("a") + event_line("b") + event_line("c") + event_line("d"),
       "body: 4 events, more than the limit of 3"},
      {"huge.ndjson", std::string(5000, ' '), "body: 5000 bytes, more than the limit of 4096"},
  };
  for (const auto& row : rows) {
    fixture f;
    f.drop(std::string("bank-a/") + row.name, row.text);
    auto r = f.sp->scan_once();
    INFO(row.name);
    CHECK(r.failed == 1);
    CHECK(fs::exists(f.tmp.path / "bank-a/failed" / row.name));
    auto err = f.read_json(std::string("bank-a/failed/") + row.name + ".error.json");
    INFO(err["error"].get<std::string>());
    CHECK(err["error"].get<std::string>().starts_with(row.error));
    CHECK(f.fake.stored.empty());
  }
}

TEST_CASE("files of an unknown partner directory or outside any partner directory fail") {
  fixture f;
  f.drop("bank-z/x.ndjson", event_line("e-1", "bank-z"));
  f.drop("loose.ndjson", event_line("e-2"));
  auto r = f.sp->scan_once();
  CHECK(r.failed == 2);
  CHECK(f.read_json("bank-z/failed/x.ndjson.error.json")["error"] ==
        "spool: unknown partner 'bank-z' (directory " + (f.tmp.path / "bank-z").string() + ")");
  CHECK(f.read_json("failed/loose.ndjson.error.json")["error"] ==
        "spool: file is not in a partner directory (expected <spool_dir>/<partner>/loose.ndjson)");
  CHECK(f.fake.stored.empty());
}

TEST_CASE("unfinished files are left alone: dot-files, *.tmp, other names, unsettled files") {
  fixture settled;
  settled.drop("bank-a/.part.ndjson", event_line("e-1"));
  settled.drop("bank-a/x.ndjson.tmp", event_line("e-2"));
  settled.drop("bank-a/notes.txt", "hello");
  auto r = settled.sp->scan_once();
  CHECK(r.done + r.failed + r.waiting == 0);
  CHECK(fs::exists(settled.tmp.path / "bank-a/.part.ndjson"));
  CHECK(fs::exists(settled.tmp.path / "bank-a/x.ndjson.tmp"));

  fixture slow(std::chrono::hours(1));
  slow.drop("bank-a/fresh.ndjson", event_line("e-3"));
  r = slow.sp->scan_once();
  CHECK(r.waiting == 1);
  CHECK(fs::exists(slow.tmp.path / "bank-a/fresh.ndjson"));
  CHECK(slow.fake.stored.empty());
}

TEST_CASE("a refused or failed commit keeps the file for the next scan") {
  fixture f;
  f.drop("bank-a/a.ndjson", event_line("e-1"));
  f.fake.refuse = true;
  CHECK(f.sp->scan_once().waiting == 1);
  f.fake.refuse = false;
  f.fake.storage_down = true;
  CHECK(f.sp->scan_once().waiting == 1);
  CHECK(fs::exists(f.tmp.path / "bank-a/a.ndjson"));
  f.fake.storage_down = false;
  CHECK(f.sp->scan_once().done == 1);
}

TEST_CASE("a file re-ingested after a crash before its move gives duplicates, not doubles") {
  fixture f;
  const auto text = event_line("e-1") + event_line("e-2");
  f.drop("bank-a/a.ndjson", text);
  f.sp->scan_once();
  // The crash: committed, but the file is back in place (as if never moved).
  f.drop("bank-a/a.ndjson", text);
  f.sp->scan_once();
  CHECK(f.fake.stored.size() == 2);
  CHECK(f.read_json("bank-a/done/a.1.ndjson.result.json") ==
        json{{"accepted", 0}, {"duplicates", 2}, {"rejected", 0}, {"errors", json::array()}});
  CHECK(fs::exists(f.tmp.path / "bank-a/done/a.ndjson"));
  CHECK(fs::exists(f.tmp.path / "bank-a/done/a.1.ndjson"));
}

TEST_CASE("the worker thread picks up files dropped while it runs") {
  fixture f;
  f.sp->start();
  // The drop protocol: write a *.tmp, then rename it (the scanner ignores *.tmp).
  fs::rename(f.drop("bank-a/late.ndjson.tmp", event_line("e-9")), f.tmp.path / "bank-a/late.ndjson");
  for (int i = 0; i < 100 && !fs::exists(f.tmp.path / "bank-a/done/late.ndjson.result.json"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  f.sp->stop();
  CHECK(fs::exists(f.tmp.path / "bank-a/done/late.ndjson.result.json"));
}
