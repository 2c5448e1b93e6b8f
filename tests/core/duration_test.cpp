#include "core/duration.h"
#include "core/error.h"

#include <gtest/gtest.h>

using namespace rayctl;
using std::chrono::milliseconds;

TEST(Duration, AcceptsUnitsCompoundsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("45"), milliseconds(45'000));
  EXPECT_EQ(parse_duration("90s"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(parse_duration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(parse_duration("250ms"), milliseconds(250));
  EXPECT_EQ(parse_duration("1.5m"), milliseconds(90'000));
  EXPECT_EQ(parse_duration("0.5"), milliseconds(500));
}

TEST(Duration, RefusesMalformedTextNamingTheFlag) {
  for (const char* bad : {"", "m", "10x", "1h30", "-5s", "s10", "1..5s", "1e400s"}) {
    try {
      parse_duration(bad, "--wait");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage) << bad;
      EXPECT_NE(e.message().find("--wait"), std::string::npos) << e.message();
    }
  }
}

TEST(Duration, FormatsTheShortForm) {
  EXPECT_EQ(format_duration(milliseconds(90'000)), "90s");
  EXPECT_EQ(format_duration(milliseconds(600'000)), "10m");
  EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(format_duration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
}
