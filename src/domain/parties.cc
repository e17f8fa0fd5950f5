#include "domain/parties.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <tuple>

#include "base/cursor.h"
#include "base/text.h"
#include "domain/conflicts.h"
#include "store/series.h"

namespace holdfast::domain {
namespace {

using store::Db;
using store::StmtRef;

constexpr const char* kAddressKeys[] = {"line1", "line2", "city", "state", "postal_code"};
constexpr const char* kFields[] = {"name", "email", "phone", "address"};

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

Status CheckEmail(const std::string& email) {
  auto at = email.find('@');
  bool ok = at != std::string::npos && at > 0 && email.find('@', at + 1) == std::string::npos &&
            email.find('.', at) != std::string::npos && email.back() != '.' &&
            email.find_first_of(" \t<>,;\"") == std::string::npos && !HasControl(email);
  if (!ok) return Invalid(fmt::format("{:?} is not an email address like name@example.org", email), "email");
  return Status::Ok();
}

Status CheckPhone(const std::string& phone) {
  int digits = 0;
  for (char c : phone) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else if (std::string_view(" +-().x").find(c) == std::string_view::npos) {
      return Invalid(fmt::format("{:?} is not a phone number: use digits, spaces, + - ( ) . and x", phone),
                     "phone");
    }
  }
  if (digits < 3) return Invalid("a phone number needs at least 3 digits", "phone");
  return Status::Ok();
}

// The value of one field as stored in the event's changes and in party_history.
json::value FieldOf(const json::object& row, std::string_view field) {
  const json::value* v = row.if_contains(field);
  return v ? *v : json::value("");
}

Result<json::object> ReadParty(store::Stmt& s) {
  json::object p;
  p["id"] = s.Text(0);
  p["kind"] = s.Text(1);
  p["name"] = s.Text(2);
  p["email"] = s.Text(3);
  p["phone"] = s.Text(4);
  json::object address;
  for (int i = 0; i < 5; ++i) address[kAddressKeys[i]] = s.Text(5 + i);
  p["address"] = std::move(address);
  p["created_at"] = s.Int(10);
  p["updated_at"] = s.Int(11);
  p["version"] = s.Int(12);
  return p;
}

constexpr std::string_view kPartyColumns =
    "id, kind, name, email, phone, address_line1, address_line2, address_city, address_state, "
    "address_postal_code, created_at, updated_at, version";

Status WriteRow(Db& db, const json::object& p, int64_t created_at, int64_t updated_at, int64_t version) {
  HF_ASSIGN_OR_RETURN(
      StmtRef s,
      db.Prepare("INSERT OR REPLACE INTO parties(id, kind, name, name_key, email, phone, address_line1, "
                 "address_line2, "
                 "address_city, address_state, address_postal_code, created_at, updated_at, version) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
  const json::object& a = ObjectOr(p, "address");
  s->BindAll(StringOr(p, "id"), StringOr(p, "kind"), StringOr(p, "name"), Lower(StringOr(p, "name")),
             StringOr(p, "email"), StringOr(p, "phone"), StringOr(a, "line1"), StringOr(a, "line2"),
             StringOr(a, "city"), StringOr(a, "state"), StringOr(a, "postal_code"), created_at, updated_at,
             version);
  return s->Run();
}

// Concurrent edits (DESIGN §5): each field takes the value of the latest edit in canonical order, the older
// value stays in party_history, and an edit made without seeing another that changed the same field (its
// base_version is older than the row it folds onto) is listed in the conflicts queue for someone to check.
Status CheckConcurrentEdit(Db& db, const journal::Event& e, std::string_view aggregate,
                           const json::object& p) {
  const json::object& d = e.data;
  const int64_t base = IntOr(d, "base_version");
  const int64_t unseen = IntOr(p, "version") - base;
  if (base < 1 || unseen <= 0) return Status::Ok();
  // The edits folded since the one this edit saw: the latest `unseen` events in the party's history.
  HF_ASSIGN_OR_RETURN(StmtRef events,
                      db.Prepare("SELECT DISTINCT time, tick, feed, seq FROM party_history WHERE party_id=? "
                                 "ORDER BY time DESC, tick DESC, feed DESC, seq DESC LIMIT ?"));
  events->BindAll(StringOr(d, "id"), unseen);
  HF_ASSIGN_OR_RETURN(StmtRef fields,
                      db.Prepare("SELECT field, new_value FROM party_history WHERE party_id=? "
                                 "AND time=? AND tick=? AND feed=? AND seq=?"));
  json::object overlap;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, events->Step());
    if (!row) break;
    fields->Reset();
    fields->BindAll(StringOr(d, "id"), events->Int(0), events->Int(1), events->TextView(2), events->Int(3));
    for (;;) {
      HF_ASSIGN_OR_RETURN(bool frow, fields->Step());
      if (!frow) break;
      std::string field = fields->Text(0);
      const json::value* mine = ObjectOr(d, "changes").if_contains(field);
      if (!mine || overlap.contains(field)) continue;
      auto replaced = ParseJson(fields->TextView(1));
      overlap[field] = json::object{{"kept", *mine},
                                    {"replaced", replaced.ok() ? *replaced : json::value(nullptr)},
                                    {"replaced_edit", fmt::format("{}/{}", events->Text(2), events->Int(3))}};
    }
  }
  if (overlap.empty()) return Status::Ok();
  std::string names;
  for (const auto& kv : overlap) names += (names.empty() ? "" : ", ") + std::string(kv.key());
  std::string_view id = StringOr(d, "id");
  return RecordConflict(
      db, aggregate, "party-edited-concurrently", e,
      fmt::format("party {} was edited at {} and elsewhere at the same time ({}): the later edit "
                  "is kept, the other is in the party's history; check which is right",
                  id, e.feed, names),
      json::object{{"party", id}, {"node", e.feed}, {"by", e.actor}, {"fields", std::move(overlap)}});
}

Status ApplyParty(Db& db, const journal::StoredEvent& se, std::string_view aggregate) {
  const journal::Event& e = se.event;
  const json::object& d = e.data;
  std::string_view id = StringOr(d, "id");
  if (aggregate.starts_with("series:"))
    return store::ApplySeriesNumber(db, aggregate, store::SeriesNumberOf(id));
  if (e.type == "party.created") {
    json::object p = d;
    return WriteRow(db, p, e.stamp.time, e.stamp.time, 1);
  }
  // party.updated: apply the changed fields over the current row, keeping the replaced values.
  HF_ASSIGN_OR_RETURN(auto current, GetParty(db, id));
  if (!current) return Status::Ok();  // an update whose create this node does not hold yet: nothing to show
  json::object p = *current;
  HF_RETURN_IF_ERROR(CheckConcurrentEdit(db, e, aggregate, p));
  for (const auto& kv : ObjectOr(d, "changes")) {
    if (std::find(std::begin(kFields), std::end(kFields), kv.key()) == std::end(kFields)) continue;
    HF_ASSIGN_OR_RETURN(std::string old_value, Canonical(FieldOf(p, kv.key())));
    HF_ASSIGN_OR_RETURN(std::string new_value, Canonical(kv.value()));
    HF_ASSIGN_OR_RETURN(StmtRef h,
                        db.Prepare("INSERT OR REPLACE INTO party_history VALUES(?,?,?,?,?,?,?,?)"));
    HF_RETURN_IF_ERROR(h->BindAll(std::string(id), e.stamp.time, e.stamp.tick, e.feed, e.seq,
                                  std::string(kv.key()), old_value, new_value)
                           .Run());
    p[kv.key()] = kv.value();
  }
  return WriteRow(db, p, IntOr(p, "created_at"), e.stamp.time, IntOr(p, "version") + 1);
}

}  // namespace

