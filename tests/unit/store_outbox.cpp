// The notification outbox (migration 3) and the reads behind the Alertmanager alert state.
#include <catch2/catch.hpp>
#include "store_fixtures.hpp"

using namespace slawatch;
using namespace store_test;

namespace {

store::outbox_item item(const std::string& sink, const std::string& delivery,
                        std::int64_t created_s = 1'790'000'000) {
  store::outbox_item i;
  i.sink = sink;
  i.delivery_id = delivery;
  i.event = "opened";
  i.breach_id = "b-" + delivery;
  i.payload = R"({"id":"b-)" + delivery + R"("})";
  i.created_at = at_s(created_s);
  i.next_at = at_s(created_s);
  return i;
}

std::map<std::string, std::uint64_t> enqueue(store::store& s, std::vector<store::outbox_item> items,
                                             std::uint64_t capacity = 10000) {
  REQUIRE(s.begin());
  auto r = s.enqueue(items, capacity);
  REQUIRE(r);
  REQUIRE(s.commit());
  return r.value();
}

std::vector<std::string> deliveries(const std::vector<store::outbox_item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.delivery_id);
  return out;
}

}  // namespace

TEST_CASE("the outbox hands out each sink's items oldest first") {
  auto s = open_or_fail(":memory:");
  enqueue(*s, {item("webhook:ops", "d1"), item("partner:bank-a", "d2"), item("webhook:ops", "d3")});
  auto heads = s->outbox_heads();
  REQUIRE(heads);
  CHECK(deliveries(heads.value()) == std::vector<std::string>{"d2", "d1"});   // by sink name
  auto ops = s->outbox_pending("webhook:ops", 10);
  REQUIRE(ops);
  CHECK(deliveries(ops.value()) == std::vector<std::string>{"d1", "d3"});
  CHECK(ops->front().payload == R"({"id":"b-d1"})");
  CHECK(ops->front().state == "pending");
  CHECK(ops->front().next_at == at_s(1'790'000'000));
}

TEST_CASE("an item already in the outbox is not enqueued twice") {
  auto s = open_or_fail(":memory:");
  enqueue(*s, {item("webhook:ops", "d1")});
  enqueue(*s, {item("webhook:ops", "d1"), item("partner:bank-a", "d1")});
  auto n = s->outbox_lengths();
  REQUIRE(n);
  CHECK(n.value() == std::map<std::string, std::uint64_t>{{"partner:bank-a", 1}, {"webhook:ops", 1}});
}

TEST_CASE("a full sink drops the new item and reports it, other sinks still take theirs") {
  auto s = open_or_fail(":memory:");
  CHECK(enqueue(*s, {item("webhook:ops", "d1"), item("webhook:ops", "d2")}, 2).empty());
  auto dropped = enqueue(*s, {item("webhook:ops", "d3"), item("webhook:ops", "d4"),
                              item("partner:bank-a", "d5")}, 2);
  CHECK(dropped == std::map<std::string, std::uint64_t>{{"webhook:ops", 2}});
  auto ops = s->outbox_pending("webhook:ops", 10);
  REQUIRE(ops);
  CHECK(deliveries(ops.value()) == std::vector<std::string>{"d1", "d2"});   // the oldest stay
  CHECK(s->outbox_lengths().value().at("partner:bank-a") == 1);
}

TEST_CASE("delivered items are deleted up to a sequence number, only of their sink") {
  auto s = open_or_fail(":memory:");
  enqueue(*s, {item("alertmanager", "d1"), item("alertmanager", "d2"), item("webhook:ops", "d3"),
               item("alertmanager", "d4")});
  auto am = s->outbox_pending("alertmanager", 10).value();
  REQUIRE(s->outbox_delivered("alertmanager", am[1].seq));
  CHECK(deliveries(s->outbox_pending("alertmanager", 10).value()) == std::vector<std::string>{"d4"});
  CHECK(s->outbox_lengths().value().at("webhook:ops") == 1);
}

TEST_CASE("a failed attempt is rescheduled and a refused item becomes a listed dead letter") {
  auto s = open_or_fail(":memory:");
  enqueue(*s, {item("webhook:ops", "d1"), item("webhook:ops", "d2")});
  auto items = s->outbox_pending("webhook:ops", 10).value();
  REQUIRE(s->outbox_retry(items[0].seq, 1, at_s(1'790'000'002), "HTTP 503"));
  auto again = s->outbox_pending("webhook:ops", 1).value();
  CHECK(again[0].attempts == 1);
  CHECK(again[0].next_at == at_s(1'790'000'002));
  CHECK(again[0].last_error == "HTTP 503");

  REQUIRE(s->outbox_dead(items[0].seq, 2, "HTTP 400"));
  CHECK(deliveries(s->outbox_pending("webhook:ops", 10).value()) == std::vector<std::string>{"d2"});
  CHECK(s->outbox_lengths().value().at("webhook:ops") == 1);   // dead letters are not queued
  auto dead = s->list_outbox({});
  REQUIRE(dead);
  REQUIRE(dead->items.size() == 1);
  CHECK(dead->items[0].delivery_id == "d1");
  CHECK(dead->items[0].state == "dead");
  CHECK(dead->items[0].attempts == 2);
  CHECK(dead->items[0].last_error == "HTTP 400");
  CHECK_FALSE(dead->next_cursor);
}

TEST_CASE("the outbox listing pages oldest first and filters by sink") {
  auto s = open_or_fail(":memory:");
  enqueue(*s, {item("webhook:ops", "d1"), item("partner:a", "d2"), item("webhook:ops", "d3")});
  store::outbox_query q;
  q.state = "pending";
  q.limit = 1;
  auto p1 = s->list_outbox(q).value();
  CHECK(deliveries(p1.items) == std::vector<std::string>{"d1"});
  REQUIRE(p1.next_cursor);
  q.cursor = p1.next_cursor;
  q.limit = 10;
  CHECK(deliveries(s->list_outbox(q).value().items) == std::vector<std::string>{"d2", "d3"});
  q.cursor.reset();
  q.sink = "webhook:ops";
  CHECK(deliveries(s->list_outbox(q).value().items) == std::vector<std::string>{"d1", "d3"});
}

TEST_CASE("the outbox listing refuses a bad limit or cursor") {
  auto s = open_or_fail(":memory:");
  store::outbox_query q;
  q.limit = 0;
  CHECK(s->list_outbox(q).err().message == "limit: expected 1 to 1000");
  q.limit = 10;
  q.cursor = "zz";
  CHECK(s->list_outbox(q).err().message == "cursor: invalid");
  CHECK(s->list_outbox(q).err().code == "bad_request");
}

TEST_CASE("pending notifications survive closing and reopening the database") {
  temp_db db;
  {
    auto s = open_or_fail(db.path);
    enqueue(*s, {item("webhook:ops", "d1")});
  }
  auto s = open_or_fail(db.path);
  CHECK(deliveries(s->outbox_pending("webhook:ops", 10).value()) == std::vector<std::string>{"d1"});
}

TEST_CASE("alert pairs: open breaches and breaches in the hold window, with the latest one") {
  auto s = open_or_fail(":memory:");
  REQUIRE(s->begin());
  using st = model::breach_status;
  REQUIRE(s->put_breach(make_breach("b1", "bank-a", "r1", 1000, st::closed)));   // before hold
  REQUIRE(s->put_breach(make_breach("b2", "bank-a", "r1", 2000, st::closed)));
  REQUIRE(s->put_breach(make_breach("b3", "bank-a", "r1", 2100, st::closed)));
  REQUIRE(s->put_breach(make_breach("b4", "post-b", "r1", 500, st::open)));      // old but open
  REQUIRE(s->put_breach(make_breach("b5", "post-b", "r2", 900, st::closed)));    // neither
  REQUIRE(s->commit());
  auto pairs = s->alert_pairs(at_s(1500));
  REQUIRE(pairs);
  REQUIRE(pairs->size() == 2);
  const auto& a = pairs.value()[0];
  CHECK(std::tie(a.rule, a.partner, a.in_hold, a.open) == std::tuple("r1", "bank-a", 2u, 0u));
  CHECK(a.latest.id == "b3");
  const auto& b = pairs.value()[1];
  CHECK(std::tie(b.rule, b.partner, b.in_hold, b.open) == std::tuple("r1", "post-b", 0u, 1u));
  CHECK(b.latest.id == "b4");
}

TEST_CASE("obligations at risk: warned and not yet due") {
  auto s = open_or_fail(":memory:");
  auto row = [](const std::string& key, std::int64_t due_s, int warned) {
    store::state_row r;
    r.id = "obligation/r1/bank-a/" + key;
    r.kind = "obligation";
    r.rule = "r1";
    r.partner = "bank-a";
    r.key = key;
    r.data = {{"started_at", 0}, {"due", due_s * 1'000'000'000LL}, {"warned", warned}};
    return r;
  };
  REQUIRE(s->begin());
  REQUIRE(s->put_state({row("k1", 2000, 1), row("k2", 3000, 0), row("k3", 900, 2), row("k4", 2500, 2)}));
  REQUIRE(s->commit());
  auto risk = s->at_risk_obligations(at_s(1000));
  REQUIRE(risk);
  REQUIRE(risk->size() == 2);
  CHECK(risk.value()[0].key == "k1");
  CHECK(risk.value()[1].key == "k4");
}
