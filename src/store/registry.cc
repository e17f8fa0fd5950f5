#include "store/registry.h"

namespace holdfast::store {

void Registry::AddTable(StateTable table) { tables_.push_back(std::move(table)); }

void Registry::AddLocalTable(std::string ddl) { local_ddl_.push_back(std::move(ddl)); }

std::vector<std::string> Registry::IdentityKinds() const {
  std::vector<std::string> out;
  for (const auto& [prefix, kind] : aggregates_)
    if (kind.identity) out.push_back(prefix);
  return out;
}

std::set<std::string, std::less<>> Registry::IdentityTypes() const {
  std::set<std::string, std::less<>> out;
  for (const auto& [type, rule] : rules_) {
    journal::Event probe;
    probe.type = type;
    for (const std::string& aggregate : rule.aggregates(probe)) {
      const AggregateKind* kind = FindAggregate(aggregate);
      if (kind && kind->identity) out.insert(type);
    }
  }
  return out;
}

std::vector<std::string> Registry::LocalTables() const {
  constexpr std::string_view kCreate = "CREATE TABLE IF NOT EXISTS ";
  std::vector<std::string> out;
  for (const std::string& ddl : local_ddl_) {
    size_t at = ddl.find(kCreate);
    if (at == std::string::npos) continue;
    at += kCreate.size();
    out.push_back(ddl.substr(at, ddl.find('(', at) - at));
  }
  return out;
}

void Registry::AddAggregate(AggregateKind kind) {
  std::string prefix = kind.prefix;
  aggregates_.emplace(std::move(prefix), std::move(kind));
}

void Registry::AddRule(FoldRule rule) {
  std::string type = rule.type;
  rules_.emplace(std::move(type), std::move(rule));
}

const AggregateKind* Registry::FindAggregate(std::string_view aggregate) const {
  auto colon = aggregate.find(':');
  if (colon == std::string_view::npos) return nullptr;
  auto it = aggregates_.find(aggregate.substr(0, colon));
  return it == aggregates_.end() ? nullptr : &it->second;
}

const FoldRule* Registry::FindRule(std::string_view type) const {
  auto it = rules_.find(type);
  return it == rules_.end() ? nullptr : &it->second;
}

Status Registry::CreateTables(Db& db) const {
  for (const auto& t : tables_) HF_RETURN_IF_ERROR(db.Exec(t.ddl));
  for (const auto& ddl : local_ddl_) HF_RETURN_IF_ERROR(db.Exec(ddl));
  return Status::Ok();
}

}  // namespace holdfast::store