void RegisterParties(store::Registry& registry) {
  registry.AddTable(
      {"parties",
       "CREATE TABLE IF NOT EXISTS parties(id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, "
       "name_key TEXT NOT NULL, email TEXT NOT NULL, phone TEXT NOT NULL, address_line1 TEXT NOT NULL, "
       "address_line2 TEXT NOT NULL, address_city TEXT NOT NULL, address_state TEXT NOT NULL, "
       "address_postal_code TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
       "version INTEGER NOT NULL) WITHOUT ROWID;"
       "CREATE INDEX IF NOT EXISTS parties_name ON parties(name_key, id);",
       {"id"}});
  registry.AddTable(
      {"party_history",
       "CREATE TABLE IF NOT EXISTS party_history(party_id TEXT NOT NULL, time INTEGER NOT NULL, "
       "tick INTEGER NOT NULL, feed TEXT NOT NULL, seq INTEGER NOT NULL, field TEXT NOT NULL, "
       "old_value TEXT NOT NULL, new_value TEXT NOT NULL, "
       "PRIMARY KEY(party_id, time, tick, feed, seq, field)) WITHOUT ROWID",
       {"party_id", "feed", "seq", "field"}});
  registry.AddAggregate({"party", [](Db& db, std::string_view id) -> Status {
                           HF_ASSIGN_OR_RETURN(StmtRef a, db.Prepare("DELETE FROM parties WHERE id=?"));
                           HF_RETURN_IF_ERROR(a->Bind(1, id).Run());
                           HF_ASSIGN_OR_RETURN(StmtRef b,
                                               db.Prepare("DELETE FROM party_history WHERE party_id=?"));
                           HF_RETURN_IF_ERROR(b->Bind(1, id).Run());
                           return ClearConflicts(db, fmt::format("party:{}", id));
                         }});
  registry.AddRule(
      {"party.created",
       [](const journal::Event& e) -> std::vector<std::string> {
         return {fmt::format("party:{}", StringOr(e.data, "id")), store::SeriesAggregate(e.feed, "party")};
       },
       ApplyParty});
  registry.AddRule({"party.updated", store::OneAggregate("party"), ApplyParty});
}

