// search_store.cpp - the store behind bench/search.sh. Builds a ticket store through the Store
// API (write_each batches, one durable commit per batch, as deskgate-lmtpd's group commit does)
// from generated mails: English and Czech text drawn from a Zipf vocabulary (a few thousand
// everyday words and a long tail of rarer ones), ticket subjects from templates, order and
// serial numbers, several thousand people at a few hundred companies, replies from customers
// and staff, some attachments. Every mail is also written as a .eml file, for grep, the peer.
// Planted for the queries (with N tickets):
//   "regards"                      in every ticket (the signature of every opening mail)
//   "zeppelin"                     in exactly 5 tickets' bodies
//   "invoice", "invoices", "invoicing"   in the subjects of about one ticket in four, and "invoice"
//                                  is an everyday word of the bodies too (prefix "invoic*")
//   "jana.dvorakova@firma-17.cz"   opens every 5000th ticket (20 at N = 100000, 1 at 1000), and
//                                  a few more at random, as opener or Cc
//
//   bench_search_store build DIR EMLDIR [--tickets N] [--seed S]
//   bench_search_store strip DIR     drop the word index and mark the store schema 2
//   bench_search_store migrate DIR   open for writing (the migration to schema 3 builds the index)
//   bench_search_store query DIR WORD...   ReadTxn::search alone, in this process (median, p95)
#include <lmdb.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/mail/words.hpp"
#include "core/store/store.hpp"

using namespace deskgate;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01
constexpr std::size_t kBatch = 500;          // tickets per durable commit
constexpr const char* kTarget = "jana.dvorakova@firma-17.cz";

constexpr std::string_view kEnglish =
    "the a to and of is in it for on that this with be not we have you are from at can your please "
    "our as if an or by but was all will there when no do after since again now still just also it's "
    "printer server login password account email mail error screen laptop computer network connection "
    "vpn wifi office floor room meeting calendar phone update version system software install "
    "application file folder drive disk backup access permission user customer order delivery payment "
    "invoice contract price offer report data database export import page website browser link "
    "problem issue help urgent broken working works stopped started cannot unable fails failed failing "
    "error message shows displayed attached attachment screenshot log logs restart restarted reboot "
    "today yesterday morning afternoon week month monday tuesday wednesday thursday friday "
    "colleague team manager department support ticket request question answer reply thanks thank "
    "could would should need needs needed want like know see seems looks tried try check checked "
    "new old same different another other first second third last next every some any many few "
    "toner paper tray jam cartridge scanner scan copy print printing printed document pdf word excel "
    "outlook teams sharepoint license key activation expired renew renewal subscription account "
    "shipment package tracking number address street city postal code warehouse stock item items "
    "quantity amount total tax vat discount credit note refund cancel cancelled change changed "
    "slow fast timeout crash crashed freeze frozen black blank white red green blue button menu "
    "settings configuration admin administrator rights group share shared drive mapped sync "
    "mobile android iphone app notification notifications push sms code verification two factor";

constexpr std::string_view kCzech =
    "dobrý den prosím děkuji tiskárna nefunguje nejde heslo účet přihlášení chyba počítač "
    "síť připojení faktura objednávka dodávka platba smlouva zákazník kolega oddělení kancelář "
    "patře místnost včera dnes ráno odpoledne týden měsíc problém porucha oprava výměna "
    "aktualizace verze instalace program soubor složka disk záloha přístup oprávnění uživatel "
    "telefon mobil aplikace obrazovka notebook myš klávesnice papír toner zásobník skener "
    "pozdravem zdravím urgentní spěchá nutné potřebuji potřebujeme můžete mohli byste opravit";

constexpr const char* kFirst[] = {"jana", "petr", "eva", "tomas", "lucie", "martin", "anna", "jiri",
                                  "alice", "bob", "carol", "david", "emma", "frank", "grace", "henry",
                                  "marie", "pavel", "tereza", "jakub", "katerina", "lukas", "zuzana",
                                  "ondrej", "olivia", "james", "sophia", "liam", "mia", "noah"};
