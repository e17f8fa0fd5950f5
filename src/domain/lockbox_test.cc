#include "domain/lockbox.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/crypto.h"

namespace holdfast::domain {
namespace {

// One day's lockbox: three checks, one with a quoted payer name and no check number, one whose stub could not
// be read (no account).
constexpr std::string_view kCsv =
    "lockbox,LBX-20260302-01,2026-03-02\n"
    "item,0001,100-2001,84.12,1042,Jane Q. Public\n"
    "item,0002,100-2002,1250.00,,\"Smith, John \"\"Jack\"\"\"\n"
    "item,0003,,45.67,778,Unreadable Stub Co\n"
    "total,3,1379.79\n";

// The same items as a BAI2 file: two accounts, summaries continued by an 88, a 16 whose text is wholly in an
// 88, and a 16 whose text is continued by an 88.
const std::vector<std::string> kBai2Lines = {
    "01,CITYBANK,HOLDFAST,260302,0600,LBX-20260302-01,,,2/",  // 1
    "02,HOLDFAST,CITYBANK,1,260302,0600,USD,2/",              // 2
    "03,1234567890,USD,110,133412,2,/",                       // 3
    "16,116,8412,0,0001,100-2001,1042;Jane Q. Public",        // 4
    "16,116,125000,0,0002,100-2002/",                         // 5
    "88,;Smith, John \"Jack\"",                               // 6
    "49,266824,5/",                                           // 7
    "03,9876543210,USD,010,500000,,/",                        // 8
    "88,110,4567,1,/",                                        // 9
    "16,115,4567,Z,0003,,778;Unreadable",                     // 10
    "88,Stub Co",                                             // 11
    "49,509134,5/",                                           // 12
    "98,775958,2,12/",                                        // 13
    "99,775958,1,14/",                                        // 14
};

std::string Join(const std::vector<std::string>& lines, std::string_view eol = "\n") {
  std::string out;
  for (const std::string& l : lines) out += l + std::string(eol);
  return out;
}

std::string Bai2() { return Join(kBai2Lines); }

// kBai2Lines with line `number` (1-based) replaced; an empty replacement drops the line.
std::string Bai2With(int number, const std::string& replacement) {
  std::vector<std::string> lines = kBai2Lines;
  if (replacement.empty()) {
    lines.erase(lines.begin() + (number - 1));
  } else {
    lines[number - 1] = replacement;
  }
  return Join(lines);
}

std::vector<LockboxItem> WithoutLines(std::vector<LockboxItem> items) {
  for (LockboxItem& i : items) i.line = 0;
  return items;
}

void ExpectMalformed(const Result<LockboxFile>& r, int line, std::string_view words) {
  ASSERT_FALSE(r.ok()) << "expected an error on line " << line << " saying " << words;
  EXPECT_EQ(r.error().code, Code::kInvalid);
  EXPECT_EQ(r.error().Type(), "lockbox-malformed");
  EXPECT_EQ(r.error().field, fmt::format("line {}", line)) << r.error().detail;
  EXPECT_TRUE(r.error().detail.starts_with(fmt::format("line {}: ", line))) << r.error().detail;
  EXPECT_NE(r.error().detail.find(words), std::string::npos) << r.error().detail;
}

TEST(LockboxCsvTest, ReadsAGoodFile) {
  auto f = ParseLockboxCsv(kCsv);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->format, "csv");
  EXPECT_EQ(f->file_id, "LBX-20260302-01");
  EXPECT_EQ(f->deposit_date, *Date::Parse("2026-03-02"));
  ASSERT_EQ(f->items.size(), 3u);
  EXPECT_EQ(f->items[0], (LockboxItem{2, "0001", "100-2001", 8412, "1042", "Jane Q. Public"}));
  EXPECT_EQ(f->items[1], (LockboxItem{3, "0002", "100-2002", 125000, "", "Smith, John \"Jack\""}));
  // An unreadable stub is kept, with no account, for the exceptions queue.
  EXPECT_EQ(f->items[2], (LockboxItem{4, "0003", "", 4567, "778", "Unreadable Stub Co"}));
  EXPECT_EQ(f->total_cents, 137979);
  EXPECT_EQ(f->sha256, Hex(Sha256(kCsv)));
}

TEST(LockboxCsvTest, Sha256IsOfTheExactBytes) {
  auto f = ParseLockboxCsv("lockbox,F,2026-03-02\ntotal,0,0.00\n");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->sha256, "080ab3dfc3165364a39fd070dfcbab3f087c9c2a7d42b5f36a2d23345d181ede");
  EXPECT_TRUE(f->items.empty());
  // The same records without the final newline are another file.
  auto g = ParseLockboxCsv("lockbox,F,2026-03-02\ntotal,0,0.00");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_NE(g->sha256, f->sha256);
}

