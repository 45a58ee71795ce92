// PriorityTree on each RFC 7540 §5.3 / RFC 9218 rule, directly and through the engine on
// hand-made frames; the RFC 9218 field parser; PriorityFollow's measure.
#include <catch2/catch.hpp>

#include "frame_test_support.h"
#include "h2/connection_engine.h"
#include "h2/priority_follow.h"
#include "h2/priority_tree.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

PriorityFields dep(std::uint32_t parent, std::uint16_t rfcWeight, bool exclusive = false) {
    return PriorityFields{exclusive, parent, static_cast<std::uint8_t>(rfcWeight - 1)};
}

std::uint32_t parentOf(const PriorityTree& t, std::uint32_t s) {
    const PriorityNode* n = t.find(s);
    REQUIRE(n);
    return n->parent;
}

constexpr auto kFrame = PrioritySource::PriorityFrame;

}  // namespace

TEST_CASE(
    "In the priority tree a dependency sets parent and weight, and wire weights 0-255 read as "
    "1-256",
    "[h2][priority]") {
    PriorityTree t;
    CHECK(t.depend(1, 3, PriorityFields{false, 0, 0}, kFrame));
    CHECK(t.depend(2, 5, PriorityFields{false, 3, 255}, kFrame));
    CHECK(t.find(3)->weight == 1);
    CHECK(t.find(5)->weight == 256);
    CHECK(parentOf(t, 5) == 3);
    CHECK(t.isAncestor(3, 5));
    CHECK_FALSE(t.isAncestor(5, 3));
    CHECK(t.history().size() == 2);
}

TEST_CASE(
    "An exclusive insertion into the priority tree adopts the parent's children (RFC 7540 §5.3.1)",
    "[h2][priority]") {
    PriorityTree t;
    t.depend(1, 1, dep(0, 16), kFrame);
    t.depend(2, 3, dep(1, 16), kFrame);
    t.depend(3, 5, dep(1, 16), kFrame);
    t.depend(4, 7, dep(1, 32, true), kFrame);
    CHECK(parentOf(t, 7) == 1);
    CHECK(parentOf(t, 3) == 7);
    CHECK(parentOf(t, 5) == 7);
    CHECK(t.find(7)->exclusive);
    CHECK(t.find(7)->weight == 32);
}

TEST_CASE(
    "A dependency on a stream not in the priority tree creates it with default priority (RFC 7540 "
    "§5.3.4)",
    "[h2][priority]") {
    PriorityTree t;
    t.depend(1, 11, dep(13, 1), kFrame);
    const PriorityNode* idle = t.find(13);
    REQUIRE(idle);
    CHECK(idle->parent == 0);
    CHECK(idle->weight == 16);
    CHECK_FALSE(idle->rfc7540);
    CHECK(parentOf(t, 11) == 13);
    REQUIRE(t.history().size() == 2);
    CHECK(t.history()[0].source == PrioritySource::IdleParent);
}

TEST_CASE(
    "Reprioritising moves the subtree, and a descendant parent moves up first (RFC 7540 §5.3.3)",
    "[h2][priority]") {
    // RFC 7540 §5.3.3's figure: A under root; B, C under A; D, E under C; F under D.
    enum : std::uint32_t { A = 1, B = 3, C = 5, D = 7, E = 9, F = 11 };
    PriorityTree t;
    t.depend(1, A, dep(0, 16), kFrame);
    t.depend(2, B, dep(A, 16), kFrame);
    t.depend(3, C, dep(A, 16), kFrame);
    t.depend(4, D, dep(C, 16), kFrame);
    t.depend(5, E, dep(C, 16), kFrame);
    t.depend(6, F, dep(D, 16), kFrame);
    SECTION("non-exclusive: D moves up to A's parent, A under D with its subtree") {
        t.depend(7, A, dep(D, 16), kFrame);
        CHECK(parentOf(t, D) == 0);
        CHECK(parentOf(t, A) == D);
        CHECK(parentOf(t, F) == D);
        CHECK(parentOf(t, B) == A);
        CHECK(parentOf(t, C) == A);
        CHECK(parentOf(t, E) == C);
    }
    SECTION("exclusive: F becomes A's child too") {
        t.depend(7, A, dep(D, 16, true), kFrame);
        CHECK(parentOf(t, D) == 0);
        CHECK(parentOf(t, A) == D);
        CHECK(parentOf(t, F) == A);
        CHECK(parentOf(t, B) == A);
        CHECK(parentOf(t, C) == A);
        CHECK(parentOf(t, E) == C);
    }
    // The tree rebuilt from its history is the same tree.
    const PriorityTree replayed = PriorityTree::at(t.history(), 100);
    for (const auto& [id, n] : t.nodes()) CHECK(parentOf(replayed, id) == n.parent);
}

