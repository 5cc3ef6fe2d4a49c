// test_views.cpp - saved ticket views and staff category permissions: the [[views]] and
// staff `categories` config (with its mistakes reported at line:column), and which tickets a
// view shows to whom.
#include <doctest/doctest.h>

#include <algorithm>

#include "config/load.hpp"
#include "core/store/view.hpp"
#include "config_fixture.hpp"
#include "test_support.hpp"

using namespace deskgate;

namespace {

constexpr std::string_view kBase = R"([global]
hostname = "helpdesk.example.com"
store = "/tmp/x"
secret_file = "secret"

[[queues]]
number = 10
name = "Support"
address = "support@helpdesk.example.com"
default_category = "general"

[[queues]]
number = 20
name = "Billing"
address = "billing@helpdesk.example.com"
default_category = "billing"

[[rules]]
name = "security"
conditions = [{ field = "subject", kind = "contains", value = "security" }]
set_category = "security"

[[staff]]
alias = "jana"
address = "jana@example.com"
categories = ["general", "security"]

[[staff]]
alias = "eva"
address = "eva@example.com"
categories = ["billing"]

[[staff]]
alias = "boss"
address = "boss@example.com"

[[views]]
name = "stale"
description = "open work nobody touched for two days"
statuses = ["new", "open"]
min_idle = "2d"

[[views]]
name = "urgent-support"
queues = [10]
priorities = ["urgent"]
max_idle = 3600
)";

using Fixture = deskgate::test::ConfigFixture;
using deskgate::test::has;

Ticket ticket(std::uint32_t seq, std::uint32_t queue, std::string category, TicketStatus status,
              std::string priority, std::int64_t updated) {
    Ticket t;
    t.key = {queue, seq};
    t.queue = queue;
    t.category = std::move(category);
    t.status = status;
    t.priority = std::move(priority);
    t.created = updated - 100;
    t.updated = updated;
    return t;
}

std::vector<std::string> numbers(const std::vector<Ticket>& tickets) {
    std::vector<std::string> out;
    for (const Ticket& t : tickets) out.push_back(to_string(t.key));
    return out;
}

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86400;

}  // namespace

TEST_CASE("views and staff categories load") {
    Fixture f;
    LoadResult r = f.load(kBase);
    for (const auto& e : r.errors) MESSAGE(to_string(e));
    REQUIRE(r.config);
    const Config& c = *r.config;
    REQUIRE(c.views.size() == 2);
    const View* stale = c.view_named("stale");
    REQUIRE(stale);
    CHECK(stale->statuses == std::vector<TicketStatus>{TicketStatus::New, TicketStatus::Open});
    CHECK(stale->min_idle == 2 * kDay);
    CHECK(stale->max_idle == 0);
    const View* urgent = c.view_named("urgent-support");
    REQUIRE(urgent);
    CHECK(urgent->queues == std::vector<std::uint32_t>{10});
    CHECK(urgent->max_idle == 3600);
    CHECK_FALSE(c.view_named("nope"));
    REQUIRE(c.staff_named("jana"));
    CHECK(c.staff_named("Jana@Example.com") == c.staff_named("jana"));
    CHECK(*c.staff_named("eva")->categories == std::vector<std::string>{"billing"});
    CHECK_FALSE(c.staff_named("boss")->categories.has_value());
    CHECK_FALSE(c.staff_named("nobody"));
}

TEST_CASE("view and category mistakes name their line and column") {
    Fixture f;
    std::string text(kBase);
    text += R"(
[[views]]
name = "stale"
statuses = ["opened"]
priorities = ["critical"]
categories = ["biling"]
queues = [99]
min_idle = "3 days"

[[views]]
name = "backwards"
min_idle = "2d"
max_idle = "1d"

[[staff]]
alias = "ivan"
address = "ivan@example.com"
categories = ["securty"]
)";
    const auto errors = f.errors(text);
    for (const auto& e : errors) MESSAGE(e);
    CHECK(has(errors, "50:8: duplicate view 'stale' (first defined at t.toml:38:8)"));
    CHECK(has(errors, "51:13: unknown status 'opened' in view 'stale'"));
    CHECK(has(errors, "52:15: unknown priority 'critical' (priorities of view 'stale')"));
    CHECK(has(errors, "53:15: unknown category 'biling' (categories of view 'stale')"));
    CHECK(has(errors, "did you mean 'billing'?"));
    CHECK(has(errors, "54:11: unknown queue 99 (view 'stale')"));
    CHECK(has(errors, "55:12: 'min_idle' in [[views]]: expected a positive duration"));
    CHECK(has(errors, "60:12: view 'backwards': max_idle is shorter than min_idle"));
    CHECK(has(errors, "65:15: unknown category 'securty' (categories of staff 'ivan')"));
    CHECK(errors.size() == 8);
}

