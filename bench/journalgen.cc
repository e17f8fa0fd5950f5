// Journal generator: founds a city on a new node and writes N events through the node's own writer, so the
// journal, the seals, the node log and the state tables are exactly what a node that took those commands
// holds (the vault benchmark, bench/vault.sh, backs it up and restores it).
//
//   bench_journalgen --data DIR --events N [--city NAME] [--batch K] [--mix city|parties]
//
// 1. `holdfast init` as the CLI does it (cli::InitNode): the city and node keys, the backup key (vault.key),
//    the founding events and the first administrator "admin", whose one-time password is printed as
//    "username: admin" and "password: ..." lines, as `holdfast init` prints them.
// 2. Node::Open, then commands submitted to the writer from this thread with up to 4 batches' worth waiting,
//    so the writer always has a full batch (--batch commands, default 8192: one transaction, one seal of the
//    head, one fsync each; a node's writer takes up to 2048 at a time, but the events and seals are the same,
//    and on the 2-core benchmark machine 8192 writes 10,000,000 events about 40% faster).
// 3. The mix (--mix city, the default) repeats a cycle of 20 commands, what a city's counters do over the
//    years: 6 utility bill payments (payment.taken), 4 new residents (party.created with address, email and
//    phone), 1 change of address (party.updated), 3 pets registered with their rabies certificate
//    (pet.registered, pet.vaccinated), 1 vaccination recorded later (pet.vaccinated), 3 dog licenses issued
//    at the counter and paid in cash (license.issued, payment.taken), 2 renewals of earlier licenses
//    (license.renewed, payment.taken). About 1.4 events per command and 370 bytes per event.
//    Before the cycles: a fee schedule, a cash drawer for "admin", and a range of 100,000 tags (another
//    range is received each time one runs out). --mix parties writes party.created only (as
//    tests/test_city.h AddParties does).
// 4. The last few thousand events are written as new parties one by one, so the journal holds exactly N
//    events (the founding events included).
//
// Every command must succeed: the first failure is printed and the generator exits 1 (the data directory is
// left as it is). Progress goes to stderr every second; the last line of stdout is a JSON summary:
//
//   {"events":N,"commands":C,"batches":B,"seconds":S,"events_per_s":R,"body_bytes":X,"db_bytes":Y}
//
// body_bytes is the sum of the events' stored bytes (the journal proper); db_bytes the size of node.db after
// the node closed (WAL checkpointed).
//
// Exit status: 0 when N events were written, 1 on a failed command, 2 on bad arguments or an existing node.
#include <fmt/format.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "base/date.h"
#include "cli/verbs.h"
#include "domain/cashier.h"
#include "domain/counter.h"
#include "domain/fees.h"
#include "domain/parties.h"
#include "domain/pets.h"
#include "domain/registry.h"
#include "domain/tags.h"
#include "store/node.h"
#include "store/node_log.h"
#include "store/series.h"

namespace holdfast::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr const char* kNode = "central";
constexpr const char* kClerk = "admin";
constexpr int64_t kTagRange = domain::kMaxTagRange;
// Commands of the cycle (see the header comment), in the order they are submitted.
enum class Kind { kBill, kResident, kMove, kPet, kVaccinate, kIssue, kRenew };
constexpr Kind kCycle[] = {Kind::kResident, Kind::kBill,     Kind::kPet,       Kind::kIssue, Kind::kBill,
                           Kind::kResident, Kind::kPet,      Kind::kBill,      Kind::kIssue, Kind::kRenew,
                           Kind::kResident, Kind::kBill,     Kind::kMove,      Kind::kPet,   Kind::kIssue,
                           Kind::kBill,     Kind::kResident, Kind::kVaccinate, Kind::kBill,  Kind::kRenew};
constexpr const char* kStreets[] = {"Main St", "Oak Ave", "Elm St",  "Maple Dr", "Cedar Ln",
                                    "Pine St", "Lake Rd", "Hill St", "River Rd", "Park Ave"};
constexpr const char* kGiven[] = {"Maria", "James", "Wei",  "Fatima", "Olga",  "Kwame", "Ana", "John",
                                  "Priya", "Luis",  "Sara", "Tom",    "Aisha", "Ivan",  "Mei", "Noah"};
