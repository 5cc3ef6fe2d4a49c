// test_outgoing.cpp - a queue with its own outgoing server ([queues.outgoing]) in the core: the
// return path of its mail (its sender_address, VERP-extended with bounce_address) and the way
// back of a bounce to it.
#include <doctest/doctest.h>

#include "config/load.hpp"
#include "core/model/token.hpp"
#include "core/policy/queue_resolver.hpp"
#include "core/policy/return_path.hpp"
#include "test_support.hpp"

using namespace deskgate;
using deskgate::test::source_dir;

namespace {

// The example with queue 10 sending through smtp.provider.example as login10.
Config with_outgoing() {
    LoadResult r = load_config(source_dir() / "config/examples/deskgate.toml");
    REQUIRE(r.config);
    Config c = std::move(*r.config);
    Outgoing out;
    out.server = "smtp.provider.example";
    out.user = "login10@provider.example";
    out.password_file = "/etc/deskgate/q10.pass";
    c.queues[0].outgoing = out;
    c.build_indexes();
    return c;
}

}  // namespace

TEST_CASE("the return path: the queue's own sender_address when it has an outgoing server") {
    Config c = with_outgoing();
    const Queue& support = c.queues[0];
    const Queue& billing = c.queues[1];
    const std::string token = make_bounce_token(c.global.secret, 7);
    CHECK(return_path(c, support, 7) == "support+" + token + "@helpdesk.example.com");
    CHECK(return_path(c, billing, 7) == "bounces+" + token + "@helpdesk.example.com");  // the shared bounce_address
    CHECK(outgoing_queue_of_sender(c, return_path(c, support, 7)) == &support);
    CHECK(outgoing_queue_of_sender(c, "support@helpdesk.example.com") == &support);
    CHECK(outgoing_queue_of_sender(c, return_path(c, billing, 7)) == nullptr);
    CHECK(outgoing_queue_of_sender(c, "") == nullptr);
    // without bounce_address: no VERP, the plain sender_address for every queue
    c.global.bounce_address.clear();
    CHECK(return_path(c, support, 7) == "support@helpdesk.example.com");
    CHECK(return_path(c, billing, 7) == "billing@helpdesk.example.com");
}

TEST_CASE("a bounce token on an outgoing queue's sender_address is a bounce; a forged one is not") {
    const Config c = with_outgoing();
    const std::string token = make_bounce_token(c.global.secret, 3);
    auto t = resolve_queue(c, "support+" + token + "@helpdesk.example.com");
    REQUIRE(t);
    CHECK(t->role == AddressRole::Bounce);
    CHECK(t->queue == 0);
    CHECK(t->detail == token);
    t = resolve_queue(c, "support+b3-0000000000000000@helpdesk.example.com");
    REQUIRE(t);
    CHECK(t->role == AddressRole::System);  // ordinary plus-addressed mail to the queue
    t = resolve_queue(c, "billing+" + token + "@helpdesk.example.com");  // no outgoing server: its bounces
    REQUIRE(t);                                                        // go to bounce_address
    CHECK(t->role == AddressRole::System);
}
