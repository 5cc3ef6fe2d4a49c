// server.cpp - see server.hpp.
#include "lmtp/server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <cstring>

#include "core/base/address.hpp"
#include "core/policy/admission.hpp"
#include "core/mail/received.hpp"
#include "core/base/socket_address.hpp"
#include "common/log.hpp"

namespace deskgate::lmtp {

using namespace deskgate::log;

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kTick = std::chrono::seconds(1);  // how often a waiting session looks at draining

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

template <typename Socket>
awaitable<void> refuse(Socket socket, std::string line) {
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(line), asio::redirect_error(use_awaitable, ec));
    socket.close(ec);
}


}  // namespace

std::optional<ListenSpec> parse_listen(std::string_view text, std::string& error) {
    const ParsedSocketAddress parsed = parse_lmtp_address(text);
    if (const auto* problem = std::get_if<std::string>(&parsed)) {
        error = *problem;
        return std::nullopt;
    }
    const SocketAddress& a = std::get<SocketAddress>(parsed);
    ListenSpec spec;
    spec.kind = a.kind == SocketAddress::Kind::Unix ? ListenSpec::Kind::Unix : ListenSpec::Kind::Inet;
    spec.path = a.path;
    spec.address = a.host;
    spec.port = a.port;
    return spec;
}

Server::Server(asio::io_context& io, ServerOptions options, std::shared_ptr<const Runtime> runtime,
               Committer& committer)
    : io_(io), options_(std::move(options)), runtime_(std::move(runtime)), committer_(committer) {}

std::shared_ptr<const Runtime> Server::runtime() const {
    std::lock_guard lock(runtime_mutex_);
    return runtime_;
}

void Server::reload(std::shared_ptr<const Runtime> runtime) {
    std::lock_guard lock(runtime_mutex_);
    runtime_ = std::move(runtime);
}

void Server::listen(const ListenSpec& spec) {
    if (spec.kind == ListenSpec::Kind::Unix) {
        std::error_code ec;
        if (std::filesystem::is_socket(spec.path, ec)) std::filesystem::remove(spec.path, ec);
        auto acceptor = std::make_unique<asio::local::stream_protocol::acceptor>(io_);
        const asio::local::stream_protocol::endpoint endpoint(spec.path);
        acceptor->open(endpoint.protocol());
        acceptor->bind(endpoint);
        acceptor->listen(asio::socket_base::max_listen_connections);
        if (!spec.group.empty()) {
            const struct group* g = ::getgrnam(spec.group.c_str());
            if (!g || ::chown(spec.path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0)
                throw std::runtime_error("cannot give " + spec.path + " to group " + spec.group);
        }
        if (::chmod(spec.path.c_str(), spec.mode) != 0)
            throw std::runtime_error(fmt::format("cannot set mode {:04o} on {}: {}", spec.mode, spec.path,
                                                 std::strerror(errno)));
        socket_files_.emplace_back(spec.path);
        asio::co_spawn(io_, accept_loop(*acceptor, spec.fetched), asio::detached);
        unix_acceptors_.push_back(std::move(acceptor));
        log_info("listening on unix:{}{}", spec.path, spec.fetched ? " (fetched mail)" : "");
    } else {
        auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
        const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(spec.address), spec.port);
        acceptor->open(endpoint.protocol());
        acceptor->set_option(asio::socket_base::reuse_address(true));
        acceptor->bind(endpoint);
        acceptor->listen(asio::socket_base::max_listen_connections);
        tcp_port_ = acceptor->local_endpoint().port();
        asio::co_spawn(io_, accept_loop(*acceptor, spec.fetched), asio::detached);
        tcp_acceptors_.push_back(std::move(acceptor));
        log_info("listening on inet:{}:{}{}", spec.address, tcp_port_, spec.fetched ? " (fetched mail)" : "");
    }
}

void Server::drain() { draining_ = true; }

