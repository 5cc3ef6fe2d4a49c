// render.hpp - how the CLI shows core values: as stable JSON (documented in cli/JSON.md) and
// as text for people.
#pragma once

#include <cstdint>
#include <string>

#include "cli/json_writer.hpp"
#include "core/decision/engine.hpp"
#include "core/mail/message.hpp"
#include "core/model/ticket.hpp"

namespace deskgate::cli {

// "2026-11-24T15:04:05Z"
std::string iso_time(std::int64_t unix_seconds);

void write_json(JsonWriter& w, const ParsedMessage& m);
void write_json(JsonWriter& w, const Ticket& t);
void write_json(JsonWriter& w, const TicketEntry& e, bool with_body);
// "events": the Event entries as [{"index", "by", "address", "at", "what"}] (deskgate show --json).
void write_events_json(JsonWriter& w, const std::vector<TicketEntry>& entries);
void write_json(JsonWriter& w, const DeliveryPlan& plan, const Config& config, bool dry_run);

std::string text_ticket_line(const Ticket& t);
// The `deskgate tickets` listing: a header line and one text_ticket_line per ticket.
std::string text_ticket_table(const std::vector<Ticket>& tickets);
// The `deskgate tickets --json` array.
std::string json_tickets(const std::vector<Ticket>& tickets);
std::string text_ticket(const Ticket& t, const std::vector<TicketEntry>& entries);
std::string text_plan(const DeliveryPlan& plan, const Config& config, bool dry_run);
std::string text_message(const ParsedMessage& m);

}  // namespace deskgate::cli