constexpr const char* kFamily[] = {"Garcia", "Smith", "Chen",   "Khan",  "Ivanova", "Mensah",
                                   "Silva",  "Brown", "Patel",  "Lopez", "Cohen",   "Miller",
                                   "Okafor", "Novak", "Tanaka", "Reyes"};
constexpr const char* kPetNames[] = {"Rex", "Bella", "Max", "Luna", "Charlie", "Daisy", "Rocky", "Molly"};
constexpr const char* kBreeds[] = {"Labrador", "Beagle", "Mixed", "Poodle", "Boxer", "Terrier"};

struct Options {
  std::string data;
  int64_t events = 10'000'000;
  std::string city = "Bench City";
  size_t batch = 8192;
  std::string mix = "city";
};

// Commands in flight: the submitting thread waits while `limit` are unanswered. The first failure is kept.
class InFlight {
 public:
  explicit InFlight(size_t limit) : limit_(limit) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ < limit_; });
    ++pending_;
  }
  void Release(const Result<json::value>& r) {
    std::lock_guard<std::mutex> lock(mu_);
    --pending_;
    if (!r.ok() && first_error_.empty()) first_error_ = r.status().ToString();
    cv_.notify_all();
  }
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return pending_ == 0; });
  }
  std::string FirstError() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t limit_;
  size_t pending_ = 0;
  std::string first_error_;
};

// Pet n is a cat when n % 5 == 0, otherwise a dog; license n is pet n's. A dog's license is for three years
// every fourth time (the fee schedule has no three-year license for cats).
bool IsCat(int64_t pet) { return pet % 5 == 0; }
bool ThreeYear(int64_t license) { return license % 4 == 0 && !IsCat(license); }

domain::PartyInput Resident(int64_t n) {
  json::object address{{"line1", fmt::format("{} {}", n % 9973 + 1, kStreets[n % 10])},
                       {"line2", n % 7 == 0 ? fmt::format("Apt {}", n % 40 + 1) : ""},
                       {"city", "Springfield"},
                       {"state", "IL"},
                       {"postal_code", fmt::format("627{:02}", n % 100)}};
  return domain::PartyInput{
      .kind = n % 13 == 0 ? "business" : "person",
      .name = fmt::format("{} {} {}", kGiven[n % 16], kFamily[(n / 16) % 16], n),
      .email = fmt::format("resident{}@example.org", n),
      .phone = fmt::format("217-555-{:04}", n % 10000),
      .address = std::move(address),
  };
}

class Generator {
 public:
  Generator(store::Node& node, const Options& opt) : node_(node), opt_(opt), in_flight_(4 * opt.batch) {}

  // Writes until the node's log holds opt_.events events. Returns 0, or 1 after printing the first failure.
  int Run() {
    started_ = SteadyClock::now();
    last_report_ = started_;
    auto db = node_.Read();
    if (!db.ok()) return Fail(db.status().ToString());
    auto size = store::LogSize(**db);
    if (!size.ok()) return Fail(size.status().ToString());
    base_events_ = static_cast<int64_t>(*size);
    today_ = Date::FromUnixMs(node_.clock().NowMs());
    if (opt_.mix == "city") {
      Submit([this](store::CommandContext& ctx) -> Result<json::value> {
        domain::FeeSchedule schedule = domain::ExampleFeeSchedule(Date::FromCivil(2020, 1, 1));
        schedule.renewal_window_days = 365;  // every license may be renewed once, the day after its issue
        HF_RETURN_IF_ERROR(domain::SetFeeSchedule(ctx, schedule, kClerk).status());
        HF_RETURN_IF_ERROR(domain::OpenDrawer(ctx, {20000, kClerk}, kClerk).status());
        return json::value(nullptr);
      });
      drawer_ = store::SeriesId("d", kNode, 1);
    }
    // Stop the mixed cycles early enough that they cannot overshoot (a command emits at most 3 events).
    const int64_t slack = 3 * static_cast<int64_t>(4 * opt_.batch) + 16;
    while (Written() + slack < opt_.events) {
      if (opt_.mix == "city") {
        for (Kind k : kCycle) SubmitCity(k);
      } else {
        for (int i = 0; i < 20; ++i) SubmitResident();
      }
      Report(false);
      if (!in_flight_.FirstError().empty()) break;
    }
    in_flight_.Drain();
    if (!in_flight_.FirstError().empty()) return Fail(in_flight_.FirstError());
    for (int64_t left = opt_.events - Written(); left > 0; --left) SubmitResident();
    in_flight_.Drain();
    if (!in_flight_.FirstError().empty()) return Fail(in_flight_.FirstError());
    Report(true);
    return 0;
  }

