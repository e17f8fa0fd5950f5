#include "domain/slots.h"

#include <fmt/format.h>

#include <vector>

namespace holdfast::domain {

std::string_view WindowName(Window window) { return window == Window::kAm ? "AM" : "PM"; }

Result<Window> ParseWindow(std::string_view text, std::string_view field) {
  if (text == "AM") return Window::kAm;
  if (text == "PM") return Window::kPm;
  return Invalid(fmt::format("{:?} is not a window: AM or PM", std::string(text)), std::string(field));
}

std::string Slot::ToString() const {
  return fmt::format("{} {} {}", day.ToString(), WindowName(window), inspector);
}

Status ValidateInspectors(std::span<const Inspector> inspectors) {
  std::set<std::string_view> ids;
  for (size_t i = 0; i < inspectors.size(); ++i) {
    const Inspector& in = inspectors[i];
    std::string at = fmt::format("inspectors[{}]", i);
    if (in.id.empty()) return Invalid(at + ".id is empty", at + ".id");
    if (!ids.insert(in.id).second) return Invalid(fmt::format("{}.id repeats {}", at, in.id), at + ".id");
    if (in.capacity_per_window < 0 || in.capacity_per_window > 1000) {
      return Invalid(at + ".capacity_per_window must be 0 to 1000", at + ".capacity_per_window");
    }
    for (const std::string& area : in.areas) {
      if (area.empty()) return Invalid(at + ".areas holds an empty area", at + ".areas");
    }
  }
  return Status::Ok();
}

Status CheckRequestedDay(Date requested, Date today, Date earliest, std::string_view field) {
  if (requested < today) {
    return MakeError(Code::kInvalid,
                     fmt::format("the requested date {} is in the past (today is {})", requested.ToString(),
                                 today.ToString()),
                     "requested-date-in-past", std::string(field));
  }
  if (requested < earliest) {
    return MakeError(Code::kInvalid,
                     fmt::format("the requested date {} is before the earliest inspection day {}",
                                 requested.ToString(), earliest.ToString()),
                     "requested-date-too-early", std::string(field));
  }
  return Status::Ok();
}

Result<Slot> FindSlot(const BusinessCalendar& calendar, std::span<const Inspector> inspectors,
                      const SlotRequest& request, const BookedCount& booked) {
  HF_RETURN_IF_ERROR(ValidateInspectors(inspectors));
  if (request.horizon_business_days < 1 || request.horizon_business_days > 366) {
    return Invalid("the search horizon must be 1 to 366 business days", "horizon_business_days");
  }
  std::vector<const Inspector*> covering;
  for (const Inspector& in : inspectors) {
    if (in.areas.count(request.area) > 0) covering.push_back(&in);
  }
  if (covering.empty()) {
    return MakeError(Code::kConflict, fmt::format("no inspector covers area {:?}", request.area),
                     "no-inspector-for-area", "area");
  }

  Date start = request.earliest;
  if (request.preferred_day && *request.preferred_day > start) start = *request.preferred_day;
  Date day = calendar.OnOrAfter(start);
  std::vector<Window> windows = {Window::kAm, Window::kPm};
  if (request.preferred_window) windows = {*request.preferred_window};

  for (int n = 0; n < request.horizon_business_days; ++n, day = calendar.NextBusinessDay(day)) {
    for (Window w : windows) {
      const Inspector* best = nullptr;
      int best_booked = 0;
      for (const Inspector* in : covering) {
        if (in->capacity_per_window == 0) continue;
        HF_ASSIGN_OR_RETURN(int count, booked(in->id, day, w));
        if (count >= in->capacity_per_window) continue;
        if (!best || count < best_booked || (count == best_booked && in->id < best->id)) {
          best = in;
          best_booked = count;
        }
      }
      if (best) return Slot{day, w, best->id};
    }
  }
  return MakeError(
      Code::kConflict,
      fmt::format("no inspector of area {:?} has a free {}slot in the {} business days from {}", request.area,
                  request.preferred_window ? fmt::format("{} ", WindowName(*request.preferred_window))
                                           : std::string(),
                  request.horizon_business_days, calendar.OnOrAfter(start).ToString()),
      "no-slot-available");
}

}  // namespace holdfast::domain
