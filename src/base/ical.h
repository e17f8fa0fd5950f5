// iCalendar (RFC 5545) feeds: an inspector's schedule as a calendar any calendar program can subscribe to.
//
// The feed, line by line (each line ends CRLF; long lines folded, see below):
//   BEGIN:VCALENDAR
//   VERSION:2.0
//   PRODID:<prodid>                       default "-//Holdfast//Inspections//EN"
//   CALSCALE:GREGORIAN
//   METHOD:PUBLISH
//   X-WR-CALNAME:<name, TEXT>
//   then per event, in the order given:
//   BEGIN:VEVENT
//   UID:<uid>                             globally unique and stable: e.g. "<inspection id>@<city host>"
//   DTSTAMP:<YYYYMMDDTHHMMSSZ>            when the feed was written, UTC
//   DTSTART:<YYYYMMDDTHHMMSSZ>            UTC (see "Times")
//   DTEND:<YYYYMMDDTHHMMSSZ>              UTC, after DTSTART
//   SUMMARY:<TEXT>
//   LOCATION:<TEXT>                       only when not empty
//   DESCRIPTION:<TEXT>                    only when not empty
//   GEO:<lat>;<lon>                       only when given: decimal degrees with six decimals
//   STATUS:<TENTATIVE|CONFIRMED|CANCELLED>
//   CATEGORIES:<TEXT>,<TEXT>…             only when there are categories
//   END:VEVENT
//   END:VCALENDAR
//
// Times. DTSTART, DTEND and DTSTAMP are written in UTC (form #2 of RFC 5545 §3.3.5, with a "Z"), never as
// local times with a TZID: no VTIMEZONE is needed, so the feed cannot carry a wrong or stale time zone rule,
// and every client shows the events in its own zone. The caller turns the city's local times into UTC
// instants.
//
// TEXT (RFC 5545 §3.3.11): backslash, semicolon and comma are written "\\", "\;" and "\,"; a line break (LF,
// CR LF or a lone CR) is written "\n". Any other control character, and invalid UTF-8, is refused with an
// error naming the event and property, rather than written into a feed a client would reject.
//
// Folding (§3.1): a line longer than 75 octets (not counting its CRLF) is split into a first line of at most
// 75 octets and continuation lines of one space and at most 74 octets, never inside a UTF-8 character.
#ifndef HOLDFAST_BASE_ICAL_H_
#define HOLDFAST_BASE_ICAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace holdfast::ical {

enum class EventStatus { kTentative, kConfirmed, kCancelled };

struct Event {
  std::string uid;
  int64_t start_unix_ms = 0;
  int64_t end_unix_ms = 0;
  std::string summary;
  std::string location;
  std::string description;
  // Latitude and longitude in micro-degrees (as Holdfast stores coordinates), when the place has them.
  std::optional<int64_t> lat_micro;
  std::optional<int64_t> lon_micro;
  EventStatus status = EventStatus::kConfirmed;
  std::vector<std::string> categories;
};

struct Calendar {
  std::string prodid = "-//Holdfast//Inspections//EN";
  std::string name;  // X-WR-CALNAME, e.g. "Inspections: Casey Ortiz"
  std::vector<Event> events;
};

// The feed described above, with DTSTAMP `stamp_unix_ms` on every event. Errors (validation, field named
// "events[i].summary" etc.): an empty or control-holding UID, an end not after its start, a time outside
// years 1900..9999, coordinates out of range or only one of them, invalid UTF-8 or control characters in
// text.
Result<std::string> WriteCalendar(const Calendar& calendar, int64_t stamp_unix_ms);

// TEXT escaping as above; nullopt when `text` holds invalid UTF-8 or a control character other than a line
// break.
std::optional<std::string> EscapeText(std::string_view text);

// Folds one content line (without its CRLF) as above and appends it, with CRLF line ends, to `out`.
// Requires: `line` is valid UTF-8.
void AppendFolded(std::string_view line, std::string* out);

// "YYYYMMDDTHHMMSSZ" for a Unix time in milliseconds (milliseconds dropped).
std::string UtcDateTime(int64_t unix_ms);

}  // namespace holdfast::ical

#endif  // HOLDFAST_BASE_ICAL_H_