  int64_t Written() const { return base_events_ + node_.writer().stats().events.load(); }
  int64_t commands() const { return commands_; }
  double Seconds() const { return std::chrono::duration<double>(SteadyClock::now() - started_).count(); }

 private:
  int Fail(const std::string& what) {
    std::fprintf(stderr, "journalgen: error: %s\n", what.c_str());
    return 1;
  }

  void Submit(store::CommandFn command) {
    in_flight_.Acquire();
    ++commands_;
    node_.writer().Submit(std::move(command), [this](Result<json::value> r) { in_flight_.Release(r); });
  }

  void SubmitResident() {
    int64_t n = ++parties_;
    Submit([n](store::CommandContext& ctx) -> Result<json::value> {
      HF_RETURN_IF_ERROR(domain::CreateParty(ctx, Resident(n), kClerk).status());
      return json::value(nullptr);
    });
  }

  void SubmitCity(Kind kind) {
    const Date today = today_;
    const std::string drawer = drawer_;
    switch (kind) {
      case Kind::kResident:
        return SubmitResident();
      case Kind::kBill: {
        // A water bill paid at the counter by a resident (or a walk-in payer before any resident exists).
        int64_t n = ++bills_;
        std::string payer = parties_ ? store::SeriesId("p", kNode, n % parties_ + 1) : "";
        return Submit([n, payer, drawer](store::CommandContext& ctx) -> Result<json::value> {
          domain::PaymentRequest p;
          p.drawer_id = drawer;
          p.payer_party_id = payer;
          p.clerk = kClerk;
          domain::Cents amount = 2500 + n * 37 % 15000;
          p.items = {domain::FeeLine{"WATER", fmt::format("Water and sewer, account {}", 100000 + n % 400000),
                                     amount, fmt::format("W-{}", 100000 + n % 400000)}};
          if (n % 3 == 0) {
            p.tenders = {domain::Tender{"check", amount, fmt::format("{}", 1000 + n % 9000), ""}};
          } else if (n % 3 == 1) {
            p.tenders = {domain::Tender{"card", amount, "", fmt::format("T{:08}", n)}};
          } else {
            p.tenders = {domain::Tender{"cash", (amount + 999) / 1000 * 1000, "", ""}};
          }
          HF_RETURN_IF_ERROR(domain::TakePayment(ctx, p, kClerk).status());
          return json::value(nullptr);
        });
      }
      case Kind::kMove: {
        if (parties_ == 0) return;
        int64_t n = ++moves_;
        std::string id = store::SeriesId("p", kNode, n * 7919 % parties_ + 1);
        return Submit([n, id](store::CommandContext& ctx) -> Result<json::value> {
          domain::PartyInput change{
              .address = json::object{{"line1", fmt::format("{} {}", n % 4999 + 2, kStreets[(n + 3) % 10])},
                                      {"line2", ""},
                                      {"city", "Springfield"},
                                      {"state", "IL"},
                                      {"postal_code", fmt::format("627{:02}", (n + 1) % 100)}}};
          HF_RETURN_IF_ERROR(domain::UpdateParty(ctx, id, change, kClerk).status());
          return json::value(nullptr);
        });
      }
      case Kind::kPet: {
        if (parties_ == 0) return;
        int64_t n = ++pets_;
        std::string owner = store::SeriesId("p", kNode, parties_);
        return Submit([n, owner, today](store::CommandContext& ctx) -> Result<json::value> {
          domain::PetInput p{
              .owner_party_id = owner,
              .species = IsCat(n) ? "cat" : "dog",
              .name = kPetNames[n % 8],
              .breed = kBreeds[n % 6],
              .sex = n % 2 ? "male" : "female",
              .altered = n % 3 != 0,
              .birth_date = today.AddDays(-(n % 4000) - 60).ToString(),
              .color = "brown",
              .rabies = domain::Vaccination{fmt::format("RV-{}", n), "Springfield Animal Clinic",
                                            today.AddDays(-(n % 300)), today.AddDays(4 * 365)}};
          HF_RETURN_IF_ERROR(domain::RegisterPet(ctx, p, kClerk).status());
          return json::value(nullptr);
        });
      }
      case Kind::kVaccinate: {
        if (pets_ == 0) return;
        int64_t n = ++vaccinations_;
        std::string pet = store::SeriesId("pet", kNode, n * 104729 % pets_ + 1);
        return Submit([n, pet, today](store::CommandContext& ctx) -> Result<json::value> {
          domain::Vaccination v{fmt::format("RV2-{}", n), "Westside Veterinary", today,
                                today.AddDays(4 * 365)};
          HF_RETURN_IF_ERROR(domain::RecordVaccination(ctx, pet, v, kClerk).status());
          return json::value(nullptr);
        });
      }
      case Kind::kIssue: {
        // Dogs and cats are licensed in the order they were registered, each once.
        if (licenses_ >= pets_) return;
        int64_t n = ++licenses_;
        if (n > tags_received_) {
          int64_t first = tags_received_ + 1;
          tags_received_ += kTagRange;
          Submit([first](store::CommandContext& ctx) -> Result<json::value> {
            HF_RETURN_IF_ERROR(domain::ReceiveTags(ctx, first, first + kTagRange - 1, kClerk).status());
            return json::value(nullptr);
          });
        }
        std::string pet = store::SeriesId("pet", kNode, n);
        return Submit([n, pet, drawer, today](store::CommandContext& ctx) -> Result<json::value> {
          domain::Sale sale;
          sale.drawer_id = drawer;
          sale.items.push_back(
              domain::IssueRequest{.pet_id = pet, .term_years = ThreeYear(n) ? 3 : 1, .tag = n});
          sale.tenders = {domain::Tender{"cash", 20000, "", ""}};
          HF_RETURN_IF_ERROR(domain::CounterSale(ctx, sale, today, kClerk).status());
          return json::value(nullptr);
        });
      }
      case Kind::kRenew: {
        // One-year licenses are renewed in the order they were issued, each once (a three-year license is
        // not yet in its renewal window).
        while (renewals_ < licenses_ && ThreeYear(renewals_ + 1)) ++renewals_;
        if (renewals_ >= licenses_) return;
        int64_t n = ++renewals_;
        std::string number = store::SeriesId("L", kNode, n);
        return Submit([number, drawer, today](store::CommandContext& ctx) -> Result<json::value> {
          domain::Sale sale;
          sale.drawer_id = drawer;
          sale.items.push_back(domain::RenewRequest{.number = number, .term_years = 1});
          // Cash, since the fee is decided by the command: the change is given back.
          sale.tenders = {domain::Tender{"cash", 20000, "", ""}};
          HF_RETURN_IF_ERROR(domain::CounterSale(ctx, sale, today, kClerk).status());
          return json::value(nullptr);
        });
      }
    }
  }

