// Huffman round trips over every byte value and random strings, plus the boundary rules on
// padding. RFC 7541 C.4/C.6 and the hpack-test-case stories check decoding of real encoders.
#include <random>

#include <catch2/catch.hpp>

#include "hpack/huffman.h"
#include "hpack_test_util.h"

using namespace h2lens;

TEST_CASE("Every byte value round-trips through Huffman coding alone and in runs",
          "[hpack][huffman]") {
    std::string all;
    for (int c = 0; c < 256; ++c) {
        const std::string one(1, static_cast<char>(c));
        Bytes enc;
        huffmanEncode(one, enc);
        CHECK(enc.size() == huffmanEncodedLength(one));
        std::string dec;
        REQUIRE(huffmanDecode(enc, dec) == HuffmanStatus::Ok);
        CHECK(dec == one);
        all += one;
        all += one;
    }
    Bytes enc;
    huffmanEncode(all, enc);
    std::string dec = "prefix:";
    REQUIRE(huffmanDecode(enc, dec) == HuffmanStatus::Ok);
    CHECK(dec == "prefix:" + all);
}

TEST_CASE("Random strings round-trip through Huffman coding", "[hpack][huffman]") {
    std::mt19937 rng(7541);
    for (int i = 0; i < 2000; ++i) {
        std::string s(rng() % 64, '\0');
        const bool ascii = i % 2 == 0;
        for (char& c : s) c = static_cast<char>(ascii ? 32 + rng() % 95 : rng() % 256);
        Bytes enc;
        huffmanEncode(s, enc);
        std::string dec;
        REQUIRE(huffmanDecode(enc, dec) == HuffmanStatus::Ok);
        REQUIRE(dec == s);
    }
}

TEST_CASE(
    "Huffman decoding refuses long or partial padding and the EOS symbol, and keeps what came "
    "before",
    "[hpack][huffman]") {
    using h2lens::test::fromHex;
    std::string out;
    CHECK(huffmanDecode({}, out) == HuffmanStatus::Ok);
    CHECK(out.empty());
    CHECK(huffmanDecode(fromHex("ff"), out) == HuffmanStatus::BadPadding);  // 8 bits of padding
    CHECK(huffmanDecode(fromHex("fe"), out) == HuffmanStatus::BadPadding);  // cut code
    CHECK(huffmanDecode(fromHex("ffff fffc"), out) == HuffmanStatus::Eos);  // EOS + 2 zero bits
    out.clear();
    // 'a' (00011) then 11 one bits: padding too long
    CHECK(huffmanDecode(fromHex("1fff"), out) == HuffmanStatus::BadPadding);
    CHECK(out == "a");  // what came before the fault is kept
    out.clear();
    // Symbol 10 has a 30-bit code, one of the three next to the EOS.
    Bytes enc;
    huffmanEncode(std::string(3, '\n'), enc);
    REQUIRE(huffmanDecode(enc, out) == HuffmanStatus::Ok);
    CHECK(out == std::string(3, '\n'));
}
