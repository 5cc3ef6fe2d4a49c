// empty_txn.cpp - see empty_txn.hpp.
#include "core/store/empty_txn.hpp"

namespace deskgate {
namespace {

class EmptyReadTxn final : public ReadTxn {
public:
    std::optional<Ticket> ticket(TicketKey) const override { return std::nullopt; }
    std::vector<Ticket> tickets(const TicketFilter&) const override { return {}; }
    std::vector<TicketEntry> entries(TicketKey) const override { return {}; }
    std::vector<MessageRef> find_message_id(std::string_view) const override { return {}; }
    std::optional<std::string> raw(std::uint64_t) const override { return std::nullopt; }
    std::optional<Contact> contact(std::string_view) const override { return std::nullopt; }
    std::vector<Contact> contacts() const override { return {}; }
    std::vector<OutboxItem> outbox() const override { return {}; }
    std::optional<OutboxItem> outbox_item(std::uint64_t) const override { return std::nullopt; }
    std::vector<Bounce> bounces() const override { return {}; }
    std::size_t generated_since(std::string_view, std::int64_t) const override { return 0; }
    std::vector<std::pair<std::string, std::uint64_t>> verdict_counts() const override { return {}; }
    std::optional<std::string> state(std::string_view) const override { return std::nullopt; }
    std::vector<TicketKey> search(const std::vector<std::string>&, std::size_t) const override { return {}; }
};

}  // namespace

const ReadTxn& empty_read_txn() {
    static const EmptyReadTxn empty;
    return empty;
}

}  // namespace deskgate