TEST(LockboxCsvTest, AcceptsCrLfAndAByteOrderMark) {
  std::string crlf;
  for (char c : kCsv) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto a = ParseLockboxCsv(kCsv);
  auto b = ParseLockboxCsv(crlf);
  auto c = ParseLockboxCsv("\xEF\xBB\xBF" + crlf);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok()) << b.status().ToString() << " " << c.status().ToString();
  EXPECT_EQ(b->items, a->items);
  EXPECT_EQ(c->items, a->items);
  EXPECT_EQ(c->total_cents, a->total_cents);
  EXPECT_NE(b->sha256, a->sha256);
  EXPECT_NE(c->sha256, b->sha256);
}

TEST(LockboxCsvTest, QuotedFieldsMayHoldCommasAndQuotes) {
  auto f = ParseLockboxCsv(
      "\"lockbox\",\"F,1\",2026-03-02\n"
      "item,\"A\"\"1\",\"\",\"1.00\",,\"\"\"Quoted\"\", Inc.\"\n"
      "total,1,1.00\n");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->file_id, "F,1");
  EXPECT_EQ(f->items[0], (LockboxItem{2, "A\"1", "", 100, "", "\"Quoted\", Inc."}));
}

TEST(LockboxCsvTest, RefusesMalformedFilesNamingTheLine) {
  const std::string head = "lockbox,F,2026-03-02\n";
  auto item = [](std::string amount) { return "item,1,A," + amount + ",,Pat\n"; };
  ExpectMalformed(ParseLockboxCsv(""), 1, "the file is empty");
  ExpectMalformed(ParseLockboxCsv("\xEF\xBB\xBF"), 1, "the file is empty");
  ExpectMalformed(ParseLockboxCsv(head + "receipt,1\ntotal,0,0.00\n"), 2, "unknown record type \"receipt\"");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,\ntotal,1,1.00\n"), 2, "has 5 fields; it needs 6");
  ExpectMalformed(ParseLockboxCsv("lockbox,F\ntotal,0,0.00\n"), 1, "has 2 fields; it needs 3");
  ExpectMalformed(ParseLockboxCsv(head + "total,0\n"), 2, "has 2 fields; it needs 3");
  ExpectMalformed(ParseLockboxCsv(head + item("12.3") + "total,1,12.30\n"), 2,
                  "amount \"12.3\" is not dollars with two decimals");
  ExpectMalformed(ParseLockboxCsv(head + item("12") + "total,1,12.00\n"), 2, "not dollars with two decimals");
  ExpectMalformed(ParseLockboxCsv(head + item("$12.00") + "total,1,12.00\n"), 2, "not dollars with two");
  ExpectMalformed(ParseLockboxCsv(head + item("-5.00") + "total,1,5.00\n"), 2,
                  "amount \"-5.00\" is negative");
  ExpectMalformed(ParseLockboxCsv(head + item("0.00") + "total,1,0.00\n"), 2, "amount \"0.00\" is zero");
  ExpectMalformed(ParseLockboxCsv(head + item("05.00") + "total,1,5.00\n"), 2, "has a leading zero");
  ExpectMalformed(ParseLockboxCsv(head + item("123456789.00") + "total,1,123456789.00\n"), 2,
                  "has too many digits");
  ExpectMalformed(ParseLockboxCsv(head + item("10000000.01") + "total,1,10000000.01\n"), 2,
                  "more than the largest accepted amount, 10000000.00");
  ExpectMalformed(ParseLockboxCsv("lockbox,F,2026-02-30\ntotal,0,0.00\n"), 1,
                  "deposit date \"2026-02-30\" is not a date written YYYY-MM-DD");
  ExpectMalformed(ParseLockboxCsv("lockbox,F,03/02/2026\ntotal,0,0.00\n"), 1, "deposit date");
  ExpectMalformed(
      ParseLockboxCsv(head + item("1.00") + "item,2,B,2.00,,\n" + item("3.00") + "total,3,6.00\n"), 4,
      "item id \"1\" is used again; it was first used on line 2");
  ExpectMalformed(ParseLockboxCsv(item("1.00") + "total,1,1.00\n"), 1,
                  "must start with a lockbox header record, not \"item\"");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00")), 2, "ends without its total record");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00") + "total,2,1.00\n"), 3,
                  "counts 2 items but the file holds 1");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00") + "total,1,1.10\n"), 3,
                  "says 1.10 but the items add up to 1.00");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00") + "total,1,1.00\n" + item("1.00")), 4,
                  "content after the total record on line 3");
  ExpectMalformed(ParseLockboxCsv(head + head + "total,0,0.00\n"), 2, "a second lockbox header");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,Jos\xE9\ntotal,1,1.00\n"), 2,
                  "is not valid UTF-8 text");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,\"Pat\tLee\"\ntotal,1,1.00\n"), 2,
                  "holds a control character");
  ExpectMalformed(ParseLockboxCsv(head + "\n" + item("1.00") + "total,1,1.00\n"), 2, "is blank");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00") + "total,1,1.00\n\n"), 4, "is blank");
  ExpectMalformed(ParseLockboxCsv("lockbox,F,2026-03-02\r\n" + item("1.00") + "total,1,1.00\r\n"), 2,
                  "one kind of line ending");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,Pat\r\ntotal,1,1.00\n"), 2,
                  "one kind of line ending");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,\"Pat\ntotal,1,1.00\n"), 2, "never closed");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,\"Pat\"x\ntotal,1,1.00\n"), 2,
                  "text after its closing quote");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,,Pat \"P\" Lee\ntotal,1,1.00\n"), 2,
                  "holds a quote but is not quoted");
  ExpectMalformed(ParseLockboxCsv(head + "item,1,A,1.00,12A,Pat\ntotal,1,1.00\n"), 2,
                  "check number \"12A\" is not 1 to 15 digits");
  ExpectMalformed(ParseLockboxCsv(head + "item,,A,1.00,,Pat\ntotal,1,1.00\n"), 2, "item id is empty");
  ExpectMalformed(ParseLockboxCsv(head + item("1.00") + "total,01,1.00\n"), 3, "item count \"01\"");
}

