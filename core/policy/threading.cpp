// threading.cpp - see threading.hpp.
#include "core/policy/threading.hpp"

#include <re2/re2.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/base/template.hpp"

namespace deskgate {
namespace {

// Stands for the ticket number while a tag format is turned into a pattern: a private-use
// character (U+E000), which no template renders and header sanitising leaves alone.
constexpr std::string_view kNumberMarker = "\xEE\x80\x80";

// Renders the queue's tag format with `number` standing for the ticket number.
std::string render_tag(const Queue& queue, std::string_view number) {
    return render_template(
        queue.subject_tag,
        [&](std::string_view name) -> std::optional<std::string> {
            if (name == "ticket.number") return std::string(number);
            if (name == "queue.title" || name == "queue.name") return queue.name;
            if (name == "queue.number") return std::to_string(queue.number);
            return std::nullopt;
        },
        TemplateContext::Header);
}

}  // namespace

SubjectTagMatcher::SubjectTagMatcher(const Config& config) {
    std::vector<std::string> seen;
    for (const auto& q : config.queues) {
        std::string rendered = render_tag(q, kNumberMarker);
        auto marker = rendered.find(kNumberMarker);
        if (marker == std::string::npos) continue;  // a format without the number cannot thread
        std::string pattern = RE2::QuoteMeta(rendered.substr(0, marker)) + R"(\s*(\d+-\d+)\s*)" +
                              RE2::QuoteMeta(rendered.substr(marker + kNumberMarker.size()));
        if (std::find(seen.begin(), seen.end(), pattern) != seen.end()) continue;
        seen.push_back(pattern);
        RE2::Options options;
        options.set_case_sensitive(false);
        options.set_log_errors(false);
        auto re = std::make_shared<const RE2>(pattern, options);
        if (re->ok()) patterns_.push_back(std::move(re));
    }
}

std::vector<TicketKey> SubjectTagMatcher::find(std::string_view subject) const {
    std::vector<TicketKey> out;
    for (const auto& re : patterns_) {
        re2::StringPiece input(subject.data(), subject.size());
        std::string number;
        while (out.size() < kMaxSubjectTags && RE2::FindAndConsume(&input, *re, &number)) {
            if (auto key = parse_ticket_key(number);
                key && std::find(out.begin(), out.end(), *key) == out.end())
                out.push_back(*key);
        }
    }
    return out;
}

std::string subject_tag(const Queue& queue, TicketKey ticket) {
    return render_tag(queue, to_string(ticket));
}

std::string_view to_string(ThreadBy by) {
    switch (by) {
    case ThreadBy::Token: return "reply token";
    case ThreadBy::SubjectTag: return "subject tag";
    case ThreadBy::InReplyTo: return "In-Reply-To";
    case ThreadBy::References: return "References";
    }
    return "?";
}

namespace {

// Appends a candidate unless its ticket is already there (the first reason found wins).
void add_candidate(std::vector<ThreadCandidate>& out, TicketKey key, ThreadBy by) {
    if (std::none_of(out.begin(), out.end(), [&](const auto& c) { return c.ticket == key; }))
        out.push_back({key, by});
}

}  // namespace

std::vector<ThreadCandidate> reference_candidates(const ReadTxn& txn, const ParsedMessage& m) {
    std::vector<ThreadCandidate> out;
    auto add_ids = [&](const std::string& id, ThreadBy by) {
        if (id.empty() || id == m.message_id) return;
        for (const auto& ref : txn.find_message_id(id)) add_candidate(out, ref.ticket, by);
    };
    for (const auto& id : m.in_reply_to) add_ids(id, ThreadBy::InReplyTo);
    for (auto it = m.references.rbegin(); it != m.references.rend(); ++it)
        add_ids(*it, ThreadBy::References);  // the direct parent is last
    return out;
}

std::vector<ThreadCandidate> thread_candidates(const SubjectTagMatcher& tags, const ReadTxn& txn,
                                               const ParsedMessage& m,
                                               std::optional<TicketKey> token_ticket) {
    std::vector<ThreadCandidate> out;
    if (token_ticket) add_candidate(out, *token_ticket, ThreadBy::Token);
    for (auto key : tags.find(m.subject)) add_candidate(out, key, ThreadBy::SubjectTag);
    for (const auto& c : reference_candidates(txn, m)) add_candidate(out, c.ticket, c.by);
    return out;
}

std::optional<Ticket> follow_merged(const ReadTxn& txn, TicketKey key) {
    auto ticket = txn.ticket(key);
    std::vector<TicketKey> seen;
    for (int hop = 0; ticket && ticket->merged_into && hop < kMaxMergeHops; ++hop) {
        seen.push_back(ticket->key);
        const TicketKey next = *ticket->merged_into;
        if (std::find(seen.begin(), seen.end(), next) != seen.end()) break;  // a loop
        auto survivor = txn.ticket(next);
        if (!survivor) break;
        ticket = std::move(survivor);
    }
    return ticket;
}

bool sender_belongs(const Ticket& ticket, const SenderIdentity& sender) {
    if (sender.address.empty()) return false;
    if (sender.staff) return true;
    if (!ticket.customer_id.empty() && sender.customer && sender.customer->id == ticket.customer_id)
        return true;
    if (sender.address == ticket.opener) return true;
    return std::find(ticket.participants.begin(), ticket.participants.end(), sender.address) !=
           ticket.participants.end();
}

ThreadResult find_thread(const SubjectTagMatcher& tags, const ReadTxn& txn, const ParsedMessage& m,
                         std::optional<TicketKey> token_ticket, const SenderIdentity& sender) {
    ThreadResult result;
    std::vector<std::string> rejected;
    for (const auto& c : thread_candidates(tags, txn, m, token_ticket)) {
        auto ticket = follow_merged(txn, c.ticket);
        if (!ticket) {
            rejected.push_back(fmt::format("{} names ticket {} which does not exist",
                                           to_string(c.by), to_string(c.ticket)));
            continue;
        }
        const std::string merged = ticket->key == c.ticket
                                       ? std::string()
                                       : fmt::format(" (ticket {} merged into {})", to_string(c.ticket),
                                                     to_string(ticket->key));
        if (!sender_belongs(*ticket, sender)) {
            rejected.push_back(fmt::format("{} names ticket {}{} but {} does not belong to it",
                                           to_string(c.by), to_string(c.ticket), merged,
                                           sender.address.empty() ? "<>" : sender.address));
            continue;
        }
        result.ticket = std::move(ticket);
        result.by = c.by;
        result.explanation = fmt::format("joined by {}{}", to_string(c.by), merged);
        break;
    }
    if (!rejected.empty()) {
        auto why = fmt::format("{}", fmt::join(rejected, "; "));
        result.explanation = result.explanation.empty() ? why : result.explanation + " (" + why + ")";
    }
    return result;
}

}  // namespace deskgate