TEST_CASE("A stream depending on itself changes nothing in the priority tree", "[h2][priority]") {
    PriorityTree t;
    t.depend(1, 3, dep(0, 100), kFrame);
    CHECK_FALSE(t.depend(2, 3, dep(3, 16), kFrame));
    CHECK(t.find(3)->weight == 100);
    CHECK(t.history().size() == 1);
}

TEST_CASE("The priority tree at a time replays the changes up to it", "[h2][priority]") {
    PriorityTree t;
    t.depend(10, 3, dep(0, 16), kFrame);
    t.depend(20, 5, dep(3, 16), kFrame);
    t.depend(30, 5, dep(0, 200), kFrame);
    CHECK(PriorityTree::at(t.history(), 5).nodes().empty());
    CHECK(parentOf(PriorityTree::at(t.history(), 20), 5) == 3);
    CHECK(PriorityTree::at(t.history(), 29).find(5)->weight == 16);
    CHECK(PriorityTree::at(t.history(), 30).find(5)->weight == 200);
}

TEST_CASE(
    "The RFC 9218 priority field reads u and i with their defaults, and ignores unknown keys and "
    "bad values",
    "[h2][priority]") {
    CHECK(parsePriorityField("") == Rfc9218Priority{3, false});
    CHECK(parsePriorityField("u=0") == Rfc9218Priority{0, false});
    CHECK(parsePriorityField("u=5, i") == Rfc9218Priority{5, true});
    CHECK(parsePriorityField("i=?0, u=1") == Rfc9218Priority{1, false});
    CHECK(parsePriorityField("u=6, i, x-unknown=?1") == Rfc9218Priority{6, true});
    CHECK(parsePriorityField("foo=\"bar\";p=1, u=2, list=(a b)") == Rfc9218Priority{2, false});
    CHECK(parsePriorityField("u=2, u=4") == Rfc9218Priority{4, false});  // the last one wins
    // Out of range or of the wrong type: the member is ignored, the default stays.
    CHECK(parsePriorityField("u=8") == Rfc9218Priority{3, false});
    CHECK(parsePriorityField("u=-1") == Rfc9218Priority{3, false});
    CHECK(parsePriorityField("u=1.5, i=3") == Rfc9218Priority{3, false});
    CHECK(parsePriorityField("u=?1") == Rfc9218Priority{3, false});
    // Not a dictionary: the whole field is ignored.
    CHECK_FALSE(parsePriorityField("U=1"));
    CHECK_FALSE(parsePriorityField("u=1,"));
    CHECK_FALSE(parsePriorityField("u=1 i"));
    CHECK_FALSE(parsePriorityField("u=\"open"));
}

TEST_CASE(
    "PRIORITY_UPDATE and priority headers set a stream's urgency, and the response header is kept "
    "as the server's",
    "[h2][priority]") {
    PriorityTree t;
    CHECK(t.prioritize(1, 1, "u=5", PrioritySource::RequestHeader));
    CHECK(t.prioritize(2, 1, "u=1, i", PrioritySource::PriorityUpdate));
    CHECK(t.prioritize(3, 1, "u=0", PrioritySource::ResponseHeader));
    CHECK_FALSE(t.prioritize(4, 1, "u=1,", PrioritySource::PriorityUpdate));
    const PriorityNode* n = t.find(1);
    REQUIRE(n);
    CHECK(n->urgency == Rfc9218Priority{1, true});
    REQUIRE(n->serverApplied);
    CHECK(n->serverApplied->urgency == 0);
    CHECK(t.sawRfc9218());
    CHECK_FALSE(t.sawRfc7540());
    CHECK(PriorityTree::at(t.history(), 1).find(1)->urgency.urgency == 5);
}

TEST_CASE(
    "After SETTINGS_NO_RFC7540_PRIORITIES=1 RFC 7540 signals are kept in the tree but not applied",
    "[h2][priority]") {
    PriorityTree t;
    t.depend(1, 3, dep(0, 16), kFrame);
    t.setServerNoRfc7540(true);
    t.depend(2, 5, dep(3, 100, true), kFrame);
    REQUIRE(t.history().size() == 2);
    CHECK(t.history()[1].ignored);
    CHECK(parentOf(t, 5) == 0);
    CHECK(t.find(5)->weight == 16);
    CHECK(parentOf(PriorityTree::at(t.history(), 2), 5) == 0);
}

