// RFC 7541 Appendix C: every example block, the decoded list, and the dynamic table the RFC
// lists after each one.
#include <catch2/catch.hpp>

#include "hpack/hpack_decoder.h"
#include "hpack_test_util.h"

using namespace h2lens;
using h2lens::test::fromHex;
using h2lens::test::HeaderList;

namespace {

struct Expected {
    const char* wire;
    HeaderList headers;
    HeaderList table;  // newest first
    std::size_t tableSize;
};

HeaderList decodedList(const HpackBlock& b) {
    HeaderList out;
    for (const auto& f : b.fields) out.emplace_back(f.name, f.value);
    return out;
}

HeaderList tableOf(const HpackDecoder& d) {
    HeaderList out;
    for (std::size_t i = 0; i < d.tableEntries(); ++i)
        out.emplace_back(d.tableEntry(i).name, d.tableEntry(i).value);
    return out;
}

void runSequence(HpackDecoder& d, const std::vector<Expected>& steps) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
        INFO("block " << i);
        const Bytes wire = fromHex(steps[i].wire);
        const HpackBlock b = d.decodeBlock(wire);
        REQUIRE_FALSE(b.error);
        CHECK(decodedList(b) == steps[i].headers);
        CHECK(tableOf(d) == steps[i].table);
        CHECK(d.tableSize() == steps[i].tableSize);
        CHECK(d.tableSizeExact());
    }
}

