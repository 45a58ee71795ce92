// gRPC message framing and raw protobuf decoding: the protobuf encoding guide's examples, and
// the real gRPC captures (grpcio, Wireshark's grpc samples, deepflow's).
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "export/body_text.h"
#include "export/grpc_messages.h"
#include "export/protobuf_raw.h"
#include "export_test_support.h"
#include "test_support.h"

using namespace h2lens;
using namespace h2lens::test;

namespace {

Bytes hexBytes(std::string_view hex) {
    Bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

struct Collected : TranscriptSink {
    std::vector<StreamTranscript> streams;
    void onStream(const StreamTranscript& s) override {
        StreamTranscript copy;
        copy.conn = s.conn;
        copy.record = s.record;
        for (int d = 0; d < 2; ++d) {
            copy.body[d].size = s.body[d].size;
            copy.body[d].retained = s.body[d].retained;
        }
        streams.push_back(std::move(copy));
    }
    void onConnection(const ConnectionTranscript&) override {}
};

std::vector<StreamTranscript> collect(const std::filesystem::path& file) {
    ExportOptions o;
    Collected sink;
    TranscriptCollector collector(o, &sink);
    Analyzer* a = nullptr;
    runThrough(file.string(), collector, a);
    return std::move(sink.streams);
}

}  // namespace

TEST_CASE("The protobuf encoding guide examples decode field by field") {
    // https://protobuf.dev/programming-guides/encoding/: 150 in field 1, "testing" in field 2,
    // and a Test3 {c: Test1 {a: 150}} nesting.
    ProtoMessage m = decodeProtobufRaw(hexBytes("089601"));
    REQUIRE(m.ok);
    REQUIRE(m.fields.size() == 1);
    CHECK(m.fields[0].number == 1);
    CHECK(m.fields[0].wireType == ProtoWireType::Varint);
    CHECK(m.fields[0].varint == 150);

    m = decodeProtobufRaw(hexBytes("120774657374696e67"));
    REQUIRE(m.ok);
    CHECK(m.fields[0].number == 2);
    CHECK(m.fields[0].shape == ProtoField::Shape::String);
    CHECK(std::string(asStringView(m.fields[0].bytes)) == "testing");

    m = decodeProtobufRaw(hexBytes("1a03089601"));
    REQUIRE(m.ok);
    CHECK(m.fields[0].number == 3);
    REQUIRE(m.fields[0].shape == ProtoField::Shape::Message);
    CHECK(m.fields[0].children[0].varint == 150);

    // fixed32 / fixed64 little endian
    m =
        decodeProtobufRaw(hexBytes("0d01000000"
                                   "110200000000000000"));
    REQUIRE(m.ok);
    CHECK(m.fields[0].varint == 1);
    CHECK(m.fields[1].varint == 2);
}

TEST_CASE("Input that is not protobuf is reported, not thrown") {
    ProtoMessage m = decodeProtobufRaw(asBytes("GET / HTTP/1.1\r\n"));
    CHECK_FALSE(m.ok);
    CHECK_FALSE(m.error.empty());
    CHECK_FALSE(decodeProtobufRaw(hexBytes("0896")).ok);        // cut varint
    CHECK_FALSE(decodeProtobufRaw(hexBytes("0a05616263")).ok);  // length past the end
    CHECK_FALSE(decodeProtobufRaw(hexBytes("0f")).ok);          // wire type 7
}

TEST_CASE("gRPC bodies split into length-prefixed messages, also across cuts") {
    const Bytes body = hexBytes(
        "000000000f0a0b68656c6c6f20706c61696e1000"
        "0000000002"
        "0801"
        "0000000005"
        "08");
    GrpcBody g = splitGrpcBody(body, "", 100, 1 << 20);
    REQUIRE(g.messages.size() == 3);
    CHECK(g.messages[0].length == 15);
    CHECK(g.messages[1].offset == 20);
    CHECK(g.messages[1].payload == hexBytes("0801"));
    CHECK_FALSE(g.messages[2].payloadComplete);
    CHECK(isGrpcContentType("application/grpc"));
    CHECK(isGrpcContentType("application/grpc+proto"));
    CHECK(isGrpcContentType("Application/GRPC-web"));
    CHECK_FALSE(isGrpcContentType("application/grpcx"));
    CHECK_FALSE(isGrpcContentType("application/json"));
}

TEST_CASE(
    "In capture 13_grpc_python gRPC message lengths equal tshark's and gzip messages decompress",
    "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto dir = sharedDir() / "captures" / "13_grpc_python";
    // tshark's grpc.message_length per TCP connection, in capture order.
    std::map<int, std::vector<std::uint32_t>> reference;
    std::ifstream ref(dir / "reference" / "grpc_messages.txt");
    std::string line;
    std::getline(ref, line);  // header
    while (std::getline(ref, line)) {
        std::istringstream in(line);
        std::string frame, tcp, streams, lens;
        std::getline(in, frame, '\t');
        std::getline(in, tcp, '\t');
        std::getline(in, streams, '\t');
        std::getline(in, lens, '\t');
        std::istringstream ls(lens);
        std::string one;
        while (std::getline(ls, one, ','))
            reference[std::stoi(tcp)].push_back(static_cast<std::uint32_t>(std::stoul(one)));
    }
    REQUIRE_FALSE(reference.empty());

    const auto streams = collect(dir / "capture.pcap");
    std::map<int, std::multiset<std::uint32_t>> ours;
    int compressedSeen = 0, statusFailures = 0;
    for (const auto& s : streams) {
        for (int d = 0; d < 2; ++d) {
            const auto& block = d == 0 ? s.record.request : s.record.response;
            const std::string enc = block ? std::string(block->value("grpc-encoding")) : "";
            GrpcBody g = splitGrpcBody(s.body[d].retained, enc, 1000, 1 << 24);
            CHECK(g.trailingBytes == 0);
            for (const auto& m : g.messages) {
                ours[static_cast<int>(s.conn.id)].insert(m.length);
                CHECK_FALSE(m.error);
                if (m.compressed) {
                    ++compressedSeen;
                    CHECK(decodeProtobufRaw(m.payload).ok);  // gunzipped payload is protobuf again
                }
            }
        }
        const auto& trailers =
            s.record.responseTrailers ? s.record.responseTrailers : s.record.response;
        if (trailers && trailers->value("grpc-status") != "0" &&
            !trailers->value("grpc-status").empty())
            ++statusFailures;
    }
    for (const auto& [conn, lens] : reference) {
        INFO("tcp stream " << conn);
        CHECK(std::multiset<std::uint32_t>(lens.begin(), lens.end()) == ours[conn]);
    }
    CHECK(compressedSeen > 0);  // the scenario sends gzip-compressed messages
    CHECK(statusFailures > 0);  // and a trailers-only error
}

TEST_CASE("Every gRPC body of the corpus gRPC captures splits into whole protobuf messages",
          "[uses-captures]") {
    H2LENS_REQUIRE_SHARED();
    const auto corpus = sharedDir() / "corpus" / "pcaps";
    const std::vector<std::filesystem::path> files = {
        corpus / "deepflow" / "grpc-unary.pcap", corpus / "deepflow" / "grpc-segmented.pcap",
        corpus / "deepflow" / "grpc-service-name.pcap",
        corpus / "wireshark" / "grpc_person_search_protobuf_with_image.pcapng",
        corpus / "wireshark" / "grpc_stream_reassembly_sample.pcapng"};
    for (const auto& f : files) {
        if (!std::filesystem::exists(f)) continue;
        INFO(f.filename().string());
        int messages = 0;
        for (const auto& s : collect(f)) {
            const bool grpc =
                (s.record.request && isGrpcContentType(s.record.request->value("content-type"))) ||
                (s.record.response && isGrpcContentType(s.record.response->value("content-type")));
            if (!grpc) continue;
            for (int d = 0; d < 2; ++d) {
                GrpcBody g = splitGrpcBody(s.body[d].retained, "", 1000, 1 << 24);
                std::uint64_t total = 0;
                for (const auto& m : g.messages) {
                    total += m.payloadComplete ? 5 + m.length : s.body[d].size - m.offset;
                    // Some services send JSON in application/grpc (Wireshark's streaming sample);
                    // only binary payloads are expected to be protobuf.
                    if (m.payloadComplete && !m.compressed && !isUtf8Text(m.payload)) {
                        ++messages;
                        CHECK(decodeProtobufRaw(m.payload).ok);
                    }
                }
                if (s.body[d].size == s.body[d].retained.size() && g.trailingBytes == 0)
                    CHECK(total == s.body[d].size);
            }
        }
        CHECK(messages > 0);
    }
}
