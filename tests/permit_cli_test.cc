// holdfast permit-types show|load and holdfast permits expire on a stopped node.
#include <gtest/gtest.h>

#include "base/files.h"
#include "process.h"
#include "test_support.h"

namespace holdfast::testing {
namespace {

TEST(PermitCli, PermitTypesAreLoadedFromTheDefaultsOrAFileAndShown) {
  TempDir tmp;
  std::string dir = tmp.Sub("node");
  ASSERT_EQ(RunHoldfast({"init", "--data", dir, "--city", "Springfield", "--node", "central"}).exit_code, 0);
  RunResult none = RunHoldfast({"permit-types", "show", "--data", dir});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("holdfast permit-types load"), std::string::npos) << none.Describe();

  RunResult defaults = RunHoldfast({"permit-types", "load", "--data", dir});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.Describe();
  EXPECT_NE(defaults.out.find("pt-central-1 (8 types)"), std::string::npos) << defaults.Describe();
  RunResult shown = RunHoldfast({"permit-types", "show", "--data", dir});
  ASSERT_EQ(shown.exit_code, 0) << shown.Describe();
  EXPECT_NE(shown.out.find("\"building_final\""), std::string::npos) << shown.Describe();

  // A later version from a file: only fences, from 2030.
  std::string file = tmp.Sub("types.json");
  ASSERT_TRUE(WriteFileAtomic(file, R"({"effective_from":"2030-01-01","types":[{"code":"fence","name":"Fence",
    "inspections":["fence_final"],"fees":{"code":"BP-FENCE","description":"Fence permit fee","flat_cents":7000}}]})")
                  .ok());
  RunResult load = RunHoldfast({"permit-types", "load", "--data", dir, file});
  ASSERT_EQ(load.exit_code, 0) << load.Describe();
  RunResult later = RunHoldfast({"permit-types", "show", "--data", dir, "--date", "2030-06-01"});
  EXPECT_NE(later.out.find("7000"), std::string::npos) << later.Describe();
  EXPECT_EQ(later.out.find("building"), std::string::npos) << later.Describe();

  ASSERT_TRUE(WriteFileAtomic(file, R"({"effective_from":"2031-01-01","types":[{"code":"fence"}]})").ok());
  RunResult bad = RunHoldfast({"permit-types", "load", "--data", dir, file});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("types[0]"), std::string::npos) << bad.Describe();

  RunResult expire = RunHoldfast({"permits", "expire", "--data", dir});
  EXPECT_EQ(expire.exit_code, 0) << expire.Describe();
  EXPECT_NE(expire.out.find("Expired 0 permit(s)."), std::string::npos) << expire.Describe();
  EXPECT_EQ(RunHoldfast({"verify", "--data", dir}).exit_code, 0);
}

}  // namespace
}  // namespace holdfast::testing
