// record_codec.cpp - the store's keys and records: big-endian keys (so LMDB orders them), and
// Ticket, TicketEntry, MessageRef, Contact, OutboxItem and Bounce encoded with the codec.hpp
// primitives, each record starting with a format byte so later schema versions can migrate
// them. Older record formats still decode; anything truncated or corrupt throws codec::Error.
#include <glib.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "core/store/codec.hpp"
#include "core/store/store_internal.hpp"

namespace deskgate::store_internal {
namespace {

using codec::Reader;
using codec::Writer;

// Format 2 added the ticket deadlines, format 3 the undeliverable addresses, format 4 the
// staff's side (first reaction, status time, deadline notices, merge); older records still
// read (the new fields empty).
constexpr std::uint8_t kRecordFormat = 4;
constexpr std::size_t kMaxPlainKey = 400;  // longer ids are keyed by their SHA-256

void begin_record(Writer& w) { w.u8(kRecordFormat); }
std::uint8_t check_record(Reader& r) {
    const std::uint8_t format = r.u8();
    if (format < 1 || format > kRecordFormat) throw codec::Error("corrupt record: unknown record format");
    return format;
}
void end_record(const Reader& r) {
    if (!r.done()) throw codec::Error("corrupt record: trailing bytes");
}

void put_key(Writer& w, TicketKey k) {
    w.u32(k.queue);
    w.u32(k.seq);
}
TicketKey get_key(Reader& r) {
    TicketKey k;
    k.queue = r.u32();
    k.seq = r.u32();
    return k;
}

}  // namespace

std::string key_text(std::string_view id) {
    if (id.size() <= kMaxPlainKey) return std::string(id);
    gchar* hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                             reinterpret_cast<const guchar*>(id.data()), id.size());
    std::string out = std::string("sha256:") + hex;
    g_free(hex);
    return out;
}

std::string ticket_key(TicketKey k) {
    std::string out;
    codec::put_be32(out, k.queue);
    codec::put_be32(out, k.seq);
    return out;
}

std::string entry_key(TicketKey k, std::uint32_t index) {
    std::string out = ticket_key(k);
    codec::put_be32(out, index);
    return out;
}

std::string u64_key(std::uint64_t v) {
    std::string out;
    codec::put_be64(out, v);
    return out;
}

std::string u64_value(std::uint64_t v) {
    std::string out;
    codec::put_be64(out, v);
    return out;
}

std::string encode(const Ticket& t) {
    Writer w;
    begin_record(w);
    put_key(w, t.key);
    w.u32(t.queue);
    w.str(t.subject);
    w.u8(static_cast<std::uint8_t>(t.status));
    w.str(t.customer_id);
    w.str(t.opener);
    w.strings(t.participants);
    w.str(t.category);
    w.str(t.priority);
    w.strings(t.tags);
    w.str(t.assignee);
    w.i64(t.created);
    w.i64(t.updated);
    w.i64(t.closed_at);
    w.boolean(t.linked_from.has_value());
    if (t.linked_from) put_key(w, *t.linked_from);
    w.count(t.referrals.size());
    for (auto q : t.referrals) w.u32(q);
    w.u32(t.entry_count);
    w.i64(t.reaction_due);
    w.i64(t.resolution_due);
    w.strings(t.undeliverable);
    w.i64(t.first_reaction);
    w.i64(t.status_since);
    w.u8(t.deadline_notices);
    w.boolean(t.merged_into.has_value());
    if (t.merged_into) put_key(w, *t.merged_into);
    return w.data();
}

Ticket decode_ticket(std::string_view bytes) {
    Reader r(bytes);
    const std::uint8_t format = check_record(r);
    Ticket t;
    t.key = get_key(r);
    t.queue = r.u32();
    t.subject = r.str();
    const auto status = r.u8();
    if (status > static_cast<std::uint8_t>(TicketStatus::AwaitingApproval))
        throw codec::Error("corrupt record: ticket status");
    t.status = static_cast<TicketStatus>(status);
    t.customer_id = r.str();
    t.opener = r.str();
    t.participants = r.strings();
    t.category = r.str();
    t.priority = r.str();
    t.tags = r.strings();
    t.assignee = r.str();
    t.created = r.i64();
    t.updated = r.i64();
    t.closed_at = r.i64();
    if (r.boolean()) t.linked_from = get_key(r);
    const auto n = r.count();
    for (std::uint32_t i = 0; i < n; ++i) t.referrals.push_back(r.u32());
    t.entry_count = r.u32();
    if (format >= 2) {
        t.reaction_due = r.i64();
        t.resolution_due = r.i64();
    }
    if (format >= 3) t.undeliverable = r.strings();
    if (format >= 4) {
        t.first_reaction = r.i64();
        t.status_since = r.i64();
        t.deadline_notices = r.u8();
        if (r.boolean()) t.merged_into = get_key(r);
    }
    end_record(r);
    return t;
}

