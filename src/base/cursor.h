// Paging cursors: the sort key of the last item of a page (two parts, such as a date and a number), handed
// to the client as URL-safe hex and given back to ask for the page after it.
#ifndef HOLDFAST_BASE_CURSOR_H_
#define HOLDFAST_BASE_CURSOR_H_

#include <string>
#include <string_view>
#include <utility>

#include "base/bytes.h"
#include "base/status.h"

namespace holdfast {

inline std::string EncodeCursor(std::string_view first, std::string_view second) {
  std::string text(first);
  text += '\x1f';
  text += second;
  return Hex(AsBytes(text));
}

// The two parts of a cursor EncodeCursor made; a 422 on the "cursor" parameter for anything else.
inline Result<std::pair<std::string, std::string>> DecodeCursor(std::string_view cursor) {
  auto raw = FromHex(cursor);
  std::string text = raw ? std::string(AsChars(*raw)) : "";
  auto sep = text.find('\x1f');
  if (sep == std::string::npos) return Invalid("the cursor is not one this server gave out", "cursor");
  return std::pair{text.substr(0, sep), text.substr(sep + 1)};
}

}  // namespace holdfast

#endif  // HOLDFAST_BASE_CURSOR_H_
