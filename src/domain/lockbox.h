// Lockbox remittance files: the bank's list of the checks that utility customers mailed to the city's lockbox
// and that the bank deposited on one day. Two formats are read, both strictly; anything else is refused with
// an error a clerk can act on. Parsing is pure: no database, no clock.
//
// Common rules (both formats)
//   - At most 50 MB (kMaxLockboxFileBytes); an empty file is refused.
//   - An optional UTF-8 byte order mark (EF BB BF) at the very start is skipped.
//   - Records are lines ending LF or CRLF, the same ending on every line; the last line may lack its ending.
//     Blank lines are refused, and so is anything after the trailer.
//   - Text fields are valid UTF-8 without control characters (below 0x20 or DEL). Lengths in bytes: file id
//     1..64, item id 1..64, account 0..64, payer name 0..200. A check number is 0..15 digits.
//   - An item's amount is more than zero and at most kMaxAmountCents ($10,000,000.00). Item ids are unique
//     within the file. An empty account is accepted: the item goes to a clerk's exceptions queue later.
//   - The items' sum must equal the file's own control totals, and the file's total stays within ±(2^53−1).
//
// CSV (ParseLockboxCsv), RFC 4180 with one record per line:
//   lockbox,<file_id>,<deposit_date YYYY-MM-DD>                               exactly once, first
//   item,<item_id>,<account>,<amount>,<check_number>,<payer_name>             zero or more
//   total,<item count>,<total>                                                exactly once, last
// An amount is dollars with exactly two decimals and no sign, no thousands separators and no leading zeros
// ("123.45", "0.50"); an item amount has at most 8 digits before the point, a total at most 16. The item
// count is a decimal number without leading zeros. A field is either bare (no double quote in it) or wholly
// quoted
// ("Smith, Jane"), a quote inside a quoted field doubled (""). Quoted fields may not hold line breaks. Record
// names are lower case. Every record has exactly its number of fields.
//
// BAI2 (ParseBai2), the Cash Management Balance Reporting Specification version 2:
//   01 file header     01,<sender>,<receiver>,<YYMMDD>,<HHMM>,<file id>,<record length>,<block size>,2/
//   02 group header    02,<ultimate receiver>,<originator>,1,<as-of YYMMDD>,<HHMM>,<currency>,<modifier>/
//   03 account         03,<bank account>,<currency>[,<type>,<amount>,<item count>,<funds type>[,...]]…/
//   16 detail          16,<type>,<amount>,<funds type>[,...],<bank reference>,<customer reference>,<text>
//   88 continuation    88,<more fields or more text>
//   49 account trailer 49,<account control total>,<records in the account>/
//   98 group trailer   98,<group control total>,<accounts in the group>,<records in the group>/
//   99 file trailer    99,<file control total>,<groups in the file>,<records in the file>/
// Fields are separated by commas; a record ends with "/" except a 16 (or the 88 after it) that ends inside
// its text, which ends at the end of the line. Spaces after the end of a line are ignored, and so is a "/"
// that ends a 16's text (a payer name cannot end in "/"). An 88 continues the record before it: after an 03
// its fields add to the summaries; after a 16 its fields fill the 16's remaining fields, and once the text
// has begun each 88 adds to the text after one space. An 88 after any other record is refused. The version
// must be 2, every group's status 1 (update) and every group has the same as-of date, read as 20YY-MM-DD:
// that is the deposit date. Currencies must be empty or USD. Amounts are whole cents without a point; 16
// amounts have no sign.
//   Items are the 16 records of type code 115 (lockbox deposit) or 116 (item in lockbox deposit); any other
// detail type code is refused. Funds types 0, 1, 2, Z or empty take no further fields, V takes two (value
// date and time), S three (availability amounts) and D one count n then n pairs (days, amount). Each item
// reads:
//   bank reference     → item_id (required, unique in the file)
//   customer reference → account (may be empty)
//   text               → "<check number>;<payer name>" when the text starts with 0..15 digits and a ";",
//                        otherwise the whole text is the payer name and the check number is empty.
// file_id is the 01 file identification number. Control totals: a 49's total is the sum of the summary
// amounts of its 03 (not the availability distributions) and the amounts of its 16s; a 98's the sum of its
// 49s; a 99's the sum of its 98s. Record counts include the header and trailer that bound them and every 88:
// a 49 counts 03..49, a 98 counts 02..98, a 99 counts 01..99. A 98 also counts its accounts and a 99 its
// groups.
//
// Errors: every refusal is Code::kInvalid with type "lockbox-malformed", a detail starting "line N: " that
// says what is wrong ("line 7: amount \"12.3\" is not dollars with two decimals"), and field "line N" (or
// "file" for a file that is too large).
#ifndef HOLDFAST_DOMAIN_LOCKBOX_H_
#define HOLDFAST_DOMAIN_LOCKBOX_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/date.h"
#include "base/status.h"
#include "domain/money.h"

namespace holdfast::domain {

inline constexpr size_t kMaxLockboxFileBytes = 50 * 1024 * 1024;

struct LockboxItem {
  int line = 0;              // 1-based line of the file the item starts on, for messages
  std::string item_id;       // the bank's reference of the item, unique within the file
  std::string account;       // the utility account number written on the remittance stub ("" if unreadable)
  Cents amount_cents = 0;    // > 0
  std::string check_number;  // may be ""
  std::string payer_name;    // may be ""

  bool operator==(const LockboxItem&) const = default;
};

struct LockboxFile {
  std::string format;   // "csv" or "bai2"
  std::string file_id;  // the bank's identification of the file (CSV header / BAI2 01 record)
  std::string sha256;   // hex SHA-256 of the exact bytes
  Date deposit_date;    // the day the items were deposited
  std::vector<LockboxItem> items;
  Cents total_cents = 0;  // sum of the items, checked against the file's own control totals
};

Result<LockboxFile> ParseLockboxCsv(std::string_view bytes);
Result<LockboxFile> ParseBai2(std::string_view bytes);
// Picks the format from the content (a BAI2 file starts with "01,", after an optional byte order mark), else
// CSV.
Result<LockboxFile> ParseLockboxFile(std::string_view bytes);

}  // namespace holdfast::domain

#endif  // HOLDFAST_DOMAIN_LOCKBOX_H_