Result<PartyInput> ParsePartyInput(const json::value& body, bool create) {
  ObjectReader r(body);
  PartyInput in;
  in.kind = r.String("kind", 20);
  if (create && !in.kind) r.Fail("kind", "kind is required: \"person\" or \"business\"");
  if (!create && r.Has("kind")) r.Fail("kind", "a party's kind cannot be changed");
  if (in.kind && *in.kind != "person" && *in.kind != "business") {
    r.Fail("kind", "kind must be \"person\" or \"business\"");
  }
  if (auto name = r.String("name", 200)) {
    in.name = Trim(*name);
    if (in.name->empty()) r.Fail("name", "name must not be blank");
    if (HasControl(*in.name)) r.Fail("name", "name must not contain control characters");
  } else if (create) {
    r.Fail("name", "name is required");
  }
  if (auto email = r.String("email", 254)) in.email = Trim(*email);
  if (auto phone = r.String("phone", 32)) in.phone = Trim(*phone);
  if (const json::object* a = r.Object("address")) {
    ObjectReader ar(*a, "address.");
    json::object address;
    for (const char* key : kAddressKeys) {
      auto v = ar.String(key, 100);
      std::string value = v ? Trim(*v) : "";
      if (HasControl(value)) ar.Fail(key, fmt::format("address.{} must not contain control characters", key));
      address[key] = value;
    }
    for (const char* key : {"line1", "city", "state", "postal_code"}) {
      if (address[key].as_string().empty())
        ar.Fail(key, fmt::format("address.{} is required in an address", key));
    }
    Status s = ar.Finish();
    if (!s.ok()) return s.error();
    in.address = std::move(address);
  }
  HF_RETURN_IF_ERROR(r.Finish());
  if (in.email && !in.email->empty()) HF_RETURN_IF_ERROR(CheckEmail(*in.email));
  if (in.phone && !in.phone->empty()) HF_RETURN_IF_ERROR(CheckPhone(*in.phone));
  if (!create && !in.name && !in.email && !in.phone && !in.address) {
    return Invalid("nothing to change: give at least one of name, email, phone, address");
  }
  return in;
}

