// The engine's durable state (engine_state), breach updates and the obligations listing.
#include <algorithm>
#include <iterator>
#include <fmt/format.h>
#include "flat_json.hpp"
#include "sqlite_detail.hpp"

namespace slawatch::store::detail {
namespace {

error bad_request(std::string message) { return error{"bad_request", std::move(message), {}}; }

std::optional<std::int64_t> data_ns(const nlohmann::json& data, const char* name) {
  auto it = data.find(name);
  if (it == data.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

/// Obligation cursor: "o" + hex of "<due_ns>\n<id>" (opaque to clients, no escaping issues).
std::string obligation_cursor(std::int64_t due_ns, const std::string& id) {
  std::string plain = std::to_string(due_ns) + "\n" + id;
  std::string out = "o";
  for (unsigned char c : plain) out += fmt::format("{:02x}", c);
  return out;
}

std::optional<std::pair<std::int64_t, std::string>> parse_obligation_cursor(std::string_view c) {
  if (c.size() < 5 || c[0] != 'o' || c.size() % 2 != 1) return std::nullopt;
  std::string plain;
  for (std::size_t i = 1; i < c.size(); i += 2) {
    unsigned v = 0;
    for (char h : c.substr(i, 2)) {
      int d = (h >= '0' && h <= '9') ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(d);
    }
    plain += static_cast<char>(v);
  }
  auto nl = plain.find('\n');
  if (nl == std::string::npos || nl == 0) return std::nullopt;
  std::int64_t due = 0;
  try {
    std::size_t used = 0;
    due = std::stoll(plain.substr(0, nl), &used);
    if (used != nl) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return std::pair{due, plain.substr(nl + 1)};
}

obligation_row to_obligation(const std::string& rule, const std::string& partner,
                             const std::string& key, nlohmann::json data) {
  obligation_row o{rule, partner, key, {}, {}, 0, {}};
  o.started_at = instant{duration{data_ns(data, "started_at").value_or(0)}};
  o.due = instant{duration{data_ns(data, "due").value_or(0)}};
  o.warned = static_cast<unsigned>(std::max<std::int64_t>(0, data_ns(data, "warned").value_or(0)));
  o.data = std::move(data);
  return o;
}

/// load_state(): one chunk of every row.
constexpr std::size_t state_chunk_all = static_cast<std::size_t>(-1);

/// The current row of the engine_state SELECT; the id as error when `data` is unreadable.
result<state_row> read_state_row(const statement& s) {
  state_row e{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), std::nullopt, {}};
  if (!s.is_null(5)) e.fire_at = instant{duration{s.int64(5)}};
  auto text = s.text(6);
  auto flat = parse_flat_object(text);   // fast path: a million entries at start-up
  e.data = flat ? std::move(*flat)
                : nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (e.data.is_discarded()) return error{"storage", std::move(e.id), {}};
  return e;
}

}  // namespace

result<bool> sqlite_store::put_state(const std::vector<state_row>& upserts) {
  if (upserts.empty()) return true;
  auto st = c_->prepare(
      "INSERT OR REPLACE INTO engine_state (id, kind, rule, partner, key, fire_at_ns, due_ns, data)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return st.err();
  for (const auto& e : upserts) {
    auto& s = (*st)->fresh();
    s.bind(1, e.id).bind(2, e.kind).bind(3, e.rule).bind(4, e.partner).bind(5, e.key);
    if (e.fire_at) s.bind(6, to_ns(*e.fire_at));   // unbound parameters are NULL
    if (auto due = data_ns(e.data, "due"); due && e.kind == "obligation") s.bind(7, *due);
    s.bind(8, e.data.dump());
    if (auto r = s.step(); !r) return c_->fail("put engine state", r.err().message);
  }
  return true;
}

result<bool> sqlite_store::erase_state(const std::vector<std::string>& ids) {
  if (ids.empty()) return true;
  auto st = c_->prepare("DELETE FROM engine_state WHERE id = ?1");
  if (!st) return st.err();
  for (const auto& id : ids) {
    if (auto r = (*st)->fresh().bind(1, id).step(); !r) {
      return c_->fail("erase engine state", r.err().message);
    }
  }
  return true;
}

result<std::vector<state_row>> sqlite_store::load_state() {
  std::vector<state_row> out;
  auto r = load_state_chunks(state_chunk_all, [&out](std::vector<state_row>& rows) {
    if (out.empty()) {
      out.swap(rows);
    } else {
      std::move(rows.begin(), rows.end(), std::back_inserter(out));
    }
    return true;
  });
  if (!r) return r.err();
  return out;
}

result<bool> sqlite_store::load_state_chunks(
    std::size_t chunk_rows, const std::function<bool(std::vector<state_row>&)>& sink) {
  auto st = c_->prepare(
      "SELECT id, kind, rule, partner, key, fire_at_ns, data FROM engine_state ORDER BY id");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  // Every exit ends the read, a throwing sink included: a statement left mid-way keeps a
  // read snapshot open on the writer (the WAL could not restart).
  struct end_read {
    detail::statement& s;
    ~end_read() { s.fresh(); }
  } ending{s};
  chunk_rows = std::max<std::size_t>(chunk_rows, 1);
  std::vector<state_row> rows;
  if (chunk_rows != state_chunk_all) rows.reserve(chunk_rows);
  for (;;) {
    auto row = s.step();
    if (!row) {
      return c_->fail("load engine state", row.err().message);
    }
    if (*row) {
      auto e = read_state_row(s);
      if (!e) {
        return c_->fail("load engine state", fmt::format("entry {} is unreadable", e.err().message));
      }
      rows.push_back(std::move(e.value()));
    }
    if (!rows.empty() && (!*row || rows.size() >= chunk_rows)) {
      bool more = sink(rows);
      rows.clear();
      if (!more) break;
    }
    if (!*row) break;
  }
  return true;
}

result<std::optional<model::breach>> sqlite_store::update_breach(const breach_change& u) {
  auto found = get_breach(u.id);
  if (!found) return found.err();
  if (!found.value()) return std::optional<model::breach>{};
  model::breach before = std::move(*found.value());
  model::breach after = before;
  if (after.status != model::breach_status::waived) after.status = u.status;
  after.completed_at = u.completed_at;
  after.delay_seconds = u.delay_seconds;
  auto st = c_->prepare("UPDATE breaches SET status = ?2, doc = ?3 WHERE id = ?1");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  s.bind(1, u.id).bind(2, model::to_string(after.status)).bind(3, after.to_json().dump());
  if (auto r = s.step(); !r) return c_->fail("update breach", r.err().message);
  return std::optional<model::breach>{std::move(before)};
}

result<obligation_page> sqlite_store::list_obligations(const obligation_query& q) {
  if (q.limit < 1 || q.limit > 1000) return bad_request("limit: expected 1 to 1000");
  std::optional<std::pair<std::int64_t, std::string>> after;
  if (q.cursor) {
    after = parse_obligation_cursor(*q.cursor);
    if (!after) return bad_request("cursor: invalid");
  }
  // Only the filters given are in the SQL, so the (kind, partner, rule, due_ns) index serves
  // them; one cached statement per combination.
  std::string sql = "SELECT id, rule, partner, key, due_ns, data FROM engine_state"
                    " WHERE kind = 'obligation'";
  if (q.partner) sql += " AND partner = ?1";
  if (q.rule) sql += " AND rule = ?2";
  if (after) sql += " AND (due_ns > ?3 OR (due_ns = ?3 AND id > ?4))";
  sql += " ORDER BY due_ns, id LIMIT ?5";
  auto st = c_->prepare(sql);
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  if (q.partner) s.bind(1, *q.partner);
  if (q.rule) s.bind(2, *q.rule);
  if (after) s.bind(3, after->first).bind(4, after->second);
  s.bind(5, static_cast<std::int64_t>(q.limit) + 1);   // one more tells whether a page follows
  obligation_page page;
  std::pair<std::int64_t, std::string> last;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("list obligations", row.err().message);
    if (!*row) break;
    if (page.obligations.size() == static_cast<std::size_t>(q.limit)) {
      page.next_cursor = obligation_cursor(last.first, last.second);
      break;
    }
    auto data = nlohmann::json::parse(s.text(5), nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded()) {
      return c_->fail("list obligations", fmt::format("entry {} is unreadable", s.text(0)));
    }
    last = {s.int64(4), s.text(0)};
    page.obligations.push_back(to_obligation(s.text(1), s.text(2), s.text(3), std::move(data)));
  }
  s.fresh();
  return page;
}

result<std::vector<obligation_count>> sqlite_store::obligation_counts() {
  auto st = c_->prepare(
      "SELECT rule, partner, count(*) FROM engine_state WHERE kind = 'obligation'"
      " GROUP BY rule, partner ORDER BY rule, partner");
  if (!st) return st.err();
  auto& s = (*st)->fresh();
  std::vector<obligation_count> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("count obligations", row.err().message);
    if (!*row) break;
    out.push_back({s.text(0), s.text(1), static_cast<std::uint64_t>(s.int64(2))});
  }
  return out;
}

}  // namespace slawatch::store::detail

namespace slawatch::store::detail {

result<std::vector<obligation_row>> sqlite_store::at_risk_obligations(instant now) {
  auto st = c_->prepare(
      "SELECT id, rule, partner, key, data FROM engine_state WHERE kind = 'obligation'"
      " AND due_ns > ?1 AND json_extract(data, '$.warned') > 0 ORDER BY rule, partner, due_ns");
  if (!st) return st.err();
  auto& s = (*st)->fresh().bind(1, to_ns(now));
  std::vector<obligation_row> out;
  for (;;) {
    auto row = s.step();
    if (!row) return c_->fail("list obligations at risk", row.err().message);
    if (!*row) break;
    auto data = nlohmann::json::parse(s.text(4), nullptr, /*allow_exceptions=*/false);
    if (data.is_discarded()) continue;   // unreadable entries are reported by load_state
    out.push_back(to_obligation(s.text(1), s.text(2), s.text(3), std::move(data)));
  }
  return out;
}

}  // namespace slawatch::store::detail

namespace slawatch::store {

result<bool> store::load_state_chunks(std::size_t chunk_rows,
                                      const std::function<bool(std::vector<state_row>&)>& sink) {
  auto all = load_state();
  if (!all) return all.err();
  chunk_rows = std::max<std::size_t>(chunk_rows, 1);
  auto& rows = all.value();
  std::vector<state_row> chunk;
  for (std::size_t at = 0; at < rows.size(); at += chunk_rows) {
    auto end = rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), at + chunk_rows));
    chunk.assign(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(at)),
                 std::make_move_iterator(end));
    if (!sink(chunk)) break;
  }
  return true;
}

}  // namespace slawatch::store