TEST_CASE("The priority tree's nodes and history are bounded, and what is cut is counted",
          "[h2][priority]") {
    PriorityTree t;
    for (std::uint32_t i = 0; i < PriorityTree::kMaxNodes + 10; ++i) {
        t.prioritize(i, 2 * i + 1, "u=1", PrioritySource::PriorityUpdate);
    }
    CHECK(t.nodes().size() == PriorityTree::kMaxNodes);
    CHECK(t.droppedSignals() == 10);
    for (std::uint32_t i = 0; t.history().size() < PriorityTree::kMaxHistory; ++i) {
        t.prioritize(i, 1, "u=2", PrioritySource::PriorityUpdate);
    }
    t.prioritize(1, 1, "u=4", PrioritySource::PriorityUpdate);
    CHECK(t.historyCut() == 1);
    CHECK(t.find(1)->urgency.urgency == 4);  // applied, only not recorded
}

namespace {

constexpr std::uint8_t kData = 0, kHeaders = 1, kPriority = 2, kSettings = 4,
                       kPriorityUpdate = 0x10;
constexpr std::uint8_t kEndStream = 1, kEndHeaders = 4, kAck = 1, kPriorityFlag = 0x20;
const Bytes kGetRequest = {0x82, 0x86, 0x84};  // :method GET, :scheme http, :path /
const Bytes kStatus200 = {0x88};

Bytes priorityPayload(std::uint32_t parent, std::uint8_t wireWeight, bool exclusive) {
    return cat({be32(parent | (exclusive ? 0x80000000u : 0)), Bytes{wireWeight}});
}

// A literal header field without indexing, new name (RFC 7541 §6.2.2).
Bytes literal(std::string_view name, std::string_view value) {
    Bytes b{0x00, static_cast<std::uint8_t>(name.size())};
    b.insert(b.end(), name.begin(), name.end());
    b.push_back(static_cast<std::uint8_t>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
    return b;
}

struct Recorder : H2Listener {
    std::vector<StreamRecord> streams;
    std::vector<Anomaly> anomalies;
    void onStreamDone(const ConnectionInfo&, const StreamRecord& s) override {
        streams.push_back(s);
    }
    void onAnomaly(const ConnectionInfo&, const Anomaly& a) override { anomalies.push_back(a); }
};

struct Conversation {
    Limits limits;
    Recorder rec;
    ConnectionEngine engine{limits, ConnectionInfo{}, &rec};
    TimestampNs t = 1'000'000'000;
    explicit Conversation(Bytes serverSettings = {}) {
        engine.startPriorKnowledge();
        c2s(cat({str(kClientPreface), frameBytes(kSettings, 0, 0, {})}));
        s2c(frameBytes(kSettings, 0, 0, serverSettings));
        c2s(frameBytes(kSettings, kAck, 0, {}));
        s2c(frameBytes(kSettings, kAck, 0, {}));
    }
    void c2s(const Bytes& b) { engine.feed(Direction::ClientToServer, b, t += 1000); }
    void s2c(const Bytes& b) { engine.feed(Direction::ServerToClient, b, t += 1000); }
    const PriorityTree& tree() { return engine.summary().priorities; }
};

}  // namespace

TEST_CASE("The engine builds the client's tree from HEADERS with PRIORITY and from PRIORITY frames",
          "[h2][priority]") {
    Conversation c;
    c.c2s(frameBytes(kPriority, 0, 3, priorityPayload(0, 200, false)));  // an idle anchor
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders | kPriorityFlag, 1,
                     cat({priorityPayload(3, 31, false), kGetRequest})));
    c.c2s(frameBytes(kHeaders, kEndStream | kEndHeaders, 5, kGetRequest));  // default priority
    c.c2s(frameBytes(kPriority, 0, 5, priorityPayload(3, 7, true)));
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, kStatus200));
    c.s2c(frameBytes(kData, kEndStream, 1, str("x")));
    CHECK(c.tree().find(3)->weight == 201);
    CHECK(c.tree().find(5)->parent == 3);
    CHECK(c.tree().find(1)->parent == 5);  // moved below 5 by its exclusive insertion
    REQUIRE(c.rec.streams.size() == 1);
    const StreamPriority& p = c.rec.streams[0].priority;
    CHECK(p.inTree);
    CHECK(p.parent == 5);
    CHECK(p.weight == 32);
    CHECK(p.rfc7540);
    CHECK(c.rec.anomalies.empty());
}

TEST_CASE(
    "The engine reports a stream depending on itself as a SELF_DEPENDENCY anomaly citing RFC 9113 "
    "§5.3.1",
    "[h2][priority]") {
    Conversation c;
    c.c2s(frameBytes(kPriority, 0, 7, priorityPayload(7, 15, false)));
    REQUIRE(c.rec.anomalies.size() == 1);
    CHECK(c.rec.anomalies[0].name == "SELF_DEPENDENCY");
    CHECK(c.rec.anomalies[0].rfc == "RFC 9113 §5.3.1 (RFC 7540 §5.3.1)");
    CHECK(c.rec.anomalies[0].streamId == 7);
    CHECK(c.tree().find(7) == nullptr);
}