const HeaderList kReq1 = {
    {":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {":authority", "www.example.com"}};
const HeaderList kReq2 = {{":method", "GET"},
                          {":scheme", "http"},
                          {":path", "/"},
                          {":authority", "www.example.com"},
                          {"cache-control", "no-cache"}};
const HeaderList kReq3 = {{":method", "GET"},
                          {":scheme", "https"},
                          {":path", "/index.html"},
                          {":authority", "www.example.com"},
                          {"custom-key", "custom-value"}};
const std::vector<Expected> kRequests = {
    {"", kReq1, {{":authority", "www.example.com"}}, 57},
    {"", kReq2, {{"cache-control", "no-cache"}, {":authority", "www.example.com"}}, 110},
    {"",
     kReq3,
     {{"custom-key", "custom-value"},
      {"cache-control", "no-cache"},
      {":authority", "www.example.com"}},
     164},
};

std::vector<Expected> withWires(std::vector<Expected> steps, std::vector<const char*> wires) {
    for (std::size_t i = 0; i < steps.size(); ++i) steps[i].wire = wires[i];
    return steps;
}

const HeaderList kResp1 = {{":status", "302"},
                           {"cache-control", "private"},
                           {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
                           {"location", "https://www.example.com"}};
const HeaderList kResp2 = {{":status", "307"},
                           {"cache-control", "private"},
                           {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
                           {"location", "https://www.example.com"}};
const HeaderList kResp3 = {
    {":status", "200"},
    {"cache-control", "private"},
    {"date", "Mon, 21 Oct 2013 20:13:22 GMT"},
    {"location", "https://www.example.com"},
    {"content-encoding", "gzip"},
    {"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"}};
const std::vector<Expected> kResponses = {
    {"",
     kResp1,
     {{"location", "https://www.example.com"},
      {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
      {"cache-control", "private"},
      {":status", "302"}},
     222},
    {"",
     kResp2,
     {{":status", "307"},
      {"location", "https://www.example.com"},
      {"date", "Mon, 21 Oct 2013 20:13:21 GMT"},
      {"cache-control", "private"}},
     222},
    {"",
     kResp3,
     {{"set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"},
      {"content-encoding", "gzip"},
      {"date", "Mon, 21 Oct 2013 20:13:22 GMT"}},
     215},
};

}  // namespace

TEST_CASE("The RFC 7541 C.2 single representations decode as the RFC shows", "[hpack][rfc]") {
    Limits limits;
    SECTION("C.2.1 literal with indexing") {
        HpackDecoder d(limits);
        runSequence(d, {{"400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
                         {{"custom-key", "custom-header"}},
                         {{"custom-key", "custom-header"}},
                         55}});
    }
    SECTION("C.2.2 literal without indexing") {
        HpackDecoder d(limits);
        const HpackBlock b = d.decodeBlock(fromHex("040c 2f73 616d 706c 652f 7061 7468"));
        REQUIRE(b.fields.size() == 1);
        CHECK(b.fields[0].name == ":path");
        CHECK(b.fields[0].value == "/sample/path");
        CHECK(b.fields[0].index == 4);
        CHECK(b.fields[0].representation == HpackRepresentation::LiteralWithoutIndexing);
        CHECK(d.tableEntries() == 0);
    }
    SECTION("C.2.3 literal never indexed") {
        HpackDecoder d(limits);
        const HpackBlock b = d.decodeBlock(fromHex("1008 7061 7373 776f 7264 0673 6563 7265 74"));
        REQUIRE(b.fields.size() == 1);
        CHECK(b.fields[0].name == "password");
        CHECK(b.fields[0].value == "secret");
        CHECK(b.fields[0].index == 0);
        CHECK(b.fields[0].representation == HpackRepresentation::LiteralNeverIndexed);
        CHECK(d.tableEntries() == 0);
    }
    SECTION("C.2.4 indexed") {
        HpackDecoder d(limits);
        const HpackBlock b = d.decodeBlock(fromHex("82"));
        REQUIRE(b.fields.size() == 1);
        CHECK(b.fields[0].name == ":method");
        CHECK(b.fields[0].value == "GET");
        CHECK(b.fields[0].representation == HpackRepresentation::Indexed);
        CHECK(b.fields[0].index == 2);
    }
}

TEST_CASE("The RFC 7541 C.3 requests without Huffman decode as the RFC shows", "[hpack][rfc]") {
    HpackDecoder d(Limits{});
    runSequence(d,
                withWires(kRequests, {"8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                                      "8286 84be 5808 6e6f 2d63 6163 6865",
                                      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d "
                                      "7661 6c75 65"}));
}

TEST_CASE("The RFC 7541 C.4 requests with Huffman decode as the RFC shows", "[hpack][rfc]") {
    HpackDecoder d(Limits{});
    runSequence(d, withWires(kRequests, {"8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
                                         "8286 84be 5886 a8eb 1064 9cbf",
                                         "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b "
                                         "b8e8 b4bf"}));
}

TEST_CASE(
    "The RFC 7541 C.5 responses without Huffman decode as the RFC shows with a table size of 256",
    "[hpack][rfc]") {
    HpackDecoder d(Limits{});
    d.setSettingsTableSize(256);
    // The RFC example runs with a 256-byte table from the start; say so with an update first.
    REQUIRE(d.decodeBlock(fromHex("3fe101")).tableSizeUpdates == std::vector<std::uint32_t>{256});
    runSequence(
        d, withWires(
               kResponses,
               {"4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 "
                "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 "
                "6c65 2e63 6f6d",
                "4803 3330 37c1 c0bf",
                "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d "
                "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 "
                "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e "
                "3d31"}));
}

TEST_CASE(
    "The RFC 7541 C.6 responses with Huffman decode as the RFC shows with a table size of 256",
    "[hpack][rfc]") {
    HpackDecoder d(Limits{});
    d.setSettingsTableSize(256);
    REQUIRE(d.decodeBlock(fromHex("3fe101")).tableSizeUpdates == std::vector<std::uint32_t>{256});
    runSequence(
        d, withWires(
               kResponses,
               {"4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 "
                "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
                "4883 640e ffc1 c0bf",
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab "
                "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f "
                "9587 3160 65c0 03ed 4ee5 b106 3d50 07"}));
    CHECK(d.maxTableSize() == 256);
}