TEST(LockboxCsvTest, RefusesFilesOver50Megabytes) {
  std::string big = "lockbox,F,2026-03-02\n";
  big.resize(kMaxLockboxFileBytes + 1, 'x');
  auto r = ParseLockboxFile(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::kInvalid);
  EXPECT_EQ(r.error().Type(), "lockbox-malformed");
  EXPECT_EQ(r.error().field, "file");
  EXPECT_NE(r.error().detail.find("over 50 MB"), std::string::npos) << r.error().detail;
  ASSERT_FALSE(ParseBai2("01," + big).ok());
}

TEST(LockboxBai2Test, ReadsAGoodFileWithTwoAccountsAndContinuations) {
  const std::string bytes = Bai2();
  auto f = ParseBai2(bytes);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->format, "bai2");
  EXPECT_EQ(f->file_id, "LBX-20260302-01");
  EXPECT_EQ(f->deposit_date, *Date::Parse("2026-03-02"));
  EXPECT_EQ(f->sha256, Hex(Sha256(bytes)));
  ASSERT_EQ(f->items.size(), 3u);
  EXPECT_EQ(f->items[0], (LockboxItem{4, "0001", "100-2001", 8412, "1042", "Jane Q. Public"}));
  EXPECT_EQ(f->items[1], (LockboxItem{5, "0002", "100-2002", 125000, "", "Smith, John \"Jack\""}));
  EXPECT_EQ(f->items[2], (LockboxItem{10, "0003", "", 4567, "778", "Unreadable Stub Co"}));
  EXPECT_EQ(f->total_cents, 137979);
}

