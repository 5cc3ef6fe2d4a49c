// threading.hpp - which existing ticket a mail belongs to (BRIEF rule 5): (1) a signed reply
// token in the recipient address, (2) a queue's ticket tag in the subject, (3) In-Reply-To /
// References against every stored Message-ID. A candidate counts only when the sender belongs
// to the ticket (its customer, its opener, a participant, or staff): nobody joins by guessing.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/config.hpp"
#include "core/mail/message.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/store/store.hpp"
#include "core/model/ticket.hpp"

namespace re2 {
class RE2;
}

namespace deskgate {

// How many distinct tickets find() returns at most. A subject names one or two; the cap keeps a
// subject of 80 000 distinct tags (1 MB) from costing a quadratic duplicate check (55 s in the
// fuzz build) and as many store lookups in threading (found by tests/fuzz/subject_tag.cpp).
inline constexpr std::size_t kMaxSubjectTags = 16;

// The queues' subject tag formats compiled once per Config.
class SubjectTagMatcher {
public:
    SubjectTagMatcher() = default;
    explicit SubjectTagMatcher(const Config& config);

    // Every ticket number a tag in `subject` names, in order of appearance per queue format;
    // the first kMaxSubjectTags of them.
    std::vector<TicketKey> find(std::string_view subject) const;

private:
    std::vector<std::shared_ptr<const re2::RE2>> patterns_;
};

// The tag a queue puts into subjects for `ticket`, e.g. "[Support#10-42]".
std::string subject_tag(const Queue& queue, TicketKey ticket);

enum class ThreadBy { Token, SubjectTag, InReplyTo, References };
std::string_view to_string(ThreadBy);

struct ThreadCandidate {
    TicketKey ticket;
    ThreadBy by = ThreadBy::Token;
};

struct ThreadResult {
    std::optional<Ticket> ticket;       // the ticket joined, if any
    ThreadBy by = ThreadBy::Token;
    std::string explanation;            // why it joined / why candidates were rejected
};

// The tickets the mail's In-Reply-To, then References (the direct parent, written last, first)
// name in the store, in that order, without duplicates. The mail's own Message-ID is skipped:
// a mail that names itself (a resent copy, a client that lists its own id) threads nowhere by it.
// Inbound threading (thread_candidates) and the outbound milter (outbound_ticket) both use it.
std::vector<ThreadCandidate> reference_candidates(const ReadTxn& txn, const ParsedMessage& message);

// Candidates in priority order, without duplicates: the reply token, the subject tags, then
// reference_candidates().
std::vector<ThreadCandidate> thread_candidates(const SubjectTagMatcher& tags, const ReadTxn& txn,
                                               const ParsedMessage& message,
                                               std::optional<TicketKey> token_ticket);

// How many merges follow_merged() walks at most (a longer chain, or a loop, stops there).
inline constexpr int kMaxMergeHops = 8;

// The ticket `key` names, or the ticket it was merged into (Ticket::merged_into, followed up to
// kMaxMergeHops times, loop-safe: a ticket seen twice ends the walk). nullopt when `key` is
// missing; a merge target that is missing ends the walk at the last ticket found.
std::optional<Ticket> follow_merged(const ReadTxn& txn, TicketKey key);

// May this sender add to this ticket?
bool sender_belongs(const Ticket& ticket, const SenderIdentity& sender);

// The first candidate whose ticket (after follow_merged: a merged ticket's tag, reply token and
// Message-IDs thread into the ticket it was merged into) the sender belongs to.
ThreadResult find_thread(const SubjectTagMatcher& tags, const ReadTxn& txn,
                         const ParsedMessage& message, std::optional<TicketKey> token_ticket,
                         const SenderIdentity& sender);

}  // namespace deskgate
