#include "base/ical.h"

#include <fmt/format.h>

#include "base/date.h"

namespace holdfast::ical {
namespace {

// The length of the UTF-8 sequence starting at s[i], or 0 when it is not a valid, shortest-form sequence of a
// Unicode scalar value.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  uint32_t cp;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
    cp = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    cp = c & 0x0f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

std::string_view StatusName(EventStatus s) {
  switch (s) {
    case EventStatus::kTentative:
      return "TENTATIVE";
    case EventStatus::kConfirmed:
      return "CONFIRMED";
    case EventStatus::kCancelled:
      return "CANCELLED";
  }
  return "CONFIRMED";
}

// Micro-degrees as decimal degrees with six decimals: -94578600 → "-94.578600".
std::string Degrees(int64_t micro) {
  const char* sign = micro < 0 ? "-" : "";
  const uint64_t a = micro < 0 ? static_cast<uint64_t>(-micro) : static_cast<uint64_t>(micro);
  return fmt::format("{}{}.{:06}", sign, a / 1000000, a % 1000000);
}

// Unix ms of 1900-01-01T00:00:00Z and of 10000-01-01T00:00:00Z.
constexpr int64_t kMinUnixMs = -2208988800000;
constexpr int64_t kEndUnixMs = 253402300800000;

}  // namespace

std::optional<std::string> EscapeText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        out += "\\n";
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        break;
      case '\n':
        out += "\\n";
        break;
      default: {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) return std::nullopt;
        const size_t n = Utf8Length(text, i);
        if (n == 0) return std::nullopt;
        out.append(text.substr(i, n));
        i += n;
        continue;
      }
    }
    ++i;
  }
  return out;
}

void AppendFolded(std::string_view line, std::string* out) {
  size_t limit = 75;  // octets on this physical line, the leading space of a continuation included
  size_t used = 0;
  for (size_t i = 0; i < line.size();) {
    size_t n = 1;
    while (i + n < line.size() && (static_cast<unsigned char>(line[i + n]) & 0xc0) == 0x80) ++n;
    if (used + n > limit) {
      *out += "\r\n ";
      used = 1;
      limit = 75;
    }
    out->append(line.substr(i, n));
    used += n;
    i += n;
  }
  *out += "\r\n";
}

std::string UtcDateTime(int64_t unix_ms) {
  const Date d = Date::FromUnixMs(unix_ms);
  int64_t ms_of_day = unix_ms - d.days() * 86400000;
  const int64_t s = ms_of_day / 1000;
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", d.year(), d.month(), d.day(), s / 3600, s / 60 % 60,
                     s % 60);
}

Result<std::string> WriteCalendar(const Calendar& calendar, int64_t stamp_unix_ms) {
  std::string out;
  auto text = [](std::string_view value, const std::string& field) -> Result<std::string> {
    auto escaped = EscapeText(value);
    if (!escaped) return Invalid(field + " holds invalid UTF-8 or a control character", field);
    return *std::move(escaped);
  };
  auto in_range = [](int64_t ms) { return ms >= kMinUnixMs && ms < kEndUnixMs; };
  if (!in_range(stamp_unix_ms))
    return Invalid("the feed's time stamp is outside years 1900 to 9999", "dtstamp");
  HF_ASSIGN_OR_RETURN(std::string prodid, text(calendar.prodid, "prodid"));
  if (calendar.prodid.empty()) return Invalid("prodid is empty", "prodid");
  HF_ASSIGN_OR_RETURN(std::string name, text(calendar.name, "name"));
  AppendFolded("BEGIN:VCALENDAR", &out);
  AppendFolded("VERSION:2.0", &out);
  AppendFolded("PRODID:" + prodid, &out);
  AppendFolded("CALSCALE:GREGORIAN", &out);
  AppendFolded("METHOD:PUBLISH", &out);
  AppendFolded("X-WR-CALNAME:" + name, &out);
  const std::string stamp = UtcDateTime(stamp_unix_ms);
  for (size_t i = 0; i < calendar.events.size(); ++i) {
    const Event& e = calendar.events[i];
    const std::string at = fmt::format("events[{}].", i);
    // A UID is written as a TEXT value; an empty one or one with controls would not identify the event.
    if (e.uid.empty()) return Invalid(at + "uid is empty", at + "uid");
    HF_ASSIGN_OR_RETURN(std::string uid, text(e.uid, at + "uid"));
    if (uid.find("\\n") != std::string::npos) return Invalid(at + "uid holds a line break", at + "uid");
    if (!in_range(e.start_unix_ms) || !in_range(e.end_unix_ms)) {
      return Invalid(at + "start and end must be within years 1900 to 9999", at + "start");
    }
    if (e.end_unix_ms <= e.start_unix_ms) return Invalid(at + "end must be after start", at + "end");
    if (e.lat_micro.has_value() != e.lon_micro.has_value()) {
      return Invalid(at + "geo needs both latitude and longitude", at + "geo");
    }
    if (e.lat_micro && (*e.lat_micro < -90000000 || *e.lat_micro > 90000000 || *e.lon_micro < -180000000 ||
                        *e.lon_micro > 180000000)) {
      return Invalid(at + "geo is out of range", at + "geo");
    }
    HF_ASSIGN_OR_RETURN(std::string summary, text(e.summary, at + "summary"));
    HF_ASSIGN_OR_RETURN(std::string location, text(e.location, at + "location"));
    HF_ASSIGN_OR_RETURN(std::string description, text(e.description, at + "description"));
    std::string categories;
    for (size_t k = 0; k < e.categories.size(); ++k) {
      const std::string field = fmt::format("{}categories[{}]", at, k);
      if (e.categories[k].empty()) return Invalid(field + " is empty", field);
      HF_ASSIGN_OR_RETURN(std::string c, text(e.categories[k], field));
      if (k > 0) categories += ',';
      categories += c;
    }
    AppendFolded("BEGIN:VEVENT", &out);
    AppendFolded("UID:" + uid, &out);
    AppendFolded("DTSTAMP:" + stamp, &out);
    AppendFolded("DTSTART:" + UtcDateTime(e.start_unix_ms), &out);
    AppendFolded("DTEND:" + UtcDateTime(e.end_unix_ms), &out);
    AppendFolded("SUMMARY:" + summary, &out);
    if (!location.empty()) AppendFolded("LOCATION:" + location, &out);
    if (!description.empty()) AppendFolded("DESCRIPTION:" + description, &out);
    if (e.lat_micro) AppendFolded("GEO:" + Degrees(*e.lat_micro) + ";" + Degrees(*e.lon_micro), &out);
    AppendFolded(fmt::format("STATUS:{}", StatusName(e.status)), &out);
    if (!categories.empty()) AppendFolded("CATEGORIES:" + categories, &out);
    AppendFolded("END:VEVENT", &out);
  }
  AppendFolded("END:VCALENDAR", &out);
  return out;
}

}  // namespace holdfast::ical
