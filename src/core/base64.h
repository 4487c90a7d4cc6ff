// Base64 (RFC 4648 section 4, standard alphabet, '=' padding), written from the RFC.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace soapgap {

// Encodes n bytes (no line breaks). Encoding consecutive chunks whose sizes are multiples
// of 3 and concatenating the results gives the encoding of the whole.
std::string base64_encode(const void* data, std::size_t n);
inline std::string base64_encode(std::string_view bytes) { return base64_encode(bytes.data(), bytes.size()); }

// Strict decoding. Whitespace (space, tab, CR, LF) anywhere is ignored; everything else
// must be the alphabet, with 0-2 '=' only at the very end, a total (without whitespace)
// that is a multiple of 4, and zero unused bits before the padding (the canonical
// encoding, RFC 4648 section 3.5). Violations throw InputError with a message such as
// "invalid base64: character '#' (0x23) at offset 17" (offset into `text`); callers prefix
// the context.
std::vector<unsigned char> base64_decode(std::string_view text);

// Number of bytes `text` decodes to, from its count of non-whitespace characters and its
// trailing '=' padding, without validating the other characters (a cheap check of a
// declared size before allocating; base64_decode validates everything). Throws InputError
// if that count is not a multiple of 4 or there are more than two trailing '='.
std::size_t base64_decoded_size(std::string_view text);

// Decodes into out[0, out_size); throws InputError (as above) on invalid input or if the
// decoded size is not exactly out_size.
void base64_decode(std::string_view text, unsigned char* out, std::size_t out_size);

}  // namespace soapgap
