// The fast JSON text writer must write exactly what nlohmann's dump writes (with the replace
// error handler), on hand-picked edge cases, on random bytes, and on real exports: golden files
// and consumers depend on the bytes, not only on the parsed value.
#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "export/body_text.h"
#include "export/json_text.h"
#include "export_test_support.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

std::string nlohmannText(const Json& j, int indent) {
    return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string fastText(const Json& j, int indent) {
    std::string out;
    appendJson(out, j, indent);
    return out;
}

}  // namespace

TEST_CASE(
    "JSON strings with escapes, UTF-8 and invalid bytes are written as nlohmann writes them") {
    const std::vector<std::string> cases = {
        "",
        "plain ascii text that is longer than eight bytes",
        "quote \" backslash \\ slash / in the middle of a long run of text",
        std::string("nul \0 bell \a tab \t cr \r lf \n ff \f bs \b esc \x1b del \x7f", 49),
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 multi-byte after eight ascii",
        "\xc3",                      // truncated sequence
        "abcdefgh\xc0\xafijklmnop",  // overlong '/'
        "\xed\xa0\x80 surrogate",    // UTF-16 surrogate in UTF-8
        "\xf4\x90\x80\x80 above U+10FFFF",
        "\xff\xfe binary \x80\x81",
        std::string(1000, 'x') + "\"" + std::string(7, 'y'),
    };
    for (const auto& s : cases) {
        INFO(s);
        const Json j = s;
        CHECK(fastText(j, -1) == nlohmannText(j, -1));
        std::string lit;
        appendJsonString(lit, s);
        CHECK(lit == nlohmannText(j, -1));
    }
}

TEST_CASE(
    "JSON strings of random bytes, biased to the characters that need care, are written as "
    "nlohmann writes them") {
    std::mt19937 rng(20261123);
    const std::string alphabet = std::string("ab\"\\\n\t\x01\x1f\x7f", 9) +
                                 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\x80\xc0\xed\xa0";
    for (int round = 0; round < 5000; ++round) {
        const std::size_t len = rng() % 40;
        std::string s;
        for (std::size_t i = 0; i < len; ++i) {
            s +=
                rng() % 3 == 0 ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
        }
        const Json j = s;
        REQUIRE(fastText(j, -1) == nlohmannText(j, -1));
    }
}

TEST_CASE("JSON containers, numbers and pretty printing are written as nlohmann writes them") {
    const Json j = Json::parse(R"({"a":[],"b":{},"c":[1,-2,3.5,1e300,0.1,true,false,null],
        "d":{"x":{"y":[[],[{}],"s"]}},"e":18446744073709551615,"f":-9223372036854775808,"g":2.0})");
    for (int indent : {-1, 0, 2, 4}) {
        INFO(indent);
        CHECK(fastText(j, indent) == nlohmannText(j, indent));
        std::ostringstream os;
        writeJson(os, j, indent);
        CHECK(os.str() == nlohmannText(j, indent));
    }
}

TEST_CASE("The fast writer's text equals nlohmann's on the real export of every sample",
          "[uses-captures]") {
    ExportOptions options;
    options.frames = true;
    for (const auto& e : std::filesystem::directory_iterator(sourceDir() / "samples")) {
        const auto ext = e.path().extension();
        if (ext != ".pcap" && ext != ".pcapng") continue;
        INFO(e.path().filename().string());
        const Json doc = Json::parse(exportJson(e.path().string(), options));
        CHECK(fastText(doc, -1) == nlohmannText(doc, -1));
        std::ostringstream os;
        writeJson(os, doc, 2);
        CHECK(os.str() == nlohmannText(doc, 2));
    }
}

// NDJSON lines get their bodies written straight from the transcript (BodyTextSlots): the tree
// holds placeholders, which must survive the copies ordered_json makes when an object grows,
// and must not be forgeable by strings that come from a capture.
TEST_CASE(
    "Body slots put bodies into the text, also through copies, and leave a forged placeholder "
    "alone") {
    BodyTextSlots slots;
    const Bytes binary = {0x00, 0xff, 0x10, 0x80, 0x7f};
    const std::string text = "caf\xc3\xa9 \"quoted\"\n";
    Json body;
    body["data"] = slots.add(binary, false);
    body["text"] = slots.add(asBytes(text), true);
    // A string shaped like a placeholder, as a header value could be: left alone.
    const std::string forged = std::string("\x01") + std::string(16, '0') + "00000000";
    body["header"] = forged;
    Json tree;
    tree["first"] = 1;
    tree["body"] = body;  // a copy, as a growing object makes
    for (int i = 0; i < 20; ++i) tree["k" + std::to_string(i)] = i;  // more growth
    std::string out;
    appendJson(out, tree, -1, &slots);
    Json expected = tree;
    expected["body"]["data"] = base64Encode(binary);
    expected["body"]["text"] = text;
    CHECK(out == expected.dump(-1, ' ', false, Json::error_handler_t::replace));
    CHECK(out.find(base64Encode(binary)) != std::string::npos);
    // Without the slots the placeholders stay what they are: text that names nothing.
    std::string plain;
    appendJson(plain, tree);
    CHECK(plain.find(base64Encode(binary)) == std::string::npos);
    // Another set of slots does not resolve this one's placeholders past its own count.
    BodyTextSlots other;
    std::string none;
    appendJson(none, tree, -1, &other);
    CHECK(none == plain);
}
