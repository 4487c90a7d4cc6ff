// core/text.h: the one home of whitespace, case, splitting and whole-token numbers.
#include "core/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace soapgap;

TEST(Text, TrimSplitLowerBlank) {
  EXPECT_EQ(text::trim(" \t a b \r\n"), "a b");
  EXPECT_EQ(text::trim("\r a \r", " \t"), "\r a \r");
  EXPECT_EQ(text::trim(""), "");
  EXPECT_EQ(text::split("  a\tbb  c \n"), (std::vector<std::string>{"a", "bb", "c"}));
  EXPECT_EQ(text::split("1,,2,", ","), (std::vector<std::string>{"1", "2"}));
  std::vector<std::string_view> views;
  text::split("x y", views);
  text::split("", views);
  EXPECT_TRUE(views.empty());
  EXPECT_EQ(text::lower("SiO2 Ä"), "sio2 Ä");
  EXPECT_TRUE(text::blank(" \t\r\n"));
  EXPECT_FALSE(text::blank(" x "));
}

TEST(Text, DoublesHavePythonFloatSyntax) {
  double x = 7;
  EXPECT_TRUE(text::parse_double("-1.5e-3", x));
  EXPECT_EQ(x, -1.5e-3);
  EXPECT_TRUE(text::parse_double("+2", x));
  EXPECT_EQ(x, 2);
  EXPECT_TRUE(text::parse_double("nan", x));
  EXPECT_TRUE(std::isnan(x));
  EXPECT_TRUE(text::parse_double("-inf", x));
  EXPECT_EQ(x, -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(text::parse_double("1e400", x));
  EXPECT_TRUE(std::isinf(x));
  EXPECT_TRUE(text::parse_double("1e-400", x));
  EXPECT_GE(x, 0.0);
  EXPECT_LT(x, 1e-300);
  x = 7;
  for (const char* bad : {"", "+", "+-1", "++1", "1.0x", " 1", "1 ", "0x10", "e5"}) {
    EXPECT_FALSE(text::parse_double(bad, x)) << bad;
    EXPECT_EQ(x, 7) << bad;
  }
}

TEST(Text, IntegersAreWholeDecimalTokens) {
  long long v = 7;
  EXPECT_TRUE(text::parse_integer("-42", v));
  EXPECT_EQ(v, -42);
  EXPECT_TRUE(text::parse_integer("+42", v));
  EXPECT_EQ(v, 42);
  v = 7;
  for (const char* bad : {"", "-", "+", "+-4", "4.0", "4 ", "0x4", "99999999999999999999"}) {
    EXPECT_FALSE(text::parse_integer(bad, v)) << bad;
    EXPECT_EQ(v, 7) << bad;
  }
}