TEST(LockboxBai2Test, ReadsFundsTypesAndFieldsContinuedInto88) {
  auto f = ParseBai2(Join({
      "01,BANK,CITY,260302,2400,7,80,,2/",
      "02,CITY,BANK,1,260302,,,/",
      "03,1,,,,,/",
      "16,116,100,V,260302,1200,A1,ACCT-1,Lee",
      "16,116,200,S,100,100,0,A2/",
      "88,ACCT-2,55;Kim/",
      "16,115,300,D,2,0,150,1,150,A3,ACCT-3,Ng, Bo",
      "88,and",
      "88,Co",
      "49,600,8/",
      "98,600,1,10/",
      "99,600,1,12/",
  }));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->items.size(), 3u);
  EXPECT_EQ(f->items[0], (LockboxItem{4, "A1", "ACCT-1", 100, "", "Lee"}));
  EXPECT_EQ(f->items[1], (LockboxItem{5, "A2", "ACCT-2", 200, "55", "Kim"}));
  EXPECT_EQ(f->items[2], (LockboxItem{7, "A3", "ACCT-3", 300, "", "Ng, Bo and Co"}));
}

TEST(LockboxBai2Test, CsvAndBai2OfTheSameDayGiveTheSameItems) {
  auto csv = ParseLockboxFile(kCsv);
  auto bai = ParseLockboxFile(Bai2());
  auto bai_crlf = ParseLockboxFile("\xEF\xBB\xBF" + Join(kBai2Lines, "\r\n"));
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  ASSERT_TRUE(bai.ok()) << bai.status().ToString();
  ASSERT_TRUE(bai_crlf.ok()) << bai_crlf.status().ToString();
  EXPECT_EQ(csv->format, "csv");
  EXPECT_EQ(bai->format, "bai2");
  EXPECT_EQ(WithoutLines(csv->items), WithoutLines(bai->items));
  EXPECT_EQ(bai_crlf->items, bai->items);
  EXPECT_EQ(csv->total_cents, bai->total_cents);
  EXPECT_EQ(csv->deposit_date, bai->deposit_date);
  EXPECT_EQ(csv->file_id, bai->file_id);
}

