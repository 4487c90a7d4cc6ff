#include <gtest/gtest.h>

#include "core/elements.h"
#include "core/error.h"

namespace soapgap {
namespace {

TEST(Elements, KnownSymbols) {
  EXPECT_EQ(atomic_number("H"), 1);
  EXPECT_EQ(atomic_number("He"), 2);
  EXPECT_EQ(atomic_number("C"), 6);
  EXPECT_EQ(atomic_number("Si"), 14);
  EXPECT_EQ(atomic_number("Fe"), 26);
  EXPECT_EQ(atomic_number("W"), 74);
  EXPECT_EQ(atomic_number("U"), 92);
  EXPECT_EQ(atomic_number("Og"), 118);
  EXPECT_EQ(element_symbol(1), "H");
  EXPECT_EQ(element_symbol(14), "Si");
  EXPECT_EQ(element_symbol(29), "Cu");
  EXPECT_EQ(element_symbol(79), "Au");
  EXPECT_EQ(element_symbol(118), "Og");
}

TEST(Elements, RoundTripAll) {
  for (int z = 1; z <= kMaxAtomicNumber; ++z) {
    EXPECT_EQ(atomic_number(element_symbol(z)), z) << z;
    EXPECT_EQ(atomic_number(std::to_string(z)), z) << z;
  }
}

TEST(Elements, AtomicNumbersAsDigits) {
  EXPECT_EQ(atomic_number("14"), 14);
  EXPECT_EQ(atomic_number("1"), 1);
  EXPECT_EQ(atomic_number("118"), 118);
}

TEST(Elements, RejectsUnknown) {
  for (const char* bad : {"", "SI", "si", "Xx", "X", "0", "119", "-1", "14.0", " Si", "Si ", "1000000000000", "Uue"}) {
    EXPECT_THROW(atomic_number(bad), InputError) << '"' << bad << '"';
  }
  try {
    atomic_number("Xx");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"Xx\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
  }
  EXPECT_THROW(element_symbol(0), InputError);
  EXPECT_THROW(element_symbol(119), InputError);
  EXPECT_THROW(element_symbol(-5), InputError);
}

}  // namespace
}  // namespace soapgap
