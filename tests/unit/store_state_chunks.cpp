// load_state_chunks: the engine state read in chunks (start-up restore without every row in
// memory at once).
#include <sqlite3.h>
#include <catch2/catch.hpp>
#include "../../daemon/store/sqlite_detail.hpp"
#include "store_fixtures.hpp"

using namespace slawatch;
using namespace store_test;
using store::state_row;
namespace sst = slawatch::store;

namespace {

state_row row(int n) {
  state_row r;
  r.key = "K" + std::to_string(100 + n);   // fixed width: id order = n order
  r.id = "obligation/r1/bank-a/" + r.key;
  r.kind = "obligation";
  r.rule = "r1";
  r.partner = "bank-a";
  if (n % 2 == 0) r.fire_at = at_s(1000 + n);   // odd rows: fire_at null
  r.data = {{"due", n}, {"start_event", "s-" + r.key}, {"nested", {{"a", n}}}};
  return r;
}

std::vector<state_row> stored_rows(store::store& s, int count) {
  std::vector<state_row> rows;
  for (int n = count - 1; n >= 0; --n) rows.push_back(row(n));   // written out of order
  REQUIRE((s.begin() && s.put_state(rows) && s.commit()));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

/// Forwards to a real store, without its own load_state_chunks (as test doubles do).
class forwarding final : public sst::store {
 public:
  explicit forwarding(std::unique_ptr<sst::store> in) : in_(std::move(in)) {}
  result<bool> begin() override { return in_->begin(); }
  result<bool> commit() override { return in_->commit(); }
  void rollback() override { in_->rollback(); }
  result<sst::put_status> put_event(const model::event& e) override { return in_->put_event(e); }
  result<bool> add_outcomes(const std::vector<model::outcome>& o) override { return in_->add_outcomes(o); }
  result<bool> put_breach(const model::breach& b) override { return in_->put_breach(b); }
  result<std::optional<model::breach>> update_breach(const sst::breach_change& u) override { return in_->update_breach(u); }
  result<bool> put_state(const std::vector<state_row>& r) override { return in_->put_state(r); }
  result<bool> erase_state(const std::vector<std::string>& ids) override { return in_->erase_state(ids); }
  result<sst::breach_page> list_breaches(const sst::breach_query& q) override { return in_->list_breaches(q); }
  result<std::optional<model::breach>> get_breach(const std::string& id) override { return in_->get_breach(id); }
  result<std::uint64_t> count_events() override { return in_->count_events(); }
  result<std::vector<sst::breach_count>> breach_counts() override { return in_->breach_counts(); }
  result<std::vector<sst::outcome_count>> outcome_counts() override { return in_->outcome_counts(); }
  result<std::vector<state_row>> load_state() override { return in_->load_state(); }
  result<sst::obligation_page> list_obligations(const sst::obligation_query& q) override { return in_->list_obligations(q); }
  result<std::vector<sst::obligation_count>> obligation_counts() override { return in_->obligation_counts(); }

 private:
  std::unique_ptr<sst::store> in_;
};

/// Every chunk's size and all rows in the order handed.
struct collected {
  std::vector<std::size_t> sizes;
  std::vector<state_row> rows;
};

result<bool> collect(store::store& s, std::size_t chunk_rows, collected& into,
                     std::size_t stop_after = 0) {
  return s.load_state_chunks(chunk_rows, [&](std::vector<state_row>& chunk) {
    into.sizes.push_back(chunk.size());
    for (auto& r : chunk) into.rows.push_back(std::move(r));
    return stop_after == 0 || into.sizes.size() < stop_after;
  });
}

}  // namespace

TEST_CASE("the chunked state reader hands every row once, in id order, chunk sizes respected") {
  struct cse {
    std::size_t chunk;
    std::vector<std::size_t> sizes;
  };
  const std::vector<cse> cases = {
      {1, {1, 1, 1, 1, 1, 1, 1}}, {3, {3, 3, 1}}, {7, {7}}, {1000, {7}}, {0, {1, 1, 1, 1, 1, 1, 1}}};
  auto s = open_or_fail(":memory:");
  const auto rows = stored_rows(*s, 7);
  for (const auto& c : cases) {
    CAPTURE(c.chunk);
    collected got;
    auto r = collect(*s, c.chunk, got);
    REQUIRE(r);
    CHECK(got.sizes == c.sizes);
    CHECK(got.rows == rows);
    CHECK(got.rows == s->load_state().value());
  }
}

TEST_CASE("an empty state hands no chunk and a sink returning false stops the read") {
  auto s = open_or_fail(":memory:");
  collected none;
  REQUIRE(collect(*s, 3, none));
  CHECK(none.sizes.empty());
  const auto rows = stored_rows(*s, 7);
  collected first;
  REQUIRE(collect(*s, 3, first, /*stop_after=*/1));
  CHECK(first.sizes == std::vector<std::size_t>{3});
  CHECK(first.rows == std::vector<state_row>(rows.begin(), rows.begin() + 3));
  // The stopped statement was reset: writes and a full read work again.
  REQUIRE((s->begin() && s->erase_state({rows[0].id}) && s->commit()));
  collected rest;
  REQUIRE(collect(*s, 4, rest));
  CHECK(rest.sizes == std::vector<std::size_t>{4, 2});
}

TEST_CASE("an unreadable state row fails the chunked read as it fails load_state") {
  temp_db tmp;
  {
    auto s = open_or_fail(tmp.path);
    stored_rows(*s, 5);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(tmp.path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE engine_state SET data = '{nope' WHERE key = 'K103'", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto s = open_or_fail(tmp.path);
  const std::string text =
      "storage: " + tmp.path + ": load engine state: entry obligation/r1/bank-a/K103 is unreadable";
  auto all = s->load_state();
  REQUIRE_FALSE(all);
  CHECK(all.err().message == text);
  CHECK(all.err().code == "storage");
  collected got;
  auto r = collect(*s, 2, got);
  REQUIRE_FALSE(r);
  CHECK(r.err().message == text);
  CHECK(got.sizes == std::vector<std::size_t>{2});   // rows before it were handed
}

TEST_CASE("the default chunked reader (stores with load_state only) splits its rows alike") {
  forwarding fw(open_or_fail(":memory:"));
  const auto rows = stored_rows(fw, 7);
  for (std::size_t chunk : {1, 3, 7, 1000}) {
    CAPTURE(chunk);
    collected got;
    REQUIRE(collect(fw, chunk, got));
    CHECK(got.rows == rows);
    CHECK(got.sizes.size() == (7 + chunk - 1) / chunk);
    CHECK(got.sizes.front() == std::min<std::size_t>(chunk, 7));
  }
  collected first;
  REQUIRE(collect(fw, 3, first, /*stop_after=*/2));
  CHECK(first.sizes == std::vector<std::size_t>{3, 3});
}

TEST_CASE("a sink that throws still ends the read: no statement is left mid-step") {
  auto s = open_or_fail(":memory:");
  const auto rows = stored_rows(*s, 7);
  auto* concrete = dynamic_cast<slawatch::store::detail::sqlite_store*>(s.get());
  REQUIRE(concrete != nullptr);
  // A statement left mid-step keeps a read snapshot open on the writer connection.
  auto busy_statements = [&] {
    int n = 0;
    for (sqlite3_stmt* st = sqlite3_next_stmt(concrete->raw(), nullptr); st != nullptr;
         st = sqlite3_next_stmt(concrete->raw(), st)) {
      n += sqlite3_stmt_busy(st) ? 1 : 0;
    }
    return n;
  };
  CHECK_THROWS_AS(s->load_state_chunks(2, [](std::vector<state_row>&) -> bool {
    throw std::runtime_error("sink failed");
  }), std::runtime_error);
  CHECK(busy_statements() == 0);
  collected all;
  REQUIRE(collect(*s, 3, all));
  CHECK(all.rows == rows);
}
