// test_business_hours.cpp - working hours and deadlines in a real IANA zone: weekends,
// holidays, a DST change inside working hours, the end of a range (16:30 is out of hours).
// Expected instants were computed independently (Python zoneinfo).
#include <doctest/doctest.h>

#include "core/model/business_hours.hpp"

using namespace deskgate;

namespace {

Calendar office() {
    Calendar c;
    c.name = "office";
    c.time_zone = "Europe/Prague";
    for (int d = 0; d < 5; ++d) c.weekly[static_cast<std::size_t>(d)] = {{8 * 60, 16 * 60 + 30}};
    c.holidays = {"2026-12-24"};
    return c;
}

constexpr std::int64_t kTue0900 = 1795507200;  // 2026-11-24 09:00 CET
constexpr std::int64_t kTue0800 = 1795503600;
constexpr std::int64_t kTue1630 = 1795534200;
constexpr std::int64_t kTue1700 = 1795536000;
constexpr std::int64_t kSat1000 = 1795856400;  // 2026-11-28
constexpr std::int64_t kFri1600 = 1795791600;  // 2026-11-27
constexpr std::int64_t kMon0830 = 1796023800;  // 2026-11-30
constexpr std::int64_t kHoliday1000 = 1798102800;  // 2026-12-24
constexpr std::int64_t kWed1600 = 1798038000;  // 2026-12-23
constexpr std::int64_t kFri0830 = 1798183800;  // 2026-12-25

}  // namespace

TEST_CASE("in hours: weekday ranges, the end is exclusive, weekends and holidays are out") {
    const Calendar c = office();
    const BusinessCalendar cal(c);
    CHECK(cal.in_hours(kTue0900));
    CHECK(cal.in_hours(kTue0800));
    CHECK_FALSE(cal.in_hours(kTue0800 - 1));
    CHECK_FALSE(cal.in_hours(kTue1630));
    CHECK(cal.in_hours(kTue1630 - 1));
    CHECK_FALSE(cal.in_hours(kTue1700));
    CHECK_FALSE(cal.in_hours(kSat1000));
    CHECK_FALSE(cal.in_hours(kHoliday1000));
    CHECK(cal.local_date(kTue0900) == "2026-11-24");
}

TEST_CASE("deadlines across a weekend and a holiday") {
    const Calendar c = office();
    const BusinessCalendar cal(c);
    CHECK(cal.add_business_minutes(kTue0900, 60) == kTue0900 + 3600);
    CHECK(cal.add_business_minutes(kFri1600, 60) == kMon0830);   // 30 min Friday, 30 Monday
    CHECK(cal.add_business_minutes(kSat1000, 30) == kMon0830);   // counting starts Monday 08:00
    CHECK(cal.add_business_minutes(kWed1600, 60) == kFri0830);   // Thursday 24th is a holiday
    CHECK(cal.add_business_minutes(kTue0900, 0) == kTue0900);
    // a whole working week: 5 x 8.5 h from Tuesday 09:00 ends next Tuesday 09:00
    CHECK(cal.add_business_minutes(kTue0900, 5 * 510) == kTue0900 + 7 * 86400);
}

TEST_CASE("a DST change inside working hours counts the time that really passes") {
    Calendar c;
    c.time_zone = "Europe/Prague";
    c.weekly[6] = {{60, 5 * 60}};  // Sundays 01:00-05:00 local; 2026-03-29 02:00 -> 03:00
    const BusinessCalendar cal(c);
    constexpr std::int64_t kSun0100 = 1774742400;  // 2026-03-29 01:00 CET
    constexpr std::int64_t kSun0500 = 1774753200;  // 2026-03-29 05:00 CEST
    constexpr std::int64_t kNext0200 = 1775347200; // 2026-04-05 02:00 CEST
    CHECK(kSun0500 - kSun0100 == 3 * 3600);        // only three real hours that night
    CHECK(cal.add_business_minutes(kSun0100, 180) == kSun0500);
    CHECK(cal.add_business_minutes(kSun0100, 240) == kNext0200);
    CHECK(cal.in_hours(kSun0100 + 90 * 60));       // 03:30 CEST
}

TEST_CASE("a calendar without hours gives up at its horizon; an unknown zone is UTC") {
    Calendar never;
    never.time_zone = "Europe/Prague";
    const BusinessCalendar cal(never);
    CHECK_FALSE(cal.in_hours(kTue0900));
    CHECK(cal.add_business_minutes(kTue0900, 10) > kTue0900 + 3650LL * 86400);
    Calendar bogus = office();
    bogus.time_zone = "Mars/Olympus";
    const BusinessCalendar utc(bogus);
    CHECK(utc.in_hours(kTue0900));        // 08:00 UTC
    CHECK_FALSE(utc.in_hours(kTue0800));  // 07:00 UTC (08:00 in Prague)
}