TEST(LockboxBai2Test, RefusesMalformedFilesNamingTheLine) {
  ExpectMalformed(ParseBai2(""), 1, "the file is empty");
  ExpectMalformed(ParseBai2(Bai2With(1, "")), 1, "must start with a 01 file header");
  ExpectMalformed(ParseBai2(Bai2With(7, "77,266824,5/")), 7, "unknown record code \"77\"");
  ExpectMalformed(ParseBai2(Bai2With(7, "49;266824;5/")), 7, "does not start with a two-digit record code");
  ExpectMalformed(ParseBai2(Bai2With(7, "49,266824/")), 7, "has 1 fields after its record code; it needs 2");
  ExpectMalformed(ParseBai2(Bai2With(1, "01,CITYBANK,HOLDFAST,260302,0600,LBX,,2/")), 1,
                  "has 7 fields after its record code; it needs 8");
  ExpectMalformed(ParseBai2(Bai2With(7, "49,266824,5")), 7, "does not end with \"/\"");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,84.12,0,0001,100-2001,Jane")), 4,
                  "amount \"84.12\" is not a number of cents");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,-8412,0,0001,100-2001,Jane")), 4, "has a sign");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,0,0,0001,100-2001,Jane")), 4, "amount \"0\" is zero");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,,0,0001,100-2001,Jane")), 4, "has no amount");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,1000000001,0,0001,100-2001,Jane")), 4,
                  "more than the largest accepted amount, 10000000.00");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,1234567890123,0,0001,100-2001,Jane")), 4, "too many digits");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,475,8412,0,0001,100-2001,Jane")), 4,
                  "detail type code \"475\" is not a lockbox item (115 or 116)");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,8412,Q,0001,100-2001,Jane")), 4, "funds type \"Q\"");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,8412,0,,100-2001,Jane")), 4, "has no bank reference");
  ExpectMalformed(ParseBai2(Bai2With(4, "16,116,8412,0,0001,100-2001,Jos\xE9")), 4, "not valid UTF-8");
  ExpectMalformed(ParseBai2(Bai2With(2, "02,HOLDFAST,CITYBANK,1,260230,0600,USD,2/")), 2,
                  "as-of date \"260230\" is not a date written YYMMDD");
  ExpectMalformed(ParseBai2(Bai2With(1, "01,CITYBANK,HOLDFAST,261302,0600,LBX-20260302-01,,,2/")), 1,
                  "file creation date \"261302\"");
  ExpectMalformed(ParseBai2(Bai2With(1, "01,CITYBANK,HOLDFAST,260302,0600,LBX-20260302-01,,,3/")), 1,
                  "version \"3\" is not BAI2");
  ExpectMalformed(ParseBai2(Bai2With(2, "02,HOLDFAST,CITYBANK,4,260302,0600,USD,2/")), 2,
                  "group status \"4\" is not 1");
  ExpectMalformed(ParseBai2(Bai2With(2, "02,HOLDFAST,CITYBANK,1,260302,0600,EUR,2/")), 2,
                  "currency \"EUR\" is not USD");
  ExpectMalformed(ParseBai2(Bai2With(10, "16,115,4567,Z,0001,,778;Unreadable")), 10,
                  "item id \"0001\" is used again; it was first used on line 4");
  ExpectMalformed(ParseBai2(Bai2With(7, "49,266825,5/")), 7,
                  "the account control total is 2668.25 but the account begun on line 3 adds up to 2668.24");
  ExpectMalformed(ParseBai2(Bai2With(7, "49,266824,4/")), 7,
                  "counts 4 records but the account (lines 3 to 7) has 5");
  ExpectMalformed(
      ParseBai2(Bai2With(13, "98,775959,2,12/")), 13,
      "the group control total is 7759.59 but the accounts of the group begun on line 2 add up to "
      "7759.58");
  ExpectMalformed(ParseBai2(Bai2With(13, "98,775958,3,12/")), 13, "counts 3 accounts but the group begun");
  ExpectMalformed(ParseBai2(Bai2With(13, "98,775958,2,13/")), 13, "counts 13 records but the group");
  ExpectMalformed(ParseBai2(Bai2With(14, "99,775957,1,14/")), 14,
                  "the file control total is 7759.57 but the groups add up to 7759.58");
  ExpectMalformed(ParseBai2(Bai2With(14, "99,775958,2,14/")), 14, "counts 2 groups but the file has 1");
  ExpectMalformed(ParseBai2(Bai2With(14, "99,775958,1,15/")), 14, "counts 15 records but the file has 14");
  ExpectMalformed(ParseBai2(Bai2With(14, "")), 13, "ends without its 99 file trailer");
  ExpectMalformed(ParseBai2(Bai2() + "99,0,0,2/\n"), 15, "content after the 99 file trailer on line 14");
  ExpectMalformed(ParseBai2(Bai2With(8, "88,more/")), 8, "a continuation (88) may only follow");
  ExpectMalformed(ParseBai2(Bai2With(3, "16,116,1,0,X,,")), 3, "a 16 transaction detail outside an account");
  ExpectMalformed(ParseBai2(Bai2With(8, "")), 8,
                  "a continuation (88) may only follow an 03, 16 or 88 record");
  ExpectMalformed(ParseBai2(Bai2With(12, "")), 12, "a 98 group trailer inside the account begun on line 8");
  ExpectMalformed(ParseBai2(Bai2With(7, "")), 7, "an 03 account identifier inside the account");
  ExpectMalformed(ParseBai2(Join({"01,B,C,260302,0600,1,,,2/", "99,0,0,2/"})), 2, "has no 02 group");
  // Without line 5, its 88 continues the text of line 4, and the account no longer adds up.
  ExpectMalformed(ParseBai2(Bai2With(5, "")), 6,
                  "the account control total is 2668.24 but the account begun on line 3 adds up to 1418.24");
  ExpectMalformed(ParseBai2(Bai2With(9, "")), 11, "adds up to");
}

