// server.hpp - deskgate-lmtpd's network side on Boost.Asio (C++20 coroutines): listeners on
// unix sockets and loopback TCP, one coroutine per session driving the Protocol, timeouts, a
// session limit (421 4.3.2), draining on SIGTERM and config swaps on SIGHUP. Every decision is
// the core engine's, made by the Committer; this file only moves bytes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lmtp/committer.hpp"
#include "lmtp/protocol.hpp"
#include "lmtp/runtime.hpp"

namespace deskgate::lmtp {

struct ServerOptions {
    std::size_t max_sessions = 100;
    std::chrono::seconds command_timeout{300};  // waiting for a command (RFC 5321: 5 minutes)
    std::chrono::seconds data_timeout{600};     // waiting for more DATA bytes
    std::chrono::seconds drain_timeout{30};     // SIGTERM: how long in-flight sessions may take
    ProtocolLimits limits;                      // max_message_size comes from the config
    SpoolOptions spool;
    std::int64_t time_offset = 0;               // seconds added to the clock (tests of business hours)
};

// A listening address: "unix:/path" or "inet:[ADDR:]PORT" (ADDR defaults to 127.0.0.1).
struct ListenSpec {
    enum class Kind { Unix, Inet } kind = Kind::Unix;
    std::string path;      // unix
    std::string address;   // inet
    unsigned short port = 0;
    unsigned mode = 0660;  // unix socket file mode
    std::string group;     // unix socket file group ("" = leave as is), e.g. postfix
    // The fetcher's socket (global fetch_listen): its mail was accepted at a provider already, so
    // a refusal is held instead of answered 5xx (core/policy/admission.hpp, Stage::Fetched).
    bool fetched = false;
};
std::optional<ListenSpec> parse_listen(std::string_view text, std::string& error);

class Server {
public:
    Server(boost::asio::io_context& io, ServerOptions options, std::shared_ptr<const Runtime> runtime,
           Committer& committer);

    // Binds; throws boost::system::system_error on failure (start-up only).
    void listen(const ListenSpec& spec);
    // The bound TCP port of the last inet listener (for tests that ask for port 0).
    unsigned short tcp_port() const { return tcp_port_; }

    void reload(std::shared_ptr<const Runtime> runtime);
    std::shared_ptr<const Runtime> runtime() const;

    // Stop taking work: new connections get 421, idle sessions are closed, busy ones finish.
    void drain();
    std::size_t active_sessions() const { return sessions_.load(); }
    // Closes the listeners (after draining).
    void close();

private:
    template <typename Socket>
    boost::asio::awaitable<void> session(Socket socket, bool fetched);
    boost::asio::awaitable<std::vector<Reply>> deliver(const Transaction& tx, bool fetched, std::uint64_t max_size,
                                                       std::vector<Verdict> rcpt_refusals);
    boost::asio::awaitable<DeliveryPlan> commit(std::shared_ptr<const Runtime> rt, DeliveryInput input);
    boost::asio::awaitable<void> count_refusals(std::vector<Verdict> rcpt_refusals);
    template <typename Acceptor>
    boost::asio::awaitable<void> accept_loop(Acceptor& acceptor, bool fetched);

    boost::asio::io_context& io_;
    ServerOptions options_;
    mutable std::mutex runtime_mutex_;
    std::shared_ptr<const Runtime> runtime_;
    Committer& committer_;
    std::vector<std::unique_ptr<boost::asio::local::stream_protocol::acceptor>> unix_acceptors_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_acceptors_;
    std::vector<std::filesystem::path> socket_files_;
    unsigned short tcp_port_ = 0;
    std::atomic<std::size_t> sessions_{0};
    std::atomic<bool> draining_{false};
};

}  // namespace deskgate::lmtp
