// Content decoding, digests and text rendering on bytes made by independent tools (zlib, the
// gzip/zstd/brotli programs) and on published test vectors.
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "export/body_text.h"
#include "export/content_decoding.h"
#include "export/sha256.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

Bytes sampleText() {
    std::string s;
    std::mt19937 rng(7);
    const char* words[] = {"stream ", "frame ", "hpack ", "window ", "settings\n", "ping "};
    while (s.size() < 50000) s += words[rng() % 6];
    return Bytes(s.begin(), s.end());
}

Bytes zlibCompress(const Bytes& in, int windowBits) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
    Bytes out(deflateBound(&z, in.size()) + 64);
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

Bytes readFile(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(f), {});
}

// Runs `tool` with the text on stdin, returns its stdout. The files are named after the process:
// ctest -j runs test cases of this file side by side.
Bytes throughTool(const std::string& tool, const Bytes& in) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string pid = std::to_string(::getpid());
    const auto src = dir / ("h2lens_export_codec_in." + pid);
    const auto dst = dir / ("h2lens_export_codec_out." + pid);
    std::ofstream(src, std::ios::binary)
        .write(reinterpret_cast<const char*>(in.data()), static_cast<long>(in.size()));
    runCommand(tool + " < " + shellQuote(src.string()) + " > " + shellQuote(dst.string()));
    Bytes out = readFile(dst);
    std::filesystem::remove(src);
    std::filesystem::remove(dst);
    return out;
}

}  // namespace