TEST_CASE("daemon sockets in [global]: defaults, values, mistakes") {
    Fixture f;
    LoadResult r = f.load(kBase);
    REQUIRE(r.config);
    CHECK(r.config->global.lmtp_listen == std::vector<std::string>{"unix:/run/deskgate/lmtp.sock"});
    CHECK(r.config->global.milter_socket == "unix:/run/deskgate/milter.sock");

    std::string text(kBase);
    text.insert(text.find("secret_file"), "lmtp_listen = [\"inet:127.0.0.1:2424\", \"unix:/tmp/l.sock\"]\n"
                                          "milter_socket = \"inet:8899@127.0.0.1\"\n");
    r = f.load(text);
    REQUIRE(r.config);
    CHECK(r.config->global.lmtp_listen == std::vector<std::string>{"inet:127.0.0.1:2424", "unix:/tmp/l.sock"});
    CHECK(r.config->global.milter_socket == "inet:8899@127.0.0.1");

    text = std::string(kBase);
    text.insert(text.find("secret_file"), "lmtp_listen = [\"unix:relative.sock\", \"tcp:1\"]\n"
                                          "milter_socket = \"inet:127.0.0.1:8899\"\n");
    const auto errors = f.errors(text);
    for (const auto& e : errors) MESSAGE(e);
    CHECK(has(errors, "4:16: 'lmtp_listen': \"unix:relative.sock\": the unix socket path must be absolute"));
    CHECK(has(errors, "4:38: 'lmtp_listen': \"tcp:1\": expected \"unix:/path\" or \"inet:HOST:PORT\""));
    CHECK(has(errors, "5:17: 'milter_socket': \"inet:127.0.0.1:8899\": expected inet:PORT@HOST"));
}

TEST_CASE("a view's criteria: queue, category, status, priority, idle time") {
    View v;
    const Ticket t = ticket(1, 10, "general", TicketStatus::Open, "high", kNow - 3 * kDay);
    CHECK(view_matches(v, t, kNow));  // an empty view shows everything
    v.queues = {20};
    CHECK_FALSE(view_matches(v, t, kNow));
    v.queues = {20, 10};
    CHECK(view_matches(v, t, kNow));
    v.categories = {"billing"};
    CHECK_FALSE(view_matches(v, t, kNow));
    v.categories = {"general"};
    v.statuses = {TicketStatus::Waiting};
    CHECK_FALSE(view_matches(v, t, kNow));
    v.statuses = {TicketStatus::Open, TicketStatus::New};
    v.priorities = {"low"};
    CHECK_FALSE(view_matches(v, t, kNow));
    v.priorities = {"high"};
    CHECK(view_matches(v, t, kNow));
    v.min_idle = 3 * kDay;  // exactly three days idle: at least three days
    CHECK(view_matches(v, t, kNow));
    v.min_idle = 3 * kDay + 1;
    CHECK_FALSE(view_matches(v, t, kNow));
    v.min_idle = 0;
    v.max_idle = 3 * kDay;
    CHECK(view_matches(v, t, kNow));
    v.max_idle = 3 * kDay - 1;
    CHECK_FALSE(view_matches(v, t, kNow));
    // a clock behind the ticket (another host's time) counts as no idle time, not negative
    v.max_idle = 1;
    CHECK(view_matches(v, t, t.updated - 50));
}

TEST_CASE("two staff members see different tickets in the same view") {
    Fixture f;
    LoadResult r = f.load(kBase);
    REQUIRE(r.config);
    const Config& c = *r.config;
    const std::vector<Ticket> all = {
        ticket(1, 10, "general", TicketStatus::Open, "normal", kNow - 5 * kDay),
        ticket(2, 10, "security", TicketStatus::New, "urgent", kNow - 4 * kDay),
        ticket(1, 20, "billing", TicketStatus::Open, "normal", kNow - 6 * kDay),
        ticket(3, 10, "general", TicketStatus::Waiting, "normal", kNow - 9 * kDay),  // waiting: not in "stale"
        ticket(4, 10, "general", TicketStatus::Open, "normal", kNow - kDay),         // touched yesterday
        ticket(5, 10, "", TicketStatus::Open, "normal", kNow - 7 * kDay),            // uncategorised
    };
    const View* stale = c.view_named("stale");
    // oldest activity first
    CHECK(numbers(select_tickets(all, stale, nullptr, kNow)) == std::vector<std::string>{"10-5", "20-1", "10-1", "10-2"});
    CHECK(numbers(select_tickets(all, stale, c.staff_named("jana"), kNow)) == std::vector<std::string>{"10-1", "10-2"});
    CHECK(numbers(select_tickets(all, stale, c.staff_named("eva"), kNow)) == std::vector<std::string>{"20-1"});
    // no category list: every category, the uncategorised ticket too
    CHECK(numbers(select_tickets(all, stale, c.staff_named("boss"), kNow)) ==
          std::vector<std::string>{"10-5", "20-1", "10-1", "10-2"});
    // no view: only the permission applies
    CHECK(numbers(select_tickets(all, nullptr, c.staff_named("eva"), kNow)) == std::vector<std::string>{"20-1"});
    Staff nobody;
    nobody.categories.emplace();  // categories = []: sees nothing
    CHECK(select_tickets(all, nullptr, &nobody, kNow).empty());
    // urgent-support: queue 10, urgent, active within the hour
    std::vector<Ticket> fresh = all;
    fresh[1].updated = kNow - 600;
    CHECK(numbers(select_tickets(fresh, c.view_named("urgent-support"), c.staff_named("jana"), kNow)) ==
          std::vector<std::string>{"10-2"});
    CHECK(select_tickets(fresh, c.view_named("urgent-support"), c.staff_named("eva"), kNow).empty());
}

TEST_CASE("--as refuses with one message: who may not see which ticket, and why") {
    Staff petr;
    petr.alias = "petr";
    petr.categories = std::vector<std::string>{"general"};
    Ticket t;
    t.key = {20, 1};
    t.category = "billing";
    CHECK(hidden_from(petr, t) == "petr may not see ticket 20-1 (tickets of category billing)");
    t.category.clear();
    CHECK(hidden_from(petr, t) == "petr may not see ticket 20-1 (uncategorised tickets)");
    t.category = "general";
    CHECK_FALSE(hidden_from(petr, t));
    petr.categories.reset();  // no list: every category
    t.category = "billing";
    CHECK_FALSE(hidden_from(petr, t));
}
