// Small checks on text that users type: names, descriptions, references.
#ifndef HOLDFAST_BASE_TEXT_H_
#define HOLDFAST_BASE_TEXT_H_

#include <algorithm>
#include <string>
#include <string_view>

namespace holdfast {

// True when `s` holds a control character (below 0x20, or DEL).
inline bool HasControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// True when `s` is empty or only spaces, tabs and line breaks.
inline bool IsBlank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// `s` for a SQL LIKE pattern written with ESCAPE '\': the wildcards a user typed ('%', '_') and the escape
// character itself match only themselves.
inline std::string EscapeLike(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace holdfast

#endif  // HOLDFAST_BASE_TEXT_H_