void Server::close() {
    boost::system::error_code ec;
    for (auto& a : unix_acceptors_) a->close(ec);
    for (auto& a : tcp_acceptors_) a->close(ec);
    for (const auto& f : socket_files_) {
        std::error_code fec;
        std::filesystem::remove(f, fec);
    }
}

template <typename Acceptor>
awaitable<void> Server::accept_loop(Acceptor& acceptor, bool fetched) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) {
            log_warning("accept: {}", ec.message());
            continue;
        }
        const std::string host = runtime()->config.global.hostname;
        if (draining_) {
            std::string line = reply_line(ProtocolReply::ServiceClosing, fmt::format("{} service shutting down", host));
            asio::co_spawn(io_, refuse(std::move(socket), std::move(line)), asio::detached);
            continue;
        }
        if (sessions_.load() >= options_.max_sessions) {
            log_warning("too many sessions ({}), connection refused", options_.max_sessions);
            std::string line =
                reply_line(ProtocolReply::ServiceClosing, fmt::format("{} too many sessions, try again later", host));
            asio::co_spawn(io_, refuse(std::move(socket), std::move(line)), asio::detached);
            continue;
        }
        if constexpr (std::is_same_v<Acceptor, asio::ip::tcp::acceptor>) {
            boost::system::error_code opt_ec;
            socket.set_option(asio::ip::tcp::no_delay(true), opt_ec);
        }
        ++sessions_;
        asio::co_spawn(io_, session(std::move(socket), fetched), asio::detached);
    }
}

// Hands one input to the single writer and waits for its plan.
awaitable<DeliveryPlan> Server::commit(std::shared_ptr<const Runtime> rt, DeliveryInput input) {
    using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code, DeliveryPlan)>;
    auto channel = std::make_shared<Channel>(co_await asio::this_coro::executor, 1);
    committer_.submit(Committer::Job{
        std::move(rt), std::move(input),
        [channel](DeliveryPlan plan) { channel->try_send(boost::system::error_code{}, std::move(plan)); }});
    co_return co_await channel->async_receive(use_awaitable);
}

// RCPT refusals of transactions that never reached DATA: counted when the session ends.
awaitable<void> Server::count_refusals(std::vector<Verdict> rcpt_refusals) {
    DeliveryInput input;
    input.now = unix_now() + options_.time_offset;
    input.failure = SessionFailure::NoData;
    input.rcpt_refusals = std::move(rcpt_refusals);
    co_await commit(runtime(), std::move(input));
}

// One transaction through the engine, a failed one too: its verdict (too-big, spool-failed)
// is answered from core's table and counted in the store's stats. One log line a recipient.
awaitable<std::vector<Reply>> Server::deliver(const Transaction& tx, bool fetched, std::uint64_t max_size,
                                             std::vector<Verdict> rcpt_refusals) {
    DeliveryInput input;
    input.now = unix_now() + options_.time_offset;
    input.max_size = max_size;
    input.rcpt_refusals = std::move(rcpt_refusals);
    if (tx.too_big) input.failure = SessionFailure::TooBig;
    else if (tx.spool_failed || !tx.data) input.failure = SessionFailure::SpoolFailed;
    else {
        input.raw = tx.data->view();
        input.parsed = parse_message(input.raw);
    }
    const std::string queue_id = input.failure == SessionFailure::None ? mta_queue_id(input.parsed) : "";
    input.envelope = Envelope{tx.sender, tx.recipients, queue_id, fetched};
    const auto rt = runtime();
    const DeliveryPlan plan = co_await commit(rt, std::move(input));
    std::vector<Reply> replies;
    for (std::size_t i = 0; i < tx.recipients.size() && i < plan.recipients.size(); ++i) {
        const RecipientDecision& d = plan.recipients[i];
        replies.push_back(d.reply);
        log_info("{}: to=<{}>, from=<{}>, msgid=<{}>, queue={}, customer={}, ticket={}, verdict={}, "
                 "status={} {}, why={}",
                 queue_id.empty() ? "NOQUEUE" : queue_id, d.recipient, tx.sender, plan.message.message_id,
                 d.queue ? std::to_string(rt->config.queues[*d.queue].number) : "-",
                 plan.customer_id.empty() ? "-" : plan.customer_id, d.ticket ? to_string(*d.ticket) : "-",
                 to_string(d.verdict), d.reply.code, d.reply.status, d.explanation);
    }
    co_return replies;
}