Result<json::object> CreateParty(store::CommandContext& ctx, const PartyInput& in, const std::string& actor) {
  HF_ASSIGN_OR_RETURN(int64_t n, store::NextSeriesNumber(ctx.db(), ctx.node_id(), "party"));
  std::string id = store::SeriesId("p", ctx.node_id(), n);
  json::object empty_address;
  for (const char* key : kAddressKeys) empty_address[key] = "";
  json::object d{{"id", id},
                 {"kind", in.kind.value_or("person")},
                 {"name", in.name.value_or("")},
                 {"email", in.email.value_or("")},
                 {"phone", in.phone.value_or("")},
                 {"address", in.address.value_or(empty_address)}};
  HF_ASSIGN_OR_RETURN(journal::StoredEvent se, ctx.Emit("party.created", std::move(d), actor));
  // The new row is exactly the event's data with its times and version 1 (see ApplyParty): no need to read
  // it back.
  json::object p = std::move(se.event.data);
  p["created_at"] = se.event.stamp.time;
  p["updated_at"] = se.event.stamp.time;
  p["version"] = 1;
  return p;
}

Result<json::object> UpdateParty(store::CommandContext& ctx, const std::string& id, const PartyInput& in,
                                 const std::string& actor) {
  HF_ASSIGN_OR_RETURN(auto current, GetParty(ctx.db(), id));
  if (!current) return NotFound(fmt::format("no party {}", id));
  json::object changes;
  auto set = [&](const char* field, const auto& value) {
    if (value && FieldOf(*current, field) != json::value(*value)) changes[field] = *value;
  };
  set("name", in.name);
  set("email", in.email);
  set("phone", in.phone);
  set("address", in.address);
  if (changes.empty()) return *current;  // nothing differs: no event
  HF_RETURN_IF_ERROR(
      ctx.Emit("party.updated",
               json::object{
                   {"id", id}, {"changes", std::move(changes)}, {"base_version", IntOr(*current, "version")}},
               actor)
          .status());
  HF_ASSIGN_OR_RETURN(auto p, GetParty(ctx.db(), id));
  return *p;
}

Result<std::optional<json::object>> GetParty(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare(fmt::format("SELECT {} FROM parties WHERE id=?", kPartyColumns)));
  s->Bind(1, id);
  HF_ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return std::optional<json::object>();
  HF_ASSIGN_OR_RETURN(json::object p, ReadParty(*s));
  return std::optional<json::object>(std::move(p));
}

Result<bool> PartyExists(Db& db, std::string_view id) {
  HF_ASSIGN_OR_RETURN(StmtRef s, db.Prepare("SELECT 1 FROM parties WHERE id=?"));
  s->Bind(1, id);
  return s->Step();
}

Result<PartyPage> SearchParties(Db& db, const PartyQuery& q) {
  // Cursor: the name_key and id of the last item.
  std::string after_key, after_id;
  if (!q.after.empty()) {
    HF_ASSIGN_OR_RETURN(std::tie(after_key, after_id), DecodeCursor(q.after));
  }
  HF_ASSIGN_OR_RETURN(StmtRef s,
                      db.Prepare(fmt::format("SELECT {}, name_key FROM parties WHERE (?1 = '' OR name_key "
                                             "LIKE ?2 ESCAPE '\\' OR lower(email) LIKE ?2 "
                                             "ESCAPE '\\' OR phone LIKE ?2 ESCAPE '\\') AND (?3 = '' OR kind "
                                             "= ?3) AND (name_key, id) > (?4, ?5) "
                                             "ORDER BY name_key, id LIMIT ?6",
                                             kPartyColumns)));
  // The text matches anywhere; LIKE wildcards the user typed match themselves.
  std::string pattern = "%" + EscapeLike(Lower(q.text)) + "%";
  s->BindAll(q.text, pattern, q.kind, after_key, after_id, int64_t{q.limit + 1});
  PartyPage page;
  std::string last_key, last_id;
  for (;;) {
    HF_ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(page.items.size()) == q.limit) {
      page.next_cursor = EncodeCursor(last_key, last_id);
      break;
    }
    HF_ASSIGN_OR_RETURN(json::object p, ReadParty(*s));
    last_key = s->Text(13);
    last_id = s->Text(0);
    page.items.emplace_back(std::move(p));
  }
  return page;
}

}  // namespace holdfast::domain