TEST(LockboxBai2Test, RefusesGroupsOfDifferentDays) {
  auto r = ParseBai2(Join({
      "01,B,C,260302,0600,1,,,2/",
      "02,C,B,1,260302,,,/",
      "98,0,0,2/",
      "02,C,B,1,260303,,,/",
      "98,0,0,2/",
      "99,0,2,6/",
  }));
  ExpectMalformed(r, 4, "as-of date 2026-03-03 differs from 2026-03-02 on line 2");
}

// ---- a test-only writer, for round trips ----

std::string CsvField(const std::string& v) {
  if (v.find_first_of(",\"") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string WriteCsv(const LockboxFile& f, std::string_view eol) {
  std::string out = fmt::format("lockbox,{},{}{}", CsvField(f.file_id), f.deposit_date.ToString(), eol);
  for (const LockboxItem& i : f.items) {
    out += fmt::format("item,{},{},{},{},{}{}", CsvField(i.item_id), CsvField(i.account),
                       FormatCents(i.amount_cents), i.check_number, CsvField(i.payer_name), eol);
  }
  return out + fmt::format("total,{},{}{}", f.items.size(), FormatCents(f.total_cents), eol);
}

// Puts the items into `accounts` accounts in turn, splitting each text at its first space into an 88.
std::string WriteBai2(const LockboxFile& f, int accounts) {
  const Date d = f.deposit_date;
  const std::string yymmdd = fmt::format("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day());
  std::vector<std::string> lines = {fmt::format("01,BANK,CITY,{},0600,{},,,2/", yymmdd, f.file_id),
                                    fmt::format("02,CITY,BANK,1,{},0600,USD,2/", yymmdd)};
  Cents group_total = 0;
  size_t next = 0;
  for (int a = 0; a < accounts; ++a) {
    const size_t first = lines.size();
    lines.push_back(fmt::format("03,ACCOUNT{},USD/", a));
    Cents total = 0;
    const size_t end =
        a + 1 == accounts ? f.items.size() : std::min(f.items.size(), next + f.items.size() / accounts);
    for (; next < end; ++next) {
      const LockboxItem& i = f.items[next];
      std::string text = i.check_number + ";" + i.payer_name;
      const size_t space = text.find(' ');
      lines.push_back(
          fmt::format("16,116,{},0,{},{},{}", i.amount_cents, i.item_id, i.account, text.substr(0, space)));
      if (space != std::string::npos) lines.push_back("88," + text.substr(space + 1));
      total += i.amount_cents;
    }
    lines.push_back(fmt::format("49,{},{}/", total, lines.size() - first + 1));
    group_total += total;
  }
  lines.push_back(fmt::format("98,{},{},{}/", group_total, accounts, lines.size()));
  lines.push_back(fmt::format("99,{},1,{}/", group_total, lines.size() + 1));
  return Join(lines);
}

std::string RandomWord(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {"a", "b", "Z", "q", "7", ",", "\"",
                                                   ";", "é", "Ø", "-", "'", "."};
  std::string w;
  const int n = 1 + static_cast<int>(rng() % 6);
  for (int k = 0; k < n; ++k) w += kPieces[rng() % kPieces.size()];
  return w;
}

TEST(LockboxRoundTripTest, RandomFilesSurviveBothFormats) {
  std::mt19937 rng(20260302);
  for (int round = 0; round < 200; ++round) {
    LockboxFile f;
    f.file_id = fmt::format("LBX-{}", round);
    f.deposit_date = Date::FromCivil(2000 + static_cast<int>(rng() % 100), 1 + static_cast<int>(rng() % 12),
                                     1 + static_cast<int>(rng() % 28));
    const int n = static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) {
      LockboxItem i;
      i.item_id = fmt::format("IT{}-{}", k, rng() % 1000);
      i.account = rng() % 5 == 0 ? "" : fmt::format("{}-{}", rng() % 1000, rng() % 10000);
      i.amount_cents = 1 + static_cast<Cents>(rng() % (rng() % 3 == 0 ? kMaxAmountCents : 100000));
      i.check_number = rng() % 3 == 0 ? "" : std::to_string(rng() % 100000);
      const int words = static_cast<int>(rng() % 4);
      for (int w = 0; w < words; ++w) i.payer_name += (w ? " " : "") + RandomWord(rng);
      f.total_cents += i.amount_cents;
      f.items.push_back(i);
    }
    const std::string csv = WriteCsv(f, rng() % 2 ? "\n" : "\r\n");
    const std::string bai = WriteBai2(f, 1 + static_cast<int>(rng() % 3));
    auto from_csv = ParseLockboxFile(csv);
    auto from_bai = ParseLockboxFile(bai);
    ASSERT_TRUE(from_csv.ok()) << from_csv.status().ToString() << "\n" << csv;
    ASSERT_TRUE(from_bai.ok()) << from_bai.status().ToString() << "\n" << bai;
    EXPECT_EQ(WithoutLines(from_csv->items), WithoutLines(f.items)) << csv;
    EXPECT_EQ(WithoutLines(from_bai->items), WithoutLines(f.items)) << bai;
    EXPECT_EQ(from_csv->total_cents, f.total_cents);
    EXPECT_EQ(from_bai->total_cents, f.total_cents);
    EXPECT_EQ(from_csv->deposit_date, f.deposit_date);
    EXPECT_EQ(from_bai->deposit_date, f.deposit_date);
    EXPECT_EQ(from_csv->file_id, f.file_id);
    EXPECT_EQ(from_bai->file_id, f.file_id);
  }
}

// Damaged files are answered with ok or a lockbox-malformed error, never a crash or another kind of error.
TEST(LockboxFuzzTest, DamagedFilesAreRefusedNeverCrash) {
  std::mt19937 rng(7);
  const std::string interesting =
      std::string(",\"/;\r\n0123456789-.+ 1689\xEF\xBB\xBF\x80\xFF") + std::string(1, '\0');
  const std::vector<std::string> seeds = {std::string(kCsv), Bai2(), Join(kBai2Lines, "\r\n")};
  int ok = 0;
  for (int round = 0; round < 6000; ++round) {
    std::string s = seeds[rng() % seeds.size()];
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) {
      const size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      switch (rng() % 4) {
        case 0:
          s.resize(at);
          break;
        case 1:
          if (at < s.size()) s[at] = static_cast<char>(rng() % 256);
          break;
        case 2:
          s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), interesting[rng() % interesting.size()]);
          break;
        default:
          if (at < s.size()) s.erase(at, 1);
      }
    }
    for (auto parse : {&ParseLockboxFile, &ParseLockboxCsv, &ParseBai2}) {
      auto r = parse(s);
      if (r.ok()) {
        ++ok;
        Cents sum = 0;
        for (const LockboxItem& i : r->items) {
          EXPECT_GT(i.amount_cents, 0);
          EXPECT_LE(i.amount_cents, kMaxAmountCents);
          sum += i.amount_cents;
        }
        EXPECT_EQ(sum, r->total_cents);
        continue;
      }
      ASSERT_EQ(r.error().code, Code::kInvalid) << r.error().detail;
      ASSERT_EQ(r.error().Type(), "lockbox-malformed") << r.error().detail;
      ASSERT_TRUE(r.error().field.starts_with("line ")) << r.error().field;
      ASSERT_TRUE(r.error().detail.starts_with(r.error().field + ": ")) << r.error().detail;
    }
  }
  EXPECT_GT(ok, 0);  // some mutations (in a payer name, say) leave a valid file
}

}  // namespace
}  // namespace holdfast::domain
