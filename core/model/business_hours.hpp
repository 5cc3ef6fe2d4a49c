// business_hours.hpp - working time of a queue's calendar (BRIEF rule 6): weekly hours in the
// calendar's IANA time zone (GLib GTimeZone, so DST changes are real), holidays as local
// dates. Instants are Unix seconds; nothing reads a clock. Business time is counted in real
// elapsed seconds inside the working ranges, so an hour lost or gained to DST inside working
// hours counts as it really passes.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "core/model/config.hpp"

typedef struct _GTimeZone GTimeZone;

namespace deskgate {

class BusinessCalendar {
public:
    // An unknown time zone falls back to UTC (config/ rejects unknown zones beforehand).
    explicit BusinessCalendar(const Calendar& calendar);
    ~BusinessCalendar();
    BusinessCalendar(const BusinessCalendar&) = delete;
    BusinessCalendar& operator=(const BusinessCalendar&) = delete;

    bool in_hours(std::int64_t instant) const;

    // The instant `minutes` business minutes after `start` (which may lie outside hours:
    // counting then begins at the next working range). Gives up after ten years without
    // working time (a calendar with no hours) and returns that horizon.
    std::int64_t add_business_minutes(std::int64_t start, std::int64_t minutes) const;

    // "YYYY-MM-DD" of the local date of `instant`.
    std::string local_date(std::int64_t instant) const;

private:
    struct Day {
        int year = 0, month = 0, day = 0, weekday = 0;  // weekday 0 = Monday
    };
    Day local_day(std::int64_t instant) const;
    Day next_day(const Day& d) const;
    // Unix time of local wall-clock `minute` (since midnight) on day `d`.
    std::int64_t at(const Day& d, int minute) const;
    bool holiday(const Day& d) const;
    std::int64_t compute_business_minutes(std::int64_t start, std::int64_t minutes) const;

    const Calendar& calendar_;
    GTimeZone* zone_ = nullptr;
    std::set<std::string> holidays_;
    // Mail arrives in bursts: the last answers are remembered (same instant, same question).
    mutable std::mutex memo_mutex_;
    mutable std::int64_t memo_in_hours_at_ = -1;
    mutable bool memo_in_hours_ = false;
    struct AddMemo {
        std::int64_t start = -1, minutes = -1, result = 0;
    };
    mutable std::array<AddMemo, 4> memo_add_{};  // one slot per deadline length in use
    mutable std::size_t memo_next_ = 0;
};

}  // namespace deskgate