constexpr const char* kLast[] = {"novak", "svoboda", "novotny", "dvorak", "cerny", "prochazka",
                                 "kucera", "vesely", "horak", "nemec", "smith", "jones", "brown",
                                 "taylor", "wilson", "davies", "evans", "thomas", "johnson", "roberts",
                                 "marek", "pokorny", "kral", "jelinek", "ruzicka", "benes", "fiala"};
constexpr const char* kTopics[] = {
    "Printer on floor {} not working", "Tiskárna ve {}. patře nefunguje", "Cannot log in to {}",
    "VPN connection drops every {} minutes", "Password reset for account {}", "Order {} not delivered",
    "Invoice {} is missing", "Invoices for March: {} wrong", "Question about invoicing of order {}",
    "Laptop {} very slow", "Outlook crashes when opening attachment {}", "New employee {} needs access",
    "Nejde přihlášení do systému {}", "Faktura {} chybí", "Scanner {} shows error", "License {} expired",
    "Website page {} returns error", "Shared drive {} not mapped", "Phone {} cannot sync mail",
    "Backup job {} failed"};

std::string rfc5322_date(std::int64_t t) {
    const std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

struct Person {
    std::string name;
    std::string address;
    std::string company;
};

struct Mail {
    std::string from_name, from_address, to, cc, subject, body, message_id, raw;
    std::vector<Attachment> attachments;
    Direction direction = Direction::Inbound;
    std::int64_t received = 0;
};

struct Generated {  // one ticket: its mails, opener first
    Ticket ticket;
    std::vector<Mail> mails;
};

class Generator {
public:
    Generator(std::uint64_t seed, std::size_t tickets) : rng_(seed), tickets_(tickets) {
        make_vocabulary();
        make_people();
    }
    Generated ticket(std::size_t i);

private:
    void make_vocabulary();
    void make_people();
    std::string pseudo_word();
    std::string text(std::size_t words);
    std::string subject(std::size_t i);
    Mail opening(std::size_t i, const Person& from);
    Mail reply(const Generated& g, std::size_t n, const Person& customer);
    std::size_t below(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

    std::mt19937_64 rng_;
    std::size_t tickets_;
    std::vector<std::string> vocabulary_;  // by rank: frequent first
    std::discrete_distribution<std::size_t> zipf_;
    std::vector<Person> people_;
};

std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < s.size()) {
        const std::size_t sp = s.find(' ', pos);
        const std::size_t end = sp == std::string_view::npos ? s.size() : sp;
        if (end > pos) out.emplace_back(s.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

std::string Generator::pseudo_word() {
    static constexpr const char* kSyllables[] = {"ka", "lo", "mi", "ra", "te", "no", "su", "vi", "de", "pa",
                                                 "ro", "ne", "ti", "za", "bo", "le", "mo", "ri", "sa", "ku"};
    std::string w;
    const std::size_t n = 2 + below(3);
    for (std::size_t i = 0; i < n; ++i) w += kSyllables[below(std::size(kSyllables))];
    return w;
}

// Everyday words first (English, then Czech), then 30000 rarer ones: product names, jargon.
void Generator::make_vocabulary() {
    vocabulary_ = split(kEnglish);
    for (std::string& w : split(kCzech)) vocabulary_.push_back(std::move(w));
    for (std::size_t i = 0; i < 30000; ++i) vocabulary_.push_back(pseudo_word());
    std::vector<double> weights;
    for (std::size_t r = 0; r < vocabulary_.size(); ++r) weights.push_back(1.0 / static_cast<double>(r + 10));
    zipf_ = std::discrete_distribution<std::size_t>(weights.begin(), weights.end());
}

// 6000 people at 600 companies; the target address is one of them.
void Generator::make_people() {
    for (std::size_t i = 0; i < 6000; ++i) {
        const std::string first = kFirst[below(std::size(kFirst))], last = kLast[below(std::size(kLast))];
        const std::size_t company = below(600);
        const char* tld = company % 3 == 0 ? "cz" : company % 3 == 1 ? "com" : "example";
        Person p;
        auto capital = [](const std::string& w) { return static_cast<char>(w[0] - 'a' + 'A') + w.substr(1); };
        p.name = capital(first) + " " + capital(last);
        p.company = fmt::format("firma-{}", company);
        p.address = fmt::format("{}.{}{}@{}.{}", first, last, i % 7 == 0 ? std::to_string(i) : "", p.company, tld);
        people_.push_back(std::move(p));
    }
    people_[17] = Person{"Jana Dvořáková", kTarget, "firma-17"};
}

std::string Generator::text(std::size_t words) {
    std::string out;
    for (std::size_t i = 0; i < words; ++i) {
        out += vocabulary_[zipf_(rng_)];
        if (i % 12 == 11) out += ".\n";
        else if (i % 29 == 28) out += ", ";
        else out += ' ';
    }
    return out;
}

std::string Generator::subject(std::size_t i) {
    const std::size_t topic = i % 8 == 5 ? 6 + below(3) : below(std::size(kTopics));  // 1 in 8: invoic*
    return fmt::format(fmt::runtime(kTopics[topic]), 1000 + below(900000));
}

Mail Generator::opening(std::size_t i, const Person& from) {
    Mail m;
    m.from_name = from.name;
    m.from_address = from.address;
    m.to = i % 8 == 5 ? "billing@helpdesk.example.com" : "support@helpdesk.example.com";
    m.subject = subject(i);
    const bool czech = below(5) == 0;
    m.body = czech ? "Dobrý den,\n\n" : "Hello,\n\n";
    m.body += text(30 + below(120));
    m.body += fmt::format("\nOrder ORD-{:06} / serial SN{:08}.\n", below(1000000), rng_() % 100000000);
    if (i % (tickets_ / 5) == 7) m.body += "The zeppelin test page printed fine, the rest does not.\n";
    m.body += fmt::format("\n{}\n{}\n{}\n", czech ? "S pozdravem / Best regards," : "Best regards,", from.name,
                          from.company);
    if (below(6) == 0) m.attachments.push_back({fmt::format("screenshot-{}.png", below(10000)), "image/png", 40000, ""});
    return m;
}

Mail Generator::reply(const Generated& g, std::size_t n, const Person& customer) {
    Mail m;
    const bool staff = n % 2 == 1;
    m.direction = staff ? Direction::Outbound : Direction::Inbound;
    m.from_name = staff ? "Helpdesk" : customer.name;
    m.from_address = staff ? "support@helpdesk.example.com" : customer.address;
    m.to = staff ? customer.address : "support@helpdesk.example.com";
    m.subject = fmt::format("Re: [Support#{}] {}", to_string(g.ticket.key), g.ticket.subject);
    m.body = text(15 + below(60)) + "\n";
    return m;
}

Generated Generator::ticket(std::size_t i) {
    Generated g;
    const Person& opener = i % 5000 == 3 ? people_[17] : people_[below(people_.size())];
    Mail first = opening(i, opener);
    Ticket& t = g.ticket;
    t.queue = i % 8 == 5 ? 20 : 10;
    t.subject = first.subject;
    t.opener = opener.address;
    t.customer_id = opener.company;
    t.category = t.queue == 20 ? "billing" : "general";
    t.priority = "normal";
    if (below(3) == 0) t.participants.push_back(people_[below(people_.size())].address);
    if (!t.participants.empty()) first.cc = t.participants.front();
    t.created = t.updated = kStart + static_cast<std::int64_t>(i) * 300;
    t.status = below(4) == 0 ? TicketStatus::Closed : TicketStatus::Open;
    first.received = t.created;
    g.mails.push_back(std::move(first));
    const std::size_t replies = below(3);
    for (std::size_t n = 1; n <= replies; ++n) {
        g.mails.push_back(reply(g, n, opener));
        g.mails.back().received = t.created + static_cast<std::int64_t>(n) * 3600;
    }
    for (std::size_t n = 0; n < g.mails.size(); ++n) {
        Mail& m = g.mails[n];
        m.message_id = fmt::format("bench-{}-{}@{}", i, n, m.from_address.substr(m.from_address.find('@') + 1));
        m.raw = fmt::format("From: {} <{}>\nTo: {}\n{}Subject: {}\nDate: {}\nMessage-ID: <{}>\nMIME-Version: 1.0\n"
                            "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{}",
                            m.from_name, m.from_address, m.to, m.cc.empty() ? "" : "Cc: " + m.cc + "\n", m.subject,
                            rfc5322_date(m.received), m.message_id, m.body);
    }
    return g;
}

// Stores one generated ticket (its number comes from the store): raw bytes, ticket, entries.
void store_ticket(WriteTxn& txn, Generated& g) {
    g.ticket.key = txn.allocate_ticket(g.ticket.queue);
    txn.put_ticket(g.ticket);
    for (const Mail& m : g.mails) {
        TicketEntry e;
        e.ticket = g.ticket.key;
        e.direction = m.direction;
        e.message_id = m.message_id;
        e.from_address = m.from_address;
        e.from_name = m.from_name;
        e.subject = m.subject;
        e.text_body = m.body;
        e.attachments = m.attachments;
        e.envelope_sender = m.from_address;
        e.envelope_recipients = {m.to};
        e.explanation = "bench";
        e.received = m.received;
        e.raw_id = txn.put_raw(m.raw);
        e.raw_size = m.raw.size();
        txn.append_entry(e);
    }
}

void write_eml(const fs::path& dir, const Generated& g) {
    const fs::path sub = dir / std::to_string(g.ticket.key.queue) / std::to_string(g.ticket.key.seq / 1000);
    fs::create_directories(sub);
    for (std::size_t n = 0; n < g.mails.size(); ++n) {
        std::ofstream out(sub / fmt::format("{}-{}.eml", to_string(g.ticket.key), n), std::ios::binary);
        out << g.mails[n].raw;
    }
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::optional<Store> open(const fs::path& dir) {
    auto s = Store::open(Store::Options{dir, 256ull << 20, false});
    if (auto* e = std::get_if<StoreError>(&s)) {
        fmt::print(stderr, "{}\n", e->message);
        return std::nullopt;
    }
    return std::move(std::get<Store>(s));
}

int build(const fs::path& dir, const fs::path& eml, std::size_t tickets, std::uint64_t seed) {
    auto store = open(dir);
    if (!store) return 1;
    Generator gen(seed, tickets);
    const auto t0 = std::chrono::steady_clock::now();
    double storing = 0;
    std::size_t entries = 0;
    for (std::size_t first = 0; first < tickets; first += kBatch) {
        std::vector<Generated> batch;
        for (std::size_t i = first; i < std::min(tickets, first + kBatch); ++i) batch.push_back(gen.ticket(i));
        std::vector<std::function<void(WriteTxn&)>> fns;
        for (Generated& g : batch) fns.push_back([&g](WriteTxn& txn) { store_ticket(txn, g); });
        const auto w0 = std::chrono::steady_clock::now();
        const auto results = store->write_each(fns);
        storing += seconds_since(w0);
        for (const auto& r : results)
            if (r) {
                fmt::print(stderr, "write failed: {}\n", r->message);
                return 1;
            }
        for (const Generated& g : batch) {
            write_eml(eml, g);
            entries += g.mails.size();
        }
    }
    fmt::print("built {} tickets, {} entries in {:.1f} s ({:.1f} s of it in Store::write_each, {} tickets per "
               "commit)\n", tickets, entries, seconds_since(t0), storing, kBatch);
    return 0;
}

// What a schema-2 store of the same tickets is: no `words`, schema 2.
int strip(const fs::path& dir) {
    MDB_env* env = nullptr;
    MDB_txn* txn = nullptr;
    MDB_dbi words = 0, meta = 0;
    std::uint32_t schema = 2;  // little-endian on the machines we run on, as the store writes it
    MDB_val k{6, const_cast<char*>("schema")}, v{4, &schema};
    bool ok = mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 16) == 0 &&
              mdb_env_open(env, dir.c_str(), 0, 0660) == 0 && mdb_txn_begin(env, nullptr, 0, &txn) == 0;
    ok = ok && mdb_dbi_open(txn, "words", 0, &words) == 0 && mdb_drop(txn, words, 1) == 0 &&
         mdb_dbi_open(txn, "meta", 0, &meta) == 0 && mdb_put(txn, meta, &k, &v, 0) == 0;
    if (txn) ok = ok ? mdb_txn_commit(txn) == 0 : (mdb_txn_abort(txn), false);
    if (env) mdb_env_close(env);
    if (!ok) fmt::print(stderr, "strip {}: failed\n", dir.string());
    return ok ? 0 : 1;
}

int migrate(const fs::path& dir) {
    const auto t0 = std::chrono::steady_clock::now();
    auto store = open(dir);
    if (!store) return 1;
    const auto& m = store->migration();
    if (!m) {
        fmt::print(stderr, "migrate {}: nothing to migrate\n", dir.string());
        return 1;
    }
    fmt::print("migrated schema {} -> {}: {} (word, ticket) pairs in {:.1f} s\n", m->from, m->to, m->words_indexed,
               seconds_since(t0));
    return 0;
}

// The search alone, in this process on an open store: median and p95 of up to 200 runs (10 s).
int query(const fs::path& dir, const std::vector<std::string>& args) {
    auto opened = Store::open(Store::Options{dir, 1ull << 20, true});
    if (auto* e = std::get_if<StoreError>(&opened)) {
        fmt::print(stderr, "{}\n", e->message);
        return 1;
    }
    const Store& store = std::get<Store>(opened);
    std::vector<std::string> words;
    for (const std::string& a : args)
        for (std::string& w : normalise_query(a)) words.push_back(std::move(w));
    std::vector<double> ms;
    std::size_t found = 0;
    const auto t_end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ms.size() < 200 && std::chrono::steady_clock::now() < t_end) {
        const auto t0 = std::chrono::steady_clock::now();
        if (auto err = store.read([&](const ReadTxn& txn) { found = txn.search(words, 50).size(); })) {
            fmt::print(stderr, "{}\n", err->message);
            return 1;
        }
        ms.push_back(seconds_since(t0) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    const double median = ms.size() % 2 ? ms[ms.size() / 2] : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
    const std::size_t p95 = (ms.size() * 95 + 99) / 100 - 1;
    fmt::print("{{\"median_ms\": {:.4f}, \"p95_ms\": {:.4f}, \"n\": {}, \"found\": {}}}\n", median, ms[p95],
               ms.size(), found);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> a(argv + 1, argv + argc);
    std::size_t tickets = 100000;
    std::uint64_t seed = 42;
    for (std::size_t i = 3; i + 1 < a.size(); i += 2) {
        if (a[i] == "--tickets") tickets = std::stoul(a[i + 1]);
        else if (a[i] == "--seed") seed = std::stoull(a[i + 1]);
    }
    if (a.size() >= 3 && a[0] == "build" && tickets >= 5) return build(a[1], a[2], tickets, seed);
    if (a.size() == 2 && a[0] == "strip") return strip(a[1]);
    if (a.size() == 2 && a[0] == "migrate") return migrate(a[1]);
    if (a.size() >= 3 && a[0] == "query") return query(a[1], std::vector<std::string>(a.begin() + 2, a.end()));
    fmt::print(stderr, "usage: bench_search_store build DIR EMLDIR [--tickets N] [--seed S] | strip DIR | "
                       "migrate DIR | query DIR WORD...\n");
    return 64;
}
