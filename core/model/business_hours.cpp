// business_hours.cpp - see business_hours.hpp.
#include "core/model/business_hours.hpp"

#include <glib.h>

#include <algorithm>
#include <memory>

#include <fmt/format.h>

namespace deskgate {

namespace {

constexpr std::int64_t kHorizonDays = 3660;

struct DateTimeUnref {
    void operator()(GDateTime* d) const {
        if (d) g_date_time_unref(d);
    }
};
using DateTime = std::unique_ptr<GDateTime, DateTimeUnref>;

}  // namespace

BusinessCalendar::BusinessCalendar(const Calendar& calendar) : calendar_(calendar) {
    zone_ = calendar.time_zone.empty() ? nullptr : g_time_zone_new_identifier(calendar.time_zone.c_str());
    if (!zone_) zone_ = g_time_zone_new_utc();
    holidays_.insert(calendar.holidays.begin(), calendar.holidays.end());
}

BusinessCalendar::~BusinessCalendar() {
    if (zone_) g_time_zone_unref(zone_);
}

BusinessCalendar::Day BusinessCalendar::local_day(std::int64_t instant) const {
    DateTime utc(g_date_time_new_from_unix_utc(instant));
    DateTime local(utc ? g_date_time_to_timezone(utc.get(), zone_) : nullptr);
    Day d;
    if (!local) return d;
    d.year = g_date_time_get_year(local.get());
    d.month = g_date_time_get_month(local.get());
    d.day = g_date_time_get_day_of_month(local.get());
    d.weekday = g_date_time_get_day_of_week(local.get()) - 1;  // GLib: 1 = Monday
    return d;
}

BusinessCalendar::Day BusinessCalendar::next_day(const Day& d) const {
    // Noon avoids every DST edge when stepping a day.
    DateTime noon(g_date_time_new(zone_, d.year, d.month, d.day, 12, 0, 0));
    DateTime next(noon ? g_date_time_add_days(noon.get(), 1) : nullptr);
    Day n;
    if (!next) return n;
    n.year = g_date_time_get_year(next.get());
    n.month = g_date_time_get_month(next.get());
    n.day = g_date_time_get_day_of_month(next.get());
    n.weekday = g_date_time_get_day_of_week(next.get()) - 1;
    return n;
}

std::int64_t BusinessCalendar::at(const Day& d, int minute) const {
    if (minute >= 24 * 60) {  // 24:00 is the next day's midnight
        const Day n = next_day(d);
        return at(n, minute - 24 * 60);
    }
    // A wall-clock time skipped by DST is moved forward by GLib; that is what we want.
    DateTime t(g_date_time_new(zone_, d.year, d.month, d.day, minute / 60, minute % 60, 0));
    return t ? g_date_time_to_unix(t.get()) : 0;
}

bool BusinessCalendar::holiday(const Day& d) const {
    return holidays_.contains(fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day));
}

std::string BusinessCalendar::local_date(std::int64_t instant) const {
    const Day d = local_day(instant);
    return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

bool BusinessCalendar::in_hours(std::int64_t instant) const {
    {
        std::lock_guard lock(memo_mutex_);
        if (instant == memo_in_hours_at_) return memo_in_hours_;
    }
    bool result = false;
    const Day d = local_day(instant);
    if (d.year != 0 && !holiday(d))
        for (const TimeRange& r : calendar_.weekly[static_cast<std::size_t>(d.weekday)])
            if (instant >= at(d, r.start) && instant < at(d, r.end)) result = true;
    std::lock_guard lock(memo_mutex_);
    memo_in_hours_at_ = instant;
    memo_in_hours_ = result;
    return result;
}

std::int64_t BusinessCalendar::add_business_minutes(std::int64_t start, std::int64_t minutes) const {
    {
        std::lock_guard lock(memo_mutex_);
        for (const AddMemo& m : memo_add_)
            if (m.start == start && m.minutes == minutes) return m.result;
    }
    const std::int64_t result = compute_business_minutes(start, minutes);
    std::lock_guard lock(memo_mutex_);
    memo_add_[memo_next_] = AddMemo{start, minutes, result};
    memo_next_ = (memo_next_ + 1) % memo_add_.size();
    return result;
}

std::int64_t BusinessCalendar::compute_business_minutes(std::int64_t start, std::int64_t minutes) const {
    std::int64_t remaining = std::max<std::int64_t>(0, minutes) * 60;
    Day d = local_day(start);
    for (std::int64_t i = 0; i < kHorizonDays && d.year != 0; ++i, d = next_day(d)) {
        if (holiday(d)) continue;
        auto ranges = calendar_.weekly[static_cast<std::size_t>(d.weekday)];
        std::sort(ranges.begin(), ranges.end(), [](const TimeRange& a, const TimeRange& b) { return a.start < b.start; });
        for (const TimeRange& r : ranges) {
            const std::int64_t from = std::max(start, at(d, r.start));
            const std::int64_t to = at(d, r.end);
            if (from >= to) continue;
            if (to - from >= remaining) return from + remaining;
            remaining -= to - from;
        }
    }
    return start + kHorizonDays * 86400;
}

}  // namespace deskgate