  // Prints progress to stderr once a second, and at the end.
  void Report(bool final) {
    auto now = SteadyClock::now();
    if (!final && now - last_report_ < std::chrono::seconds(1)) return;
    last_report_ = now;
    double s = Seconds();
    int64_t written = Written();
    const auto& st = node_.writer().stats();
    std::fprintf(stderr,
                 "journalgen: %lld of %lld events (%.0f%%), %.1f s, %.0f events/s, %lld commands in %lld "
                 "batches\n",
                 static_cast<long long>(written), static_cast<long long>(opt_.events),
                 100.0 * static_cast<double>(written) / static_cast<double>(opt_.events), s,
                 static_cast<double>(written - base_events_) / std::max(s, 1e-3),
                 static_cast<long long>(st.commands.load()), static_cast<long long>(st.batches.load()));
  }

  store::Node& node_;
  const Options& opt_;
  InFlight in_flight_;
  SteadyClock::time_point started_;
  SteadyClock::time_point last_report_;
  int64_t base_events_ = 0;
  Date today_;
  std::string drawer_;
  int64_t commands_ = 0;
  int64_t parties_ = 0;
  int64_t bills_ = 0;
  int64_t moves_ = 0;
  int64_t pets_ = 0;
  int64_t vaccinations_ = 0;
  int64_t licenses_ = 0;
  int64_t renewals_ = 0;
  int64_t tags_received_ = 0;
};

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

