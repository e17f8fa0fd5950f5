#include "domain/lockbox.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

#include "base/bytes.h"
#include "base/crypto.h"

namespace holdfast::domain {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr Cents kMaxFileTotalCents = (int64_t{1} << 53) - 1;
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxAccountBytes = 64;
constexpr size_t kMaxNameBytes = 200;
constexpr size_t kMaxCheckDigits = 15;

Error Bad(int line, std::string_view what) {
  return MakeError(Code::kInvalid, fmt::format("line {}: {}", line, what), "lockbox-malformed",
                   fmt::format("line {}", line));
}

// A value for a message: quoted, escaped, and cut short if long.
std::string Shown(std::string_view value) {
  constexpr size_t kMax = 40;
  if (value.size() <= kMax) return fmt::format("{:?}", value);
  return fmt::format("{:?}…", value.substr(0, kMax));
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Digits only, so at most 18 of them always fit.
int64_t DigitsValue(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// Checks one text field: valid UTF-8, no control characters, between min and max bytes long.
Status CheckText(int line, std::string_view what, std::string_view value, size_t min, size_t max) {
  if (!IsValidUtf8(value)) return Bad(line, fmt::format("{} {} is not valid UTF-8 text", what, Shown(value)));
  if (HasControlChar(value)) {
    return Bad(line, fmt::format("{} {} holds a control character or line break", what, Shown(value)));
  }
  if (value.size() < min) return Bad(line, fmt::format("{} is empty", what));
  if (value.size() > max) {
    return Bad(line, fmt::format("{} {} is longer than {} bytes", what, Shown(value), max));
  }
  return Status::Ok();
}

Status CheckCheckNumber(int line, std::string_view value) {
  if (value.empty()) return Status::Ok();
  if (!IsDigits(value) || value.size() > kMaxCheckDigits) {
    return Bad(line, fmt::format("check number {} is not 1 to {} digits", Shown(value), kMaxCheckDigits));
  }
  return Status::Ok();
}

// An item's amount, once read as cents: more than zero and at most kMaxAmountCents.
Status CheckItemAmount(int line, std::string_view text, Cents cents) {
  if (cents == 0)
    return Bad(line, fmt::format("amount {} is zero; an item is a payment received", Shown(text)));
  if (cents > kMaxAmountCents) {
    return Bad(line, fmt::format("amount {} is more than the largest accepted amount, {}", Shown(text),
                                 FormatCents(kMaxAmountCents)));
  }
  return Status::Ok();
}

struct Line {
  int number = 0;
  std::string_view text;  // without its line ending
};

// Splits the bytes (after any byte order mark) into lines, enforcing one kind of line ending and no blank
// lines.
Result<std::vector<Line>> SplitLines(std::string_view body) {
  if (body.empty()) return Bad(1, "the file is empty");
  std::vector<Line> lines;
  const size_t first_lf = body.find('\n');
  const bool crlf = first_lf != std::string_view::npos && first_lf > 0 && body[first_lf - 1] == '\r';
  size_t pos = 0;
  int number = 0;
  while (pos < body.size()) {
    ++number;
    size_t lf = body.find('\n', pos);
    const bool ended = lf != std::string_view::npos;
    std::string_view text = body.substr(pos, ended ? lf - pos : std::string_view::npos);
    pos = ended ? lf + 1 : body.size();
    if (ended && crlf) {
      if (text.empty() || text.back() != '\r') {
        return Bad(number, "ends with LF alone, but line 1 ends with CR LF; use one kind of line ending");
      }
      text.remove_suffix(1);
    } else if (ended && !text.empty() && text.back() == '\r') {
      return Bad(number, "ends with CR LF, but line 1 ends with LF alone; use one kind of line ending");
    }
    if (!ended && !text.empty() && text.back() == '\r') {
      return Bad(number, "ends with a carriage return without a line feed");
    }
    if (text.empty()) return Bad(number, "is blank; blank lines are not allowed");
    lines.push_back({number, text});
  }
  return lines;
}

Status CheckSize(std::string_view bytes) {
  if (bytes.size() > kMaxLockboxFileBytes) {
    return MakeError(Code::kInvalid,
                     fmt::format("the file is {} bytes; lockbox files over 50 MB are refused", bytes.size()),
                     "lockbox-malformed", "file");
  }
  return Status::Ok();
}

std::string_view WithoutBom(std::string_view bytes) {
  if (bytes.starts_with(kBom)) bytes.remove_prefix(kBom.size());
  return bytes;
}

Status CheckDuplicate(std::map<std::string, int, std::less<>>& seen, const LockboxItem& item) {
  auto [it, inserted] = seen.emplace(item.item_id, item.line);
  if (!inserted) {
    return Bad(item.line, fmt::format("item id {} is used again; it was first used on line {}",
                                      Shown(item.item_id), it->second));
  }
  return Status::Ok();
}

Status AddToTotal(int line, Cents& total, Cents amount) {
  total += amount;  // both at most 2^53 - 1 here, so no overflow
  if (total > kMaxFileTotalCents) return Bad(line, "the items add up to more than a file may hold");
  return Status::Ok();
}

// ---- CSV ----

// Splits one line into RFC 4180 fields.
Result<std::vector<std::string>> SplitCsv(const Line& line) {
  std::vector<std::string> fields;
  std::string_view s = line.text;
  size_t i = 0;
  while (true) {
    std::string field;
    const size_t number = fields.size() + 1;
    if (i < s.size() && s[i] == '"') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '"') {
          if (i + 1 < s.size() && s[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field += s[i++];
      }
      if (!closed)
        return Bad(line.number, fmt::format("field {} opens a quote that is never closed", number));
      if (i < s.size() && s[i] != ',') {
        return Bad(
            line.number,
            fmt::format("field {} has text after its closing quote; double a quote inside a quoted field",
                        number));
      }
    } else {
      size_t end = s.find(',', i);
      if (end == std::string_view::npos) end = s.size();
      std::string_view bare = s.substr(i, end - i);
      if (bare.find('"') != std::string_view::npos) {
        return Bad(line.number,
                   fmt::format("field {} holds a quote but is not quoted; quote the whole field and double "
                               "the quote",
                               number));
      }
      field.assign(bare);
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= s.size()) break;
    ++i;  // the comma
    if (i == s.size()) {
      fields.emplace_back();
      break;
    }
  }
  return fields;
}

// "123.45": digits without a leading zero (unless the only one), a point, two digits.
Result<Cents> ParseDollars(int line, std::string_view what, std::string_view text, size_t max_whole_digits) {
  if (text.empty()) return Bad(line, fmt::format("{} is empty", what));
  if (text[0] == '-') {
    return Bad(line, fmt::format("{} {} is negative; an item is a payment received", what, Shown(text)));
  }
  const size_t point = text.find('.');
  if (point == std::string_view::npos || !IsDigits(text.substr(0, point)) || text.size() - point != 3 ||
      !IsDigits(text.substr(point + 1))) {
    return Bad(line, fmt::format("{} {} is not dollars with two decimals, like 123.45", what, Shown(text)));
  }
  if (point > 1 && text[0] == '0')
    return Bad(line, fmt::format("{} {} has a leading zero", what, Shown(text)));
  if (point > max_whole_digits) return Bad(line, fmt::format("{} {} has too many digits", what, Shown(text)));
  return DigitsValue(text.substr(0, point)) * 100 + DigitsValue(text.substr(point + 1));
}

Result<int64_t> ParseCsvCount(int line, std::string_view text) {
  if (!IsDigits(text) || (text.size() > 1 && text[0] == '0') || text.size() > 9) {
    return Bad(line, fmt::format("item count {} is not a whole number", Shown(text)));
  }
  return DigitsValue(text);
}

Status CheckFieldCount(const Line& line, std::string_view record, const std::vector<std::string>& fields,
                       size_t want) {
  if (fields.size() != want) {
    return Bad(line.number,
               fmt::format("the {} record has {} fields; it needs {}", record, fields.size(), want));
  }
  return Status::Ok();
}

Result<LockboxItem> ParseCsvItem(const Line& line, std::vector<std::string>& f) {
  HF_RETURN_IF_ERROR(CheckFieldCount(line, "item", f, 6));
  LockboxItem item;
  item.line = line.number;
  HF_RETURN_IF_ERROR(CheckText(line.number, "item id", f[1], 1, kMaxIdBytes));
  HF_RETURN_IF_ERROR(CheckText(line.number, "account", f[2], 0, kMaxAccountBytes));
  HF_ASSIGN_OR_RETURN(item.amount_cents, ParseDollars(line.number, "amount", f[3], 8));
  HF_RETURN_IF_ERROR(CheckItemAmount(line.number, f[3], item.amount_cents));
  HF_RETURN_IF_ERROR(CheckCheckNumber(line.number, f[4]));
  HF_RETURN_IF_ERROR(CheckText(line.number, "payer name", f[5], 0, kMaxNameBytes));
  item.item_id = std::move(f[1]);
  item.account = std::move(f[2]);
  item.check_number = std::move(f[4]);
  item.payer_name = std::move(f[5]);
  return item;
}

// ---- BAI2 ----

// One BAI2 record with the 88 continuations that follow it.
struct Bai2Record {
  std::string_view code;
  int line = 0;                          // of the record itself
  int last_line = 0;                     // of its last continuation
  int physical = 1;                      // lines: the record and its 88s
  std::vector<std::string_view> pieces;  // each line after "NN,", without a final "/"
  std::vector<bool> slashed;             // whether each piece ended with "/"
};

std::vector<std::string_view> SplitCommas(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
}

// The fields of a record that is not a 16: every piece must end with "/", and continuations add fields.
Result<std::vector<std::string_view>> Fields(const Bai2Record& r) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < r.pieces.size(); ++i) {
    if (!r.slashed[i]) {
      return Bad(r.line + static_cast<int>(i), fmt::format("the {} record does not end with \"/\"", r.code));
    }
    auto more = SplitCommas(r.pieces[i]);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

Status CheckBai2FieldCount(const Bai2Record& r, std::string_view name, const std::vector<std::string_view>& f,
                           size_t want) {
  if (f.size() != want) {
    return Bad(r.line, fmt::format("the {} ({}) has {} fields after its record code; it needs {}", r.code,
                                   name, f.size(), want));
  }
  return Status::Ok();
}

// YYMMDD, read as 20YY-MM-DD.
Result<Date> ParseYymmdd(int line, std::string_view what, std::string_view text) {
  if (text.size() == 6 && IsDigits(text)) {
    auto d = Date::Parse(fmt::format("20{}-{}-{}", text.substr(0, 2), text.substr(2, 2), text.substr(4, 2)));
    if (d.ok()) return *d;
  }
  return Bad(line, fmt::format("{} {} is not a date written YYMMDD", what, Shown(text)));
}

Status CheckHhmm(int line, std::string_view what, std::string_view text, bool optional) {
  if (text.empty() && optional) return Status::Ok();
  if (text.size() == 4 && IsDigits(text)) {
    const int64_t hh = DigitsValue(text.substr(0, 2)), mm = DigitsValue(text.substr(2));
    if (text == "9999" || (hh < 24 && mm < 60) || text == "2400") return Status::Ok();
  }
  return Bad(line, fmt::format("{} {} is not a time written HHMM", what, Shown(text)));
}

Status CheckCurrency(int line, std::string_view text) {
  if (text.empty() || text == "USD") return Status::Ok();
  return Bad(line, fmt::format("currency {} is not USD; only dollar amounts are accepted", Shown(text)));
}

// A signed amount in cents of at most `max_digits` digits; empty is zero when `optional`.
Result<int64_t> ParseSignedCents(int line, std::string_view what, std::string_view text, size_t max_digits,
                                 bool optional) {
  if (text.empty()) {
    if (optional) return int64_t{0};
    return Bad(line, fmt::format("{} is empty", what));
  }
  bool negative = false;
  std::string_view digits = text;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (!IsDigits(digits)) return Bad(line, fmt::format("{} {} is not a number of cents", what, Shown(text)));
  if (digits.size() > max_digits)
    return Bad(line, fmt::format("{} {} has too many digits", what, Shown(text)));
  const int64_t v = DigitsValue(digits);
  return negative ? -v : v;
}

Result<int64_t> ParseBaiCount(int line, std::string_view what, std::string_view text) {
  if (!IsDigits(text) || text.size() > 9) {
    return Bad(line, fmt::format("{} {} is not a whole number", what, Shown(text)));
  }
  return DigitsValue(text);
}

Status Add(int line, int64_t& sum, int64_t amount) {
  if (__builtin_add_overflow(sum, amount, &sum)) return Bad(line, "the amounts add up to too large a number");
  return Status::Ok();
}

// The number of fields that follow a funds type, or an error.
Result<size_t> FundsTypeExtra(int line, std::string_view funds, std::string_view next) {
  if (funds.empty() || funds == "0" || funds == "1" || funds == "2" || funds == "Z") return size_t{0};
  if (funds == "V") return size_t{2};
  if (funds == "S") return size_t{3};
  if (funds == "D") {
    if (!IsDigits(next) || next.size() > 2) {
      return Bad(line,
                 fmt::format("the number of distributions {} is not a small whole number", Shown(next)));
    }
    return 1 + 2 * static_cast<size_t>(DigitsValue(next));
  }
  return Bad(line, fmt::format("funds type {} is not 0, 1, 2, V, S, D or Z", Shown(funds)));
}

// Sums the summary amounts of an 03 (with its continuations) into `sum`.
Status ReadAccountHeader(const Bai2Record& r, int64_t& sum) {
  HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
  if (f.size() < 2) {
    return Bad(r.line, "an 03 (account identifier) needs at least the account number and currency");
  }
  HF_RETURN_IF_ERROR(CheckText(r.line, "bank account number", f[0], 1, kMaxIdBytes));
  HF_RETURN_IF_ERROR(CheckCurrency(r.line, f[1]));
  size_t i = 2;
  auto at = [&](size_t k) { return k < f.size() ? f[k] : std::string_view(); };
  while (i < f.size()) {
    if (std::all_of(f.begin() + static_cast<std::ptrdiff_t>(i), f.end(),
                    [](std::string_view x) { return x.empty(); })) {
      break;
    }
    const std::string_view type = at(i);
    if (type.size() != 3 || !IsDigits(type)) {
      return Bad(r.line, fmt::format("summary type code {} is not three digits", Shown(type)));
    }
    HF_ASSIGN_OR_RETURN(int64_t amount, ParseSignedCents(r.line, "summary amount", at(i + 1), 15, true));
    HF_RETURN_IF_ERROR(Add(r.line, sum, amount));
    if (!at(i + 2).empty()) HF_RETURN_IF_ERROR(ParseBaiCount(r.line, "item count", at(i + 2)).status());
    HF_ASSIGN_OR_RETURN(size_t extra, FundsTypeExtra(r.line, at(i + 3), at(i + 4)));
    i += 4 + extra;
  }
  return Status::Ok();
}

// Reads a 16 (with its continuations) as an item; see the header for the convention.
Result<LockboxItem> ReadDetail(const Bai2Record& r) {
  size_t p = 0, pos = 0;  // the piece and the offset in it of the next field
  // The next comma-separated field; empty once the pieces are used up.
  auto next = [&]() -> std::string_view {
    while (p < r.pieces.size() && pos > r.pieces[p].size()) {
      ++p;
      pos = 0;
    }
    if (p >= r.pieces.size()) return {};
    std::string_view piece = r.pieces[p];
    size_t comma = piece.find(',', pos);
    std::string_view field;
    if (comma == std::string_view::npos) {
      field = piece.substr(pos);
      pos = piece.size() + 1;
    } else {
      field = piece.substr(pos, comma - pos);
      pos = comma + 1;
    }
    return field;
  };
  LockboxItem item;
  item.line = r.line;
  const std::string_view type = next();
  if (type != "115" && type != "116") {
    return Bad(r.line, fmt::format("detail type code {} is not a lockbox item (115 or 116)", Shown(type)));
  }
  const std::string_view amount = next();
  if (amount.empty()) return Bad(r.line, "the item has no amount");
  if (amount[0] == '-' || amount[0] == '+') {
    return Bad(r.line, fmt::format("amount {} has a sign; a 16 amount is unsigned cents", Shown(amount)));
  }
  if (!IsDigits(amount)) return Bad(r.line, fmt::format("amount {} is not a number of cents", Shown(amount)));
  if (amount.size() > 12) return Bad(r.line, fmt::format("amount {} has too many digits", Shown(amount)));
  item.amount_cents = DigitsValue(amount);
  HF_RETURN_IF_ERROR(CheckItemAmount(r.line, amount, item.amount_cents));
  const std::string_view funds = next();
  std::string_view first_extra;
  size_t extra = 0;
  if (funds == "D") {
    first_extra = next();
    HF_ASSIGN_OR_RETURN(extra, FundsTypeExtra(r.line, funds, first_extra));
    --extra;
  } else {
    HF_ASSIGN_OR_RETURN(extra, FundsTypeExtra(r.line, funds, {}));
  }
  for (size_t k = 0; k < extra; ++k) next();
  const std::string_view bank_ref = next();
  const std::string_view customer_ref = next();
  std::string text;
  if (p < r.pieces.size() && pos <= r.pieces[p].size()) text.assign(r.pieces[p].substr(pos));
  for (size_t k = p + 1; k < r.pieces.size(); ++k) {
    if (!text.empty()) text += ' ';
    text += r.pieces[k];
  }
  if (bank_ref.empty()) return Bad(r.line, "the item has no bank reference, which is its item id");
  HF_RETURN_IF_ERROR(CheckText(r.line, "bank reference (item id)", bank_ref, 1, kMaxIdBytes));
  HF_RETURN_IF_ERROR(CheckText(r.line, "customer reference (account)", customer_ref, 0, kMaxAccountBytes));
  item.item_id.assign(bank_ref);
  item.account.assign(customer_ref);
  const size_t semi = text.find(';');
  if (semi != std::string::npos && semi <= kMaxCheckDigits &&
      std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(semi),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    item.check_number = text.substr(0, semi);
    item.payer_name = text.substr(semi + 1);
  } else {
    item.payer_name = std::move(text);
  }
  HF_RETURN_IF_ERROR(CheckText(r.line, "payer name", item.payer_name, 0, kMaxNameBytes));
  return item;
}

Result<std::vector<Bai2Record>> Bai2Records(const std::vector<Line>& lines) {
  std::vector<Bai2Record> records;
  for (const Line& line : lines) {
    std::string_view text = line.text;
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (!IsValidUtf8(text)) return Bad(line.number, "holds bytes that are not valid UTF-8 text");
    if (HasControlChar(text)) return Bad(line.number, "holds a control character");
    if (text.size() < 3 || text[2] != ',' || !IsDigits(text.substr(0, 2))) {
      return Bad(line.number,
                 fmt::format("does not start with a two-digit record code and a comma: {}", Shown(text)));
    }
    const std::string_view code = text.substr(0, 2);
    static constexpr std::string_view kCodes[] = {"01", "02", "03", "16", "88", "49", "98", "99"};
    if (std::find(std::begin(kCodes), std::end(kCodes), code) == std::end(kCodes)) {
      return Bad(line.number,
                 fmt::format("unknown record code {}; a BAI2 file has 01, 02, 03, 16, 88, 49, 98 and 99",
                             Shown(code)));
    }
    std::string_view body = text.substr(3);
    const bool slashed = !body.empty() && body.back() == '/';
    if (slashed) body.remove_suffix(1);
    if (code == "88") {
      if (records.empty() || (records.back().code != "03" && records.back().code != "16")) {
        return Bad(line.number, "a continuation (88) may only follow an 03, 16 or 88 record");
      }
      Bai2Record& r = records.back();
      r.pieces.push_back(body);
      r.slashed.push_back(slashed);
      r.last_line = line.number;
      ++r.physical;
      continue;
    }
    records.push_back({code, line.number, line.number, 1, {body}, {slashed}});
  }
  return records;
}

}  // namespace

Result<LockboxFile> ParseLockboxCsv(std::string_view bytes) {
  HF_RETURN_IF_ERROR(CheckSize(bytes));
  LockboxFile file;
  file.format = "csv";
  file.sha256 = Hex(Sha256(bytes));
  HF_ASSIGN_OR_RETURN(std::vector<Line> lines, SplitLines(WithoutBom(bytes)));
  std::map<std::string, int, std::less<>> seen;
  bool header = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    HF_ASSIGN_OR_RETURN(std::vector<std::string> f, SplitCsv(line));
    const std::string& kind = f[0];
    if (!header && kind != "lockbox") {
      return Bad(line.number,
                 fmt::format("the file must start with a lockbox header record, not {}", Shown(kind)));
    }
    if (kind == "lockbox") {
      if (header) return Bad(line.number, "a second lockbox header record; the header is on line 1");
      HF_RETURN_IF_ERROR(CheckFieldCount(line, "lockbox", f, 3));
      HF_RETURN_IF_ERROR(CheckText(line.number, "file id", f[1], 1, kMaxIdBytes));
      auto date = Date::Parse(f[2]);
      if (!date.ok()) {
        return Bad(line.number, fmt::format("deposit date {} is not a date written YYYY-MM-DD", Shown(f[2])));
      }
      file.file_id = std::move(f[1]);
      file.deposit_date = *date;
      header = true;
    } else if (kind == "item") {
      HF_ASSIGN_OR_RETURN(LockboxItem item, ParseCsvItem(line, f));
      HF_RETURN_IF_ERROR(CheckDuplicate(seen, item));
      HF_RETURN_IF_ERROR(AddToTotal(line.number, file.total_cents, item.amount_cents));
      file.items.push_back(std::move(item));
    } else if (kind == "total") {
      HF_RETURN_IF_ERROR(CheckFieldCount(line, "total", f, 3));
      HF_ASSIGN_OR_RETURN(int64_t count, ParseCsvCount(line.number, f[1]));
      HF_ASSIGN_OR_RETURN(Cents total, ParseDollars(line.number, "total", f[2], 16));
      if (count != static_cast<int64_t>(file.items.size())) {
        return Bad(line.number, fmt::format("the total record counts {} items but the file holds {}", count,
                                            file.items.size()));
      }
      if (total != file.total_cents) {
        return Bad(line.number, fmt::format("the total record says {} but the items add up to {}",
                                            FormatCents(total), FormatCents(file.total_cents)));
      }
      if (i + 1 < lines.size()) {
        return Bad(
            lines[i + 1].number,
            fmt::format("content after the total record on line {}; the total must be last", line.number));
      }
      return file;
    } else {
      return Bad(line.number,
                 fmt::format("unknown record type {}; a record is lockbox, item or total", Shown(kind)));
    }
  }
  return Bad(lines.back().number, "the file ends without its total record");
}

Result<LockboxFile> ParseBai2(std::string_view bytes) {
  HF_RETURN_IF_ERROR(CheckSize(bytes));
  LockboxFile file;
  file.format = "bai2";
  file.sha256 = Hex(Sha256(bytes));
  HF_ASSIGN_OR_RETURN(std::vector<Line> lines, SplitLines(WithoutBom(bytes)));
  HF_ASSIGN_OR_RETURN(std::vector<Bai2Record> records, Bai2Records(lines));
  if (records.front().code != "01")
    return Bad(records.front().line, "a BAI2 file must start with a 01 file header");

  std::map<std::string, int, std::less<>> seen;
  int64_t file_records = 0, file_total = 0, groups = 0;
  int64_t group_records = 0, group_total = 0, group_accounts = 0;
  int64_t account_records = 0, account_total = 0;
  int group_line = 0, account_line = 0;  // the open group's 02 and account's 03, or 0
  int deposit_line = 0;                  // the 02 that set the deposit date

  for (size_t i = 0; i < records.size(); ++i) {
    const Bai2Record& r = records[i];
    file_records += r.physical;
    if (group_line) group_records += r.physical;
    if (account_line) account_records += r.physical;
    if (r.code == "01") {
      if (i != 0) return Bad(r.line, "a second 01 file header; the file header is on line 1");
      HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
      HF_RETURN_IF_ERROR(CheckBai2FieldCount(r, "file header", f, 8));
      HF_RETURN_IF_ERROR(CheckText(r.line, "sender identification", f[0], 1, kMaxIdBytes));
      HF_RETURN_IF_ERROR(CheckText(r.line, "receiver identification", f[1], 1, kMaxIdBytes));
      HF_RETURN_IF_ERROR(ParseYymmdd(r.line, "file creation date", f[2]).status());
      HF_RETURN_IF_ERROR(CheckHhmm(r.line, "file creation time", f[3], false));
      HF_RETURN_IF_ERROR(CheckText(r.line, "file identification number", f[4], 1, kMaxIdBytes));
      if (!f[5].empty() && !IsDigits(f[5])) return Bad(r.line, "the physical record length is not a number");
      if (!f[6].empty() && !IsDigits(f[6])) return Bad(r.line, "the block size is not a number");
      if (f[7] != "2") return Bad(r.line, fmt::format("version {} is not BAI2 (version 2)", Shown(f[7])));
      file.file_id.assign(f[4]);
    } else if (r.code == "02") {
      if (group_line) {
        return Bad(r.line,
                   fmt::format("a 02 group header inside the group begun on line {}, before its 98 trailer",
                               group_line));
      }
      HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
      HF_RETURN_IF_ERROR(CheckBai2FieldCount(r, "group header", f, 7));
      HF_RETURN_IF_ERROR(CheckText(r.line, "ultimate receiver identification", f[0], 0, kMaxIdBytes));
      HF_RETURN_IF_ERROR(CheckText(r.line, "originator identification", f[1], 1, kMaxIdBytes));
      if (f[2] != "1") {
        return Bad(r.line, fmt::format("group status {} is not 1 (update); only update groups are accepted",
                                       Shown(f[2])));
      }
      HF_ASSIGN_OR_RETURN(Date as_of, ParseYymmdd(r.line, "as-of date", f[3]));
      HF_RETURN_IF_ERROR(CheckHhmm(r.line, "as-of time", f[4], true));
      HF_RETURN_IF_ERROR(CheckCurrency(r.line, f[5]));
      if (!f[6].empty() && (f[6].size() != 1 || f[6][0] < '1' || f[6][0] > '4')) {
        return Bad(r.line, fmt::format("as-of-date modifier {} is not 1, 2, 3 or 4", Shown(f[6])));
      }
      if (deposit_line && as_of != file.deposit_date) {
        return Bad(r.line,
                   fmt::format("as-of date {} differs from {} on line {}; a file holds one deposit day",
                               as_of.ToString(), file.deposit_date.ToString(), deposit_line));
      }
      file.deposit_date = as_of;
      deposit_line = r.line;
      group_line = r.line;
      group_records = r.physical;
      group_total = 0;
      group_accounts = 0;
    } else if (r.code == "03") {
      if (!group_line) return Bad(r.line, "an 03 account identifier outside a group (no 02 before it)");
      if (account_line) {
        return Bad(r.line,
                   fmt::format("an 03 account identifier inside the account begun on line {}, before its "
                               "49 trailer",
                               account_line));
      }
      account_line = r.line;
      account_records = r.physical;
      account_total = 0;
      HF_RETURN_IF_ERROR(ReadAccountHeader(r, account_total));
    } else if (r.code == "16") {
      if (!account_line) return Bad(r.line, "a 16 transaction detail outside an account (no 03 before it)");
      HF_ASSIGN_OR_RETURN(LockboxItem item, ReadDetail(r));
      HF_RETURN_IF_ERROR(CheckDuplicate(seen, item));
      HF_RETURN_IF_ERROR(AddToTotal(r.line, file.total_cents, item.amount_cents));
      HF_RETURN_IF_ERROR(Add(r.line, account_total, item.amount_cents));
      file.items.push_back(std::move(item));
    } else if (r.code == "49") {
      if (!account_line)
        return Bad(r.line, "a 49 account trailer without an 03 account identifier before it");
      HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
      HF_RETURN_IF_ERROR(CheckBai2FieldCount(r, "account trailer", f, 2));
      HF_ASSIGN_OR_RETURN(int64_t total, ParseSignedCents(r.line, "account control total", f[0], 18, false));
      HF_ASSIGN_OR_RETURN(int64_t count, ParseBaiCount(r.line, "number of records", f[1]));
      if (total != account_total) {
        return Bad(r.line,
                   fmt::format("the account control total is {} but the account begun on line {} adds up "
                               "to {}",
                               FormatCents(total), account_line, FormatCents(account_total)));
      }
      if (count != account_records) {
        return Bad(r.line,
                   fmt::format("the account trailer counts {} records but the account (lines {} to {}) "
                               "has {}",
                               count, account_line, r.line, account_records));
      }
      HF_RETURN_IF_ERROR(Add(r.line, group_total, total));
      ++group_accounts;
      account_line = 0;
    } else if (r.code == "98") {
      if (!group_line) return Bad(r.line, "a 98 group trailer without a 02 group header before it");
      if (account_line) {
        return Bad(r.line,
                   fmt::format("a 98 group trailer inside the account begun on line {}, before its 49 "
                               "trailer",
                               account_line));
      }
      HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
      HF_RETURN_IF_ERROR(CheckBai2FieldCount(r, "group trailer", f, 3));
      HF_ASSIGN_OR_RETURN(int64_t total, ParseSignedCents(r.line, "group control total", f[0], 18, false));
      HF_ASSIGN_OR_RETURN(int64_t accounts, ParseBaiCount(r.line, "number of accounts", f[1]));
      HF_ASSIGN_OR_RETURN(int64_t count, ParseBaiCount(r.line, "number of records", f[2]));
      if (total != group_total) {
        return Bad(r.line, fmt::format("the group control total is {} but the accounts of the group begun on "
                                       "line {} add up to {}",
                                       FormatCents(total), group_line, FormatCents(group_total)));
      }
      if (accounts != group_accounts) {
        return Bad(r.line,
                   fmt::format("the group trailer counts {} accounts but the group begun on line {} has {}",
                               accounts, group_line, group_accounts));
      }
      if (count != group_records) {
        return Bad(r.line,
                   fmt::format("the group trailer counts {} records but the group (lines {} to {}) has {}",
                               count, group_line, r.line, group_records));
      }
      HF_RETURN_IF_ERROR(Add(r.line, file_total, total));
      ++groups;
      group_line = 0;
    } else if (r.code == "99") {
      if (group_line) {
        return Bad(r.line,
                   fmt::format("a 99 file trailer inside the group begun on line {}, before its 98 trailer",
                               group_line));
      }
      HF_ASSIGN_OR_RETURN(std::vector<std::string_view> f, Fields(r));
      HF_RETURN_IF_ERROR(CheckBai2FieldCount(r, "file trailer", f, 3));
      HF_ASSIGN_OR_RETURN(int64_t total, ParseSignedCents(r.line, "file control total", f[0], 18, false));
      HF_ASSIGN_OR_RETURN(int64_t group_count, ParseBaiCount(r.line, "number of groups", f[1]));
      HF_ASSIGN_OR_RETURN(int64_t count, ParseBaiCount(r.line, "number of records", f[2]));
      if (total != file_total) {
        return Bad(r.line, fmt::format("the file control total is {} but the groups add up to {}",
                                       FormatCents(total), FormatCents(file_total)));
      }
      if (group_count != groups) {
        return Bad(r.line,
                   fmt::format("the file trailer counts {} groups but the file has {}", group_count, groups));
      }
      if (count != file_records) {
        return Bad(r.line, fmt::format("the file trailer counts {} records but the file has {}", count,
                                       file_records));
      }
      if (groups == 0) return Bad(r.line, "the file has no 02 group, so no deposit date");
      if (i + 1 < records.size()) {
        return Bad(
            records[i + 1].line,
            fmt::format("content after the 99 file trailer on line {}; the trailer must be last", r.line));
      }
      return file;
    }
  }
  return Bad(lines.back().number, "the file ends without its 99 file trailer");
}

Result<LockboxFile> ParseLockboxFile(std::string_view bytes) {
  if (WithoutBom(bytes).starts_with("01,")) return ParseBai2(bytes);
  return ParseLockboxCsv(bytes);
}

}  // namespace holdfast::domain
