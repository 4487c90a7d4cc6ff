#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/base64.h"
#include "core/error.h"

using soapgap::base64_decode;
using soapgap::base64_decoded_size;
using soapgap::base64_encode;
using soapgap::InputError;

namespace {
std::string decode_str(const std::string& s) {
  const auto v = base64_decode(s);
  return std::string(v.begin(), v.end());
}
}  // namespace

// RFC 4648, section 10.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, enc] : cases) {
    EXPECT_EQ(base64_encode(plain), enc);
    EXPECT_EQ(decode_str(enc), plain);
    EXPECT_EQ(base64_decoded_size(enc), plain.size());
  }
}

TEST(Base64, AllByteValuesRoundTrip) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string part = all.substr(0, n);
    EXPECT_EQ(decode_str(base64_encode(part)), part);
  }
  EXPECT_EQ(base64_encode(std::string("\xfb\xff\xbf", 3)), "+/+/");
}

TEST(Base64, ChunksOfThreeConcatenate) {
  const std::string a = "abcdef", b = "ghij";
  EXPECT_EQ(base64_encode(a) + base64_encode(b), base64_encode(a + b));
}

TEST(Base64, WhitespaceIgnored) {
  EXPECT_EQ(decode_str(" Zm9v\nYmFy\r\n\t"), "foobar");
  EXPECT_EQ(decode_str("Zm 9v Yg ==\n"), "foob");
  EXPECT_EQ(base64_decoded_size("\n Zm9v\n  Yg==\n"), 4u);
}

TEST(Base64, RejectsBadInput) {
  EXPECT_THROW(base64_decode("Zm9"), InputError);  // length not a multiple of 4
  EXPECT_THROW(base64_decode("Zm9vY"), InputError);
  EXPECT_THROW(base64_decode("Zm#v"), InputError);      // invalid character
  EXPECT_THROW(base64_decode("Zm9v-_=="), InputError);  // URL-safe alphabet is not accepted
  EXPECT_THROW(base64_decode("Zg==Zg=="), InputError);  // data after padding
  EXPECT_THROW(base64_decode("Z==="), InputError);      // too much padding
  EXPECT_THROW(base64_decode("===="), InputError);
  EXPECT_THROW(base64_decode("Zm=v"), InputError);  // padding in the middle
  EXPECT_THROW(base64_decode("Zh=="), InputError);  // non-zero unused bits
  EXPECT_THROW(base64_decode("Zm9="), InputError);
  EXPECT_THROW(base64_decode(std::string("Zm9\0", 4)), InputError);
  EXPECT_THROW(base64_decode("Zm9v\xc3\xa9"), InputError);
}

TEST(Base64, MessageNamesCharacterAndOffset) {
  try {
    base64_decode("Zm9v\nYm#y");
    FAIL() << "no exception";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'#'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("offset 7"), std::string::npos) << msg;
  }
}

TEST(Base64, DecodeIntoBufferChecksSize) {
  unsigned char buf[6];
  base64_decode("Zm9vYmFy", buf, 6);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 6), "foobar");
  EXPECT_THROW(base64_decode("Zm9vYmFy", buf, 5), InputError);
  EXPECT_THROW(base64_decode("Zm9vYg==", buf, 6), InputError);
}