template <typename Socket>
awaitable<void> Server::session(Socket socket, bool fetched) {
    struct Count {
        std::atomic<std::size_t>& n;
        ~Count() { --n; }
    } count{sessions_};

    const auto start_runtime = runtime();
    ProtocolLimits limits = options_.limits;
    limits.max_message_size = start_runtime->config.global.max_message_size;
    std::vector<Verdict> rcpt_refusals;  // counted with the next message, or when the session ends
    Protocol proto(start_runtime->config.global.hostname, limits, options_.spool,
                   [this, &rcpt_refusals](std::string_view address) -> std::optional<Reply> {
                       const auto rt = runtime();
                       auto admitted = admit_recipient(rt->config, address);
                       const auto* a = std::get_if<Admission>(&admitted);
                       if (!a) return std::nullopt;
                       rcpt_refusals.push_back(a->verdict);
                       log_info("NOQUEUE: reject: RCPT to=<{}>: {}; verdict={}", address, a->reply, to_string(a->verdict));
                       return a->reply;
                   });
    asio::steady_timer timer(co_await asio::this_coro::executor);
    std::array<char, 64 * 1024> buffer{};
    std::chrono::steady_clock::time_point last_input = std::chrono::steady_clock::now();

    try {
        co_await asio::async_write(socket, asio::buffer(proto.greeting()), use_awaitable);
        for (;;) {
            if (std::string out = proto.take_output(); !out.empty())
                co_await asio::async_write(socket, asio::buffer(out), use_awaitable);
            if (proto.closed()) break;

            if (proto.transaction_ready()) {
                Transaction tx = proto.take_transaction();
                const std::vector<Reply> replies =
                    co_await deliver(tx, fetched, limits.max_message_size, std::exchange(rcpt_refusals, {}));
                proto.delivered(replies);
                continue;
            }

            if (draining_ && proto.idle()) {
                proto.shutdown("service shutting down");
                continue;
            }
            const auto limit = proto.in_data() ? options_.data_timeout : options_.command_timeout;
            if (std::chrono::steady_clock::now() - last_input > limit) {
                log_info("timeout after {}s {}", limit.count(), proto.in_data() ? "in DATA" : "waiting for a command");
                proto.shutdown("timeout, closing connection");
                continue;
            }
            timer.expires_after(kTick);
            auto result = co_await (socket.async_read_some(asio::buffer(buffer), asio::as_tuple(use_awaitable)) ||
                                    timer.async_wait(asio::as_tuple(use_awaitable)));
            if (result.index() == 1) continue;  // a tick: look at timeouts and draining again
            auto [ec, n] = std::get<0>(result);
            if (ec) {
                if (proto.in_data()) log_info("connection lost in DATA: message dropped, not delivered");
                proto.end_of_input();
                break;
            }
            last_input = std::chrono::steady_clock::now();
            proto.feed(std::string_view(buffer.data(), n));
        }
    } catch (const boost::system::system_error& e) {
        if (e.code() != asio::error::eof && e.code() != asio::error::broken_pipe &&
            e.code() != asio::error::connection_reset && e.code() != asio::error::operation_aborted)
            log_warning("session: {}", e.what());
    } catch (const std::exception& e) {
        log_error("session: {}", e.what());
    }
    boost::system::error_code ec;
    socket.close(ec);
    if (!rcpt_refusals.empty()) {
        try {
            co_await count_refusals(std::move(rcpt_refusals));
        } catch (const std::exception& e) {
            log_warning("session: RCPT refusals not counted: {}", e.what());
        }
    }
}

}  // namespace deskgate::lmtp