TEST_CASE("SHA-256 matches the FIPS 180-2 vectors, also when fed in pieces") {
    CHECK(Sha256::of(asBytes("abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(Sha256::of({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const std::string s = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    Sha256 h;
    for (std::size_t i = 0; i < s.size(); i += 5)
        h.update(asBytes(s).subspan(i, std::min<std::size_t>(5, s.size() - i)));
    CHECK(h.hex() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// A digest makes its OpenSSL context on first use: one never fed, or copied before it was,
// must still give the digest of what it was given.
TEST_CASE("SHA-256 never fed, copied before and after its first bytes, gives the right digests") {
    const Sha256 unused;
    CHECK(unused.hex() == Sha256::of({}));
    Sha256 copyOfUnused(unused);
    copyOfUnused.update(asBytes("abc"));
    CHECK(copyOfUnused.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(unused.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 half;
    half.update(asBytes("ab"));
    Sha256 rest(half);
    rest.update(asBytes("c"));
    CHECK(rest.hex() == Sha256::of(asBytes("abc")));
    CHECK(half.hex() == Sha256::of(asBytes("ab")));
    Sha256 assigned;
    assigned = rest;
    CHECK(assigned.hex() == rest.hex());
}

TEST_CASE("Base64 encoding follows RFC 4648 section 10") {
    CHECK(base64Encode(asBytes("")) == "");
    CHECK(base64Encode(asBytes("f")) == "Zg==");
    CHECK(base64Encode(asBytes("fo")) == "Zm8=");
    CHECK(base64Encode(asBytes("foo")) == "Zm9v");
    CHECK(base64Encode(asBytes("foob")) == "Zm9vYg==");
    CHECK(base64Encode(asBytes("fooba")) == "Zm9vYmE=");
    CHECK(base64Encode(asBytes("foobar")) == "Zm9vYmFy");
}

TEST_CASE("Base64 of every length and byte value equals OpenSSL's EVP_EncodeBlock") {
    // The vectorised path handles 12 bytes per step and the scalar loop the tail: lengths 0..260
    // cover every split between them; length 256 holds every byte value.
    std::mt19937 rng(7);
    for (std::size_t len = 0; len <= 260; ++len) {
        std::vector<std::uint8_t> in(len);
        for (auto& b : in) b = static_cast<std::uint8_t>(rng());
        if (len == 256) std::iota(in.begin(), in.end(), std::uint8_t{0});
        std::string expected(4 * ((len + 2) / 3) + 1, '\0');
        const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(expected.data()), in.data(),
                                      static_cast<int>(len));
        expected.resize(static_cast<std::size_t>(n));
        INFO(len);
        REQUIRE(base64Encode(ByteSpan(in.data(), in.size())) == expected);
    }
}

TEST_CASE("UTF-8 text detection rejects overlongs, surrogates and binary") {
    CHECK(isUtf8Text(asBytes("plain text\r\n\twith tabs")));
    CHECK(isUtf8Text(asBytes("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
    CHECK_FALSE(isUtf8Text(asBytes(std::string_view("a\0b", 3))));
    CHECK_FALSE(isUtf8Text(asBytes("\xc0\xaf")));          // overlong '/'
    CHECK_FALSE(isUtf8Text(asBytes("\xed\xa0\x80")));      // surrogate
    CHECK_FALSE(isUtf8Text(asBytes("\xf4\x90\x80\x80")));  // above U+10FFFF
    CHECK_FALSE(isUtf8Text(asBytes("\xe2\x82")));          // cut
    const std::string euro = "ab\xe2\x82\xac";
    CHECK(utf8Prefix(asBytes(euro), 3) == 2);  // never splits the euro sign
    CHECK(utf8Prefix(asBytes(euro), 5) == 5);
}

TEST_CASE("Bodies in gzip, zlib deflate and raw deflate decode to the original") {
    const Bytes text = sampleText();
    for (int bits : {15 + 16, 15, -15}) {
        const Bytes packed = zlibCompress(text, bits);
        const auto codings = parseCodings(bits == 31 ? "gzip" : "deflate");
        DecodedContent d = decodeContent(packed, codings, 1 << 20);
        INFO("windowBits " << bits);
        CHECK_FALSE(d.error);
        CHECK_FALSE(d.truncated);
        CHECK(d.bytes == text);
        // Cut input decodes as far as it goes and says so.
        DecodedContent cut =
            decodeContent(ByteSpan(packed).first(packed.size() / 2), codings, 1 << 20);
        CHECK(cut.error);
        CHECK(cut.bytes.size() < text.size());
    }
}

TEST_CASE("The output cap stops a compression bomb") {
    const Bytes zeros(4 << 20, 0);
    const Bytes packed = zlibCompress(zeros, 31);
    DecodedContent d = decodeContent(packed, {"gzip"}, 100000);
    CHECK(d.truncated);
    CHECK(d.bytes.size() == 100000);
}

TEST_CASE("Stacked codings are undone last first, with the gzip and zstd programs") {
    if (!haveProgram("gzip") || !haveProgram("zstd")) {
        WARN("skipped: gzip or zstd program missing");
        return;
    }
    const Bytes text = sampleText();
    const Bytes gz = throughTool("gzip -c", text);
    REQUIRE(gz.size() > 18);
    const Bytes both = throughTool("zstd -q -c", gz);  // content-encoding: gzip, zstd
    DecodedContent d = decodeContent(both, parseCodings("gzip, zstd"), 1 << 20);
    CHECK_FALSE(d.error);
    CHECK(d.codings == std::vector<std::string>{"gzip", "zstd"});
    CHECK(d.bytes == text);
    DecodedContent wrongOrder = decodeContent(both, parseCodings("zstd, gzip"), 1 << 20);
    CHECK(wrongOrder.error);
}

TEST_CASE("Zstandard frames written by the zstd library decode") {
    const Bytes text = sampleText();
    Bytes packed(ZSTD_compressBound(text.size()));
    packed.resize(ZSTD_compress(packed.data(), packed.size(), text.data(), text.size(), 3));
    DecodedContent d = decodeContent(packed, {"zstd"}, 1 << 20);
    CHECK_FALSE(d.error);
    CHECK(d.bytes == text);
}

TEST_CASE(
    "Brotli decodes, from RFC 7932 uncompressed meta-blocks and from the brotli program when "
    "installed") {
    // RFC 7932 §9.2: WBITS=16 ('0'), then a meta-block header ISLAST=0, MNIBBLES=4, MLEN-1 and
    // ISUNCOMPRESSED=1, byte-aligned raw bytes, then ISLAST=1 ISLASTEMPTY=1. Assembled by hand.
    const std::string msg = "hello, brotli";
    const std::uint32_t mlen1 = static_cast<std::uint32_t>(msg.size() - 1);
    std::uint64_t bits = 0;
    int n = 0;
    auto put = [&](std::uint32_t v, int count) {
        bits |= std::uint64_t{v} << n;
        n += count;
    };
    put(0, 1);       // WBITS 16
    put(0, 1);       // ISLAST 0
    put(0, 2);       // MNIBBLES 4
    put(mlen1, 16);  // MLEN - 1
    put(1, 1);       // ISUNCOMPRESSED
    Bytes br;
    while (n > 0) {
        br.push_back(static_cast<std::uint8_t>(bits & 0xff));
        bits >>= 8;
        n -= 8;
    }
    br.insert(br.end(), msg.begin(), msg.end());
    br.push_back(0x03);  // ISLAST 1, ISLASTEMPTY 1
    DecodedContent d = decodeContent(br, {"br"}, 1 << 20);
    CHECK_FALSE(d.error);
    CHECK(std::string(asStringView(d.bytes)) == msg);
    DecodedContent cut = decodeContent(ByteSpan(br).first(br.size() - 1), {"br"}, 1 << 20);
    CHECK(cut.error);

    if (!haveProgram("brotli")) {
        WARN("skipped the brotli-program part: brotli CLI not installed");
        return;
    }
    const Bytes text = sampleText();
    const Bytes packed = throughTool("brotli -c", text);
    DecodedContent real = decodeContent(packed, {"br"}, 1 << 20);
    CHECK_FALSE(real.error);
    CHECK(real.bytes == text);
}

TEST_CASE("Unknown codings are reported and identity is ignored") {
    CHECK(parseCodings(" GZip ,identity, br") == std::vector<std::string>{"gzip", "br"});
    DecodedContent d = decodeContent(asBytes("x"), {"compress"}, 100);
    REQUIRE(d.error);
    CHECK(d.error->find("compress") != std::string::npos);
}
