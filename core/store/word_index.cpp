// word_index.cpp - the `words` database (store.hpp): which words a ticket and an entry add,
// writing them, and answering a search. Each key is a normalised word (core/mail/words.hpp),
// its sorted fixed-size duplicates the 8-byte big-endian keys of the tickets that have it, so
// one word's tickets come back in ticket order, a page at a time (MDB_GET_MULTIPLE), and
// their number without reading them (mdb_cursor_count).
//
// A search intersects from the rarest query word: its tickets are the candidates, and each
// further word either checks every candidate (MDB_GET_BOTH, a B-tree lookup each) or, when it
// is not much more common than there are candidates, reads its own list and intersects; so one
// rare word keeps a query cheap even when another is in every ticket.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "core/mail/words.hpp"
#include "core/store/codec.hpp"
#include "core/store/lmdb.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate::store_internal {
namespace {

// Checking one candidate costs about this many list items read (a B-tree descent against a
// copy from a page).
constexpr std::size_t kProbeCost = 32;

// A query word with the index keys it matches (one for an exact word, every key with the
// prefix for `word*`) and how many (word, ticket) pairs those hold.
struct Term {
    std::vector<std::string> keys;
    std::size_t pairs = 0;
};

Term lookup(lmdb::Cursor& c, std::string_view query) {
    Term t;
    const bool prefix = is_prefix_query(query);
    const std::string_view word = prefix ? query.substr(0, query.size() - 1) : query;
    if (word.empty() || word.size() > kMaxAddressBytes) return t;  // never indexed
    MDB_val k = lmdb::val(word), d{};
    if (!prefix) {
        if (c.get(k, d, MDB_SET)) {
            t.keys.emplace_back(word);
            t.pairs = c.count();
        }
        return t;
    }
    for (bool more = c.get(k, d, MDB_SET_RANGE); more && lmdb::view(k).starts_with(word);
         more = c.get(k, d, MDB_NEXT_NODUP)) {
        t.keys.emplace_back(lmdb::view(k));
        t.pairs += c.count();
    }
    return t;
}

// Every ticket of the term's keys, ascending, without repeats.
std::vector<std::uint64_t> read_tickets(lmdb::Cursor& c, const Term& t) {
    std::vector<std::uint64_t> out;
    out.reserve(t.pairs);
    for (const std::string& key : t.keys) {
        MDB_val k = lmdb::val(key), d{};
        if (!c.get(k, d, MDB_SET)) continue;
        for (bool more = c.get(k, d, MDB_GET_MULTIPLE); more; more = c.get(k, d, MDB_NEXT_MULTIPLE)) {
            const std::string_view page = lmdb::view(d);
            for (std::size_t at = 0; at + 8 <= page.size(); at += 8) out.push_back(codec::get_be64(page, at));
        }
    }
    if (t.keys.size() > 1) {
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }
    return out;
}

bool has_ticket(lmdb::Cursor& c, const Term& t, std::uint64_t ticket) {
    std::string value;
    codec::put_be64(value, ticket);
    for (const std::string& key : t.keys) {
        MDB_val k = lmdb::val(key), d = lmdb::val(value);
        if (c.get(k, d, MDB_GET_BOTH)) return true;
    }
    return false;
}

// Keeps the candidates that also have term t.
void narrow(lmdb::Cursor& c, const Term& t, std::vector<std::uint64_t>& candidates) {
    if (candidates.size() * t.keys.size() * kProbeCost < t.pairs) {
        std::erase_if(candidates, [&](std::uint64_t ticket) { return !has_ticket(c, t, ticket); });
        return;
    }
    const std::vector<std::uint64_t> other = read_tickets(c, t);
    std::vector<std::uint64_t> both;
    std::set_intersection(candidates.begin(), candidates.end(), other.begin(), other.end(), std::back_inserter(both));
    candidates = std::move(both);
}

}  // namespace

std::vector<std::string> ticket_words(const Ticket& t, const Ticket* before) {
    std::vector<std::string> words;
    if (!before || before->subject != t.subject) add_index_words(t.subject, words);
    if (!before || before->opener != t.opener) add_index_words(t.opener, words);
    for (const std::string& p : t.participants)
        if (!before || std::find(before->participants.begin(), before->participants.end(), p) ==
                           before->participants.end())
            add_index_words(p, words);
    sort_unique(words);
    return words;
}

std::vector<std::string> entry_words(const TicketEntry& e) {
    std::vector<std::string> words;
    for (std::string_view text : {std::string_view(e.subject), std::string_view(e.text_body),
                                  std::string_view(e.from_address), std::string_view(e.from_name)})
        add_index_words(text, words);
    for (const Attachment& a : e.attachments) add_index_words(a.filename, words);
    sort_unique(words);
    return words;
}

void put_words(MDB_txn* txn, MDB_dbi dbi, TicketKey key, const std::vector<std::string>& list) {
    const std::string value = ticket_key(key);
    for (const std::string& word : list) {
        MDB_val k = lmdb::val(word), d = lmdb::val(value);
        const int rc = mdb_put(txn, dbi, &k, &d, MDB_NODUPDATA);
        if (rc != MDB_KEYEXIST) lmdb::check(rc, "mdb_put words");
    }
}

std::vector<TicketKey> search_words(MDB_txn* txn, MDB_dbi dbi, const std::vector<std::string>& query,
                                    std::size_t limit) {
    if (query.empty()) return {};
    lmdb::Cursor c(txn, dbi);
    std::vector<Term> terms;
    for (const std::string& word : query) {
        terms.push_back(lookup(c, word));
        if (terms.back().pairs == 0) return {};  // a word no ticket has
    }
    std::sort(terms.begin(), terms.end(), [](const Term& a, const Term& b) { return a.pairs < b.pairs; });
    std::vector<std::uint64_t> candidates = read_tickets(c, terms.front());
    for (std::size_t i = 1; i < terms.size() && !candidates.empty(); ++i) narrow(c, terms[i], candidates);
    std::vector<TicketKey> out;
    const std::size_t n = limit ? std::min(limit, candidates.size()) : candidates.size();
    out.reserve(n);
    for (auto it = candidates.rbegin(); out.size() < n; ++it)
        out.push_back(TicketKey{static_cast<std::uint32_t>(*it >> 32), static_cast<std::uint32_t>(*it)});
    return out;
}

}  // namespace deskgate::store_internal
