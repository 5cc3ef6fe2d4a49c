// tick.hpp - the staff's clock, run once a minute by `deskgate tick` (the packaged
// deskgate-tick.timer): deadline warnings (deadline_lead_minutes before) and misses of the
// reaction and resolution deadlines, each told once (Ticket::deadline_notices, set in the same
// transaction as the notification's outbox item); tickets left waiting past the queue's
// close_waiting_days closed (with the close summary where configured); a welcome mail to every
// staff member for the queues they were not yet welcomed to. Time comes in; nothing here
// reads a clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/decision/engine.hpp"

namespace deskgate {

// One pass in the caller's write transaction; returns one log line per thing done.
std::vector<std::string> run_tick(const Engine& engine, WriteTxn& txn, std::int64_t now);

// The welcome text for a staff member (their queues, how notifications look, how to answer,
// the commands).
std::string welcome_text(const Config& config, const Staff& staff, const std::vector<const Queue*>& queues);

}  // namespace deskgate
