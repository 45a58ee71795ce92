// The fast JSON text writer must write exactly what nlohmann's dump writes (with the replace
// error handler), on hand-picked edge cases, on random bytes, and on real exports: golden files
// and consumers depend on the bytes, not only on the parsed value.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include "export/body_text.h"
#include "export/json_out.h"
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

// NDJSON stream lines are written as text as they are made (JsonOut), the document and the GUI
// keep a tree (JsonDom) built by the same code: the same writes must give nlohmann's bytes.
template <class Out>
void writeSample(Out& o) {
    const Bytes binary = {0x00, 0xff, 0x10, 0x80, 0x7f};
    const std::string text = "caf\xc3\xa9 \"quoted\"\n\t\x01";
    o.beginObject();
    o.key("int").value(-42);
    o.key("u64").value(std::numeric_limits<std::uint64_t>::max());
    o.key("i64").value(std::numeric_limits<std::int64_t>::min());
    o.key("u8").value(std::uint8_t{200});
    o.key("yes").value(true);
    o.key("no").value(false);
    o.key("nothing").null();
    o.key("doubles").beginArray();
    for (double d : {0.0, -0.0, 1.0, 0.1, 1e-7, 123456789.123456789, 1e300, -2.5e-300, 1.0 / 3,
                     std::numeric_limits<double>::infinity(), std::nan("")})
        o.value(d);
    o.endArray();
    o.key("empty_object").beginObject();
    o.endObject();
    o.key("empty_array").beginArray();
    o.endArray();
    o.key("nested").beginArray();
    o.beginArray();
    o.value("a");
    o.value(std::string_view("b"));
    o.endArray();
    o.beginObject();
    o.key("k\"ey").value(std::string("v\\"));
    o.endObject();
    o.endArray();
    o.key("invalid_utf8").value("\xc3\x28 \xff");
    o.key("binary").bytes(binary, false);
    o.key("text").bytes(asBytes(text), true);
    o.endObject();
}

TEST_CASE(
    "The streaming JSON writer writes the bytes nlohmann writes for the tree of the same "
    "writes") {
    std::string streamed;
    JsonOut out(streamed);
    writeSample(out);
    JsonDom dom;
    writeSample(dom);
    const Json tree = dom.take();
    CHECK(streamed == nlohmannText(tree, -1));
    CHECK(tree["binary"] == base64Encode(Bytes{0x00, 0xff, 0x10, 0x80, 0x7f}));
    CHECK(tree["doubles"].size() == 11);
    CHECK(tree["doubles"][9].is_number_float());  // nlohmann writes infinity as null
    CHECK(streamed.find("\"doubles\":[0.0,-0.0,1.0,0.1,1e-07,") != std::string::npos);
}

// `streams --json` writes its array one row at a time (no tree of every row): the pieces must
// join into what nlohmann writes for the whole array.
TEST_CASE("An array written element by element at level 1 equals nlohmann's pretty array") {
    Json all = Json::array();
    std::string text = "[";
    for (int i = 0; i < 3; ++i) {
        Json row;
        row["stream"] = i;
        row["headers"] = Json::array({Json::array({":path", "/x\"" + std::to_string(i)})});
        row["empty"] = Json::object();
        text += i == 0 ? "\n  " : ",\n  ";
        appendJson(text, row, 2, 1);
        all.push_back(row);
    }
    text += "\n]";
    CHECK(text == nlohmannText(all, 2));
}
