#include "base/status.h"

namespace holdfast {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalid:
      return "invalid";
    case Code::kNotFound:
      return "not-found";
    case Code::kConflict:
      return "conflict";
    case Code::kUnauthorized:
      return "unauthorized";
    case Code::kForbidden:
      return "forbidden";
    case Code::kLocked:
      return "locked";
    case Code::kTooLarge:
      return "too-large";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kIo:
      return "io";
    case Code::kCorrupt:
      return "corrupt";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace holdfast