TEST_CASE(
    "The engine reads priority headers and PRIORITY_UPDATE (RFC 9218) and ignores the RFC 7540 "
    "signals the server disabled",
    "[h2][priority]") {
    Conversation c(cat({be16(0x9), be32(1)}));  // SETTINGS_NO_RFC7540_PRIORITIES = 1
    CHECK(c.tree().serverNoRfc7540());
    c.c2s(
        frameBytes(kHeaders, kEndStream | kEndHeaders | kPriorityFlag, 1,
                   cat({priorityPayload(0, 100, true), kGetRequest, literal("priority", "u=5")})));
    c.c2s(frameBytes(kPriorityUpdate, 0, 0, cat({be32(1), str("u=1, i")})));
    c.c2s(frameBytes(kPriorityUpdate, 0, 0, cat({be32(4), str("u=0")})));  // a push stream
    c.s2c(frameBytes(kHeaders, kEndHeaders, 1, cat({kStatus200, literal("priority", "u=2")})));
    c.s2c(frameBytes(kData, kEndStream, 1, str("x")));
    REQUIRE(c.rec.streams.size() == 1);
    const StreamPriority& p = c.rec.streams[0].priority;
    CHECK(p.urgency == 1);
    CHECK(p.incremental);
    CHECK(p.rfc9218);
    CHECK(p.weight == 16);  // the HEADERS priority block was ignored
    CHECK_FALSE(p.exclusive);
    CHECK(c.tree().find(4)->urgency.urgency == 0);
    REQUIRE(c.tree().find(1)->serverApplied);
    CHECK(c.tree().find(1)->serverApplied->urgency == 2);
    const auto& h = c.tree().history();
    REQUIRE(h.size() == 5);
    CHECK(h[0].source == PrioritySource::HeadersFrame);
    CHECK(h[0].ignored);
    CHECK(h[1].source == PrioritySource::RequestHeader);
    CHECK(h[2].source == PrioritySource::PriorityUpdate);
    CHECK(h[4].source == PrioritySource::ResponseHeader);
}

TEST_CASE(
    "Priority following counts DATA to a lower-urgency stream while a higher one is ready against "
    "the server",
    "[h2][priority]") {
    PriorityTree t;
    t.prioritize(1, 1, "u=0", PrioritySource::RequestHeader);
    t.prioritize(1, 3, "u=5", PrioritySource::RequestHeader);
    PriorityFollow f;
    f.responseStarted(1, 10);
    f.responseStarted(3, 10);
    f.serverData(3, 100, 20);  // 1 is ready and more urgent: out of order
    f.serverData(1, 100, 30);
    f.serverData(3, 100, 40);  // 1 still has data to come: out of order
    f.serverData(1, 100, 50);  // 1's last frame
    f.serverData(3, 100, 60);  // alone: not contended
    const PriorityFollowResult r = f.measure(t, {});
    CHECK(r.scheme == PriorityScheme::Rfc9218);
    CHECK(r.dataBytes == 500);
    CHECK(r.contendedBytes == 400);
    CHECK(r.outOfOrderBytes == 200);
    CHECK_FALSE(r.followed());
    // The urgent stream stalled on its window at 35-45: the frame at 40 is not held against it.
    const std::vector<FlowStall> stalls{{Direction::ServerToClient, 1, 35, TimestampNs{45}}};
    const PriorityFollowResult s = f.measure(t, stalls);
    CHECK(s.contendedBytes == 300);
    CHECK(s.outOfOrderBytes == 100);
}

TEST_CASE("Priority following under RFC 7540 judges ancestors first, not sibling weights",
          "[h2][priority]") {
    PriorityTree t;
    t.depend(1, 1, dep(0, 16), kFrame);
    t.depend(1, 3, dep(1, 256), kFrame);
    t.depend(1, 5, dep(0, 1), kFrame);
    PriorityFollow f;
    for (std::uint32_t s : {1u, 3u, 5u}) f.responseStarted(s, 5);
    f.serverData(3, 10, 10);  // its parent 1 is ready: out of order
    f.serverData(5, 10, 20);  // a light sibling of 1: proportional sharing, not judged
    f.serverData(1, 10, 30);
    f.serverData(3, 10, 40);
    f.serverData(5, 10, 50);
    const PriorityFollowResult r = f.measure(t, {});
    CHECK(r.scheme == PriorityScheme::Rfc7540);
    CHECK(r.outOfOrderBytes == 10);
    CHECK(r.contendedBytes == 40);
    CHECK(r.followed() == false);  // 25% > 10%
}