std::string encode(const TicketEntry& e) {
    Writer w;
    begin_record(w);
    put_key(w, e.ticket);
    w.u32(e.index);
    w.u8(static_cast<std::uint8_t>(e.direction));
    w.u8(static_cast<std::uint8_t>(e.kind));
    w.str(e.message_id);
    w.str(e.from_address);
    w.str(e.from_name);
    w.str(e.subject);
    w.str(e.text_body);
    w.count(e.attachments.size());
    for (const auto& a : e.attachments) {
        w.str(a.filename);
        w.str(a.content_type);
        w.u64(a.size);
        w.str(a.sha256);
    }
    w.strings(e.defects);
    w.str(e.body_digest);
    w.str(e.envelope_sender);
    w.strings(e.envelope_recipients);
    w.str(e.explanation);
    w.i64(e.received);
    w.u64(e.raw_id);
    w.u64(e.raw_size);
    return w.data();
}

TicketEntry decode_entry(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    TicketEntry e;
    e.ticket = get_key(r);
    e.index = r.u32();
    const auto direction = r.u8();
    const auto kind = r.u8();
    if (direction > 2 || kind > 3) throw codec::Error("corrupt record: entry kind");
    e.direction = static_cast<Direction>(direction);
    e.kind = static_cast<EntryKind>(kind);
    e.message_id = r.str();
    e.from_address = r.str();
    e.from_name = r.str();
    e.subject = r.str();
    e.text_body = r.str();
    const auto n = r.count();
    for (std::uint32_t i = 0; i < n; ++i) {
        Attachment a;
        a.filename = r.str();
        a.content_type = r.str();
        a.size = r.u64();
        a.sha256 = r.str();
        e.attachments.push_back(std::move(a));
    }
    e.defects = r.strings();
    e.body_digest = r.str();
    e.envelope_sender = r.str();
    e.envelope_recipients = r.strings();
    e.explanation = r.str();
    e.received = r.i64();
    e.raw_id = r.u64();
    e.raw_size = r.u64();
    end_record(r);
    return e;
}

std::string encode(const MessageRef& m) {
    Writer w;
    begin_record(w);
    put_key(w, m.ticket);
    w.u32(m.index);
    w.str(m.body_digest);
    return w.data();
}

MessageRef decode_ref(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    MessageRef m;
    m.ticket = get_key(r);
    m.index = r.u32();
    m.body_digest = r.str();
    end_record(r);
    return m;
}

std::string encode(const Contact& c) {
    Writer w;
    begin_record(w);
    w.str(c.address);
    w.str(c.name);
    w.str(c.customer_id);
    w.u32(c.queue);
    w.i64(c.created);
    return w.data();
}

Contact decode_contact(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    Contact c;
    c.address = r.str();
    c.name = r.str();
    c.customer_id = r.str();
    c.queue = r.u32();
    c.created = r.i64();
    end_record(r);
    return c;
}

std::string encode(const OutboxItem& o) {
    Writer w;
    begin_record(w);
    w.u64(o.id);
    w.str(o.kind);
    w.str(o.sender);
    w.strings(o.recipients);
    w.u64(o.raw_id);
    w.boolean(o.ticket.has_value());
    if (o.ticket) put_key(w, *o.ticket);
    w.i64(o.created);
    w.i64(o.next_attempt);
    w.u32(o.attempts);
    w.str(o.state);
    w.str(o.last_error);
    return w.data();
}

OutboxItem decode_outbox(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    OutboxItem o;
    o.id = r.u64();
    o.kind = r.str();
    o.sender = r.str();
    o.recipients = r.strings();
    o.raw_id = r.u64();
    if (r.boolean()) o.ticket = get_key(r);
    o.created = r.i64();
    o.next_attempt = r.i64();
    o.attempts = r.u32();
    o.state = r.str();
    o.last_error = r.str();
    end_record(r);
    return o;
}

std::string encode(const Bounce& b) {
    Writer w;
    begin_record(w);
    w.u64(b.id);
    w.i64(b.received);
    w.str(b.envelope_sender);
    w.strings(b.recipients);
    w.str(b.from);
    w.str(b.subject);
    w.str(b.message_id);
    w.strings(b.failed);
    w.str(b.diagnostic);
    w.str(b.reason);
    w.u64(b.raw_id);
    w.u64(b.raw_size);
    return w.data();
}

Bounce decode_bounce(std::string_view bytes) {
    Reader r(bytes);
    check_record(r);
    Bounce b;
    b.id = r.u64();
    b.received = r.i64();
    b.envelope_sender = r.str();
    b.recipients = r.strings();
    b.from = r.str();
    b.subject = r.str();
    b.message_id = r.str();
    b.failed = r.strings();
    b.diagnostic = r.str();
    b.reason = r.str();
    b.raw_id = r.u64();
    b.raw_size = r.u64();
    end_record(r);
    return b;
}

}  // namespace deskgate::store_internal
