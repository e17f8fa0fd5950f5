// Reading an iCalendar feed with an independent parser: Debian's python3-icalendar (installed by
// scripts/install-deps.sh).
#ifndef HOLDFAST_TESTS_ICAL_READER_H_
#define HOLDFAST_TESTS_ICAL_READER_H_

#include <filesystem>
#include <string>

#include "process.h"

namespace holdfast::testing {

// Parses the feed named by argv[1] and prints what it holds as JSON. Fails (non-zero exit) when the parser
// reports an error on any component or a property is missing.
inline constexpr const char* kIcalReader = R"PY(
import json, sys
import icalendar
with open(sys.argv[1], 'rb') as f:
    cal = icalendar.Calendar.from_ical(f.read())
errors = [(c.name, c.errors) for c in cal.walk() if c.errors]
if errors:
    sys.exit('parse errors: %r' % errors)
def utc(prop):
    dt = prop.dt
    assert dt.tzinfo is not None and dt.utcoffset().total_seconds() == 0, 'not UTC: %r' % dt
    return int(dt.timestamp() * 1000)
events = []
for e in cal.walk('VEVENT'):
    ev = {'uid': str(e['UID']), 'dtstamp': utc(e['DTSTAMP']), 'start': utc(e['DTSTART']),
          'end': utc(e['DTEND']), 'summary': str(e['SUMMARY']), 'status': str(e['STATUS'])}
    for key in ('LOCATION', 'DESCRIPTION'):
        if key in e:
            ev[key.lower()] = str(e[key])
    if 'GEO' in e:
        ev['geo'] = [round(e['GEO'].latitude * 1e6), round(e['GEO'].longitude * 1e6)]
    if 'CATEGORIES' in e:
        ev['categories'] = [str(c) for c in e['CATEGORIES'].cats]
    events.append(ev)
print(json.dumps({'version': str(cal['VERSION']), 'prodid': str(cal['PRODID']),
                  'calscale': str(cal['CALSCALE']), 'method': str(cal['METHOD']),
                  'name': str(cal['X-WR-CALNAME']), 'events': events}))
)PY";

// Debian's interpreter, which python3-icalendar is installed for; another python3 on $PATH may lack it.
inline std::string IcalPython() {
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return FindOnPath("python3");
}

}  // namespace holdfast::testing

#endif  // HOLDFAST_TESTS_ICAL_READER_H_