int Run(const Options& opt) {
  const store::Registry& registry = domain::NodeRegistry();
  auto init = cli::InitNode(opt.data, opt.city, kNode, kClerk);
  if (!init.ok()) {
    std::fprintf(stderr, "journalgen: error: %s\n", init.status().ToString().c_str());
    return 2;
  }
  std::printf("Created node %s of %s in %s.\nusername: %s\npassword: %s\n", kNode, opt.city.c_str(),
              opt.data.c_str(), init->admin_username.c_str(), init->admin_password.c_str());
  std::fflush(stdout);

  int64_t events = 0, commands = 0, batches = 0;
  double seconds = 0;
  {
    auto node = store::Node::Open(opt.data, registry, store::NodeOptions{.max_batch = opt.batch});
    if (!node.ok()) {
      std::fprintf(stderr, "journalgen: error: %s\n", node.status().ToString().c_str());
      return 2;
    }
    Generator gen(**node, opt);
    int rc = gen.Run();
    if (rc != 0) return rc;
    events = gen.Written();
    commands = gen.commands();
    batches = (*node)->writer().stats().batches.load();
    seconds = gen.Seconds();
  }
  // The journal proper: the events' stored bytes.
  store::DataPaths paths(opt.data);
  auto db = store::Db::Open(paths.db(), store::OpenMode::kReadOnly);
  if (!db.ok()) {
    std::fprintf(stderr, "journalgen: error: %s\n", db.status().ToString().c_str());
    return 2;
  }
  auto body_bytes = (*db)->QueryInt("SELECT SUM(LENGTH(body)) FROM events");
  auto counted = (*db)->QueryInt("SELECT COUNT(*) FROM events");
  if (!body_bytes.ok() || !counted.ok()) {
    std::fprintf(stderr, "journalgen: error: cannot read the journal back\n");
    return 2;
  }
  if (*counted != opt.events) {
    std::fprintf(stderr, "journalgen: error: the journal holds %lld events, not %lld\n",
                 static_cast<long long>(*counted), static_cast<long long>(opt.events));
    return 1;
  }
  std::printf(
      "%lld events (%lld commands in %lld batches) in %.1f s: %.0f events/s; %.1f MiB of event bytes, "
      "node.db %.1f MiB\n",
      static_cast<long long>(events), static_cast<long long>(commands), static_cast<long long>(batches),
      seconds, static_cast<double>(events) / seconds, static_cast<double>(*body_bytes) / 1048576.0,
      static_cast<double>(FileSize(paths.db())) / 1048576.0);
  std::printf(R"({"events":%lld,"commands":%lld,"batches":%lld,"seconds":%.3f,"events_per_s":%.0f,)"
              R"("body_bytes":%lld,"db_bytes":%lld})"
              "\n",
              static_cast<long long>(events), static_cast<long long>(commands),
              static_cast<long long>(batches), seconds, static_cast<double>(events) / seconds,
              static_cast<long long>(*body_bytes), static_cast<long long>(FileSize(paths.db())));
  return 0;
}

}  // namespace
}  // namespace holdfast::bench

int main(int argc, char** argv) {
  holdfast::bench::Options opt;
  CLI::App app{"Founds a city on a new node and writes N events through its writer (bench/vault.sh)"};
  app.add_option("--data", opt.data, "The data directory to create")->required();
  app.add_option("--events", opt.events, "Events the journal holds at the end, founding events included")
      ->check(CLI::Range(int64_t{100}, int64_t{1'000'000'000}));
  app.add_option("--city", opt.city, "The city's name");
  app.add_option("--batch", opt.batch, "Commands per writer transaction (the writer's max_batch)")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--mix", opt.mix, "city: payments, parties, pets, licenses; parties: new parties only")
      ->check(CLI::IsMember({"city", "parties"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return holdfast::bench::Run(opt);
}
