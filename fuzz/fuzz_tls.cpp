// libFuzzer target for the TLS layer: record reader, handshake assembler, hello parsers and the
// session's key schedule. Input layout: byte 0 = mode, byte 1 = chunking seed, bytes 2-3 = the
// length of the client stream (big endian); then the client stream and the server stream.
// Both streams are fed whole and in interleaved chunks; the report and the plaintext must not
// depend on chunking. Mode bit 0 installs real key log lines (the corpus holds the starts of the
// matching connections, so decryption paths are reached), bit 1 announces a TCP gap midway.
// Bit 2: the keys arrive late, in a growing key log, after a number of feeds drawn from the
// seed (at the latest before finish()); the result must equal having them from the start.
// Bit 3: the session is driven in its two halves (frame(), then record() per record) with
// records opened ahead as TlsOpenJobs, every third one with a wrong sequence number; the result
// must equal feed()'s.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tls/hello_parser.h"
#include "tls/tls_open_job.h"
#include "tls/tls_session.h"

using namespace h2lens;

namespace {

// The key logs of 03b_tls12_curl_python_nginx and 03a_tls13_curl_nginx (test servers).
const char* const kKeyLog =
    "CLIENT_RANDOM b9250f1060f33495d3382831ef6ae052ec404c1fd47f096b693cbfd5ef09a0b6 "
    "4a4d2c3d472aa6841c23d4520a87509d77a663f3199038a527ac2f0db318c6168023f211a4173fa69cc3e40d8a374a"
    "34\n"
    "CLIENT_RANDOM 577c7eb0e155cbf2fd3780060e771e05ebacd772245c7341810f5a73c7c20ac4 "
    "330a7fe9365310bcb5c9f08c162860f897281c87d7b997be2eac6be4565cb56e982f6aff08c08491166fdd19d01e17"
    "03\n"
    "CLIENT_RANDOM 90cb36424bb04272b761b4e73293dc4aa322a139531377b8a38310ff570ae7f2 "
    "665ad4699b6ee9b0ef2730ad9f655aec307c0699455e2f0cabb20fbe96000ebc9ed3202dcb822874b199d843ddf328"
    "5f\n"
    "CLIENT_RANDOM 1a0a036864616ac2756b391025fa8e672dffa496e52f6ad18b4e7d5c150ede8c "
    "06fdba11f26bd5da53634e137c9d541330c82e43190ab69591f9717da461bfe7822f9deedd0bd749dea433337358b1"
    "e2\n"
    "CLIENT_RANDOM d57496d91f40b2223e021e3d89889c74c2b7b6d808132ab696c7808ba8c8d644 "
    "06fdba11f26bd5da53634e137c9d541330c82e43190ab69591f9717da461bfe7822f9deedd0bd749dea433337358b1"
    "e2\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET "
    "691f39b4fc84c831e78ed79f51b541130b64825eaecf500de4541023bbd056c6 "
    "ca11df4418cd3cfa696d675cdece2f489bbc306ea615b2fddebee3b79d4345c39b64d1cf7dcc3cb7925983a09612b1"
    "b7\n"
    "SERVER_TRAFFIC_SECRET_0 691f39b4fc84c831e78ed79f51b541130b64825eaecf500de4541023bbd056c6 "
    "1b9f07e5c11f90542536955b248e3d536453cec4a9ea3118dd1706cc2eb9840d95cdf77b986230d1f70bfbdfa96298"
    "2b\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
    "691f39b4fc84c831e78ed79f51b541130b64825eaecf500de4541023bbd056c6 "
    "db4c81d97a461c1ba473fa5f201e2c81729510297f27cd6ba3cef95ffa9ff6efbdf26fd0482699c704a73db721d6f1"
    "6c\n"
    "CLIENT_TRAFFIC_SECRET_0 691f39b4fc84c831e78ed79f51b541130b64825eaecf500de4541023bbd056c6 "
    "372eba55c2fe8e1d03ae9a2cd86750f09c11c0aad27221622e8fcc333e9c39a9598b5bda1f8a347111b9fa2e8d6879"
    "4b\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET "
    "017e1c65a23111935a31687902dc4c231ce501bb0ba27fddf1787a341f49f9ae "
    "d42ecff150cc1359f6ab1be756dfeffe0c9747e85b184f038a855fd8350d149a\n"
    "SERVER_TRAFFIC_SECRET_0 017e1c65a23111935a31687902dc4c231ce501bb0ba27fddf1787a341f49f9ae "
    "3a99d2a18548bb4b8ef7eab5d2a6a985ee73b5653a917f11bad57a96b341bb40\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
    "017e1c65a23111935a31687902dc4c231ce501bb0ba27fddf1787a341f49f9ae "
    "8b1e36bd407bbe73ed61a93eaae29b478bfd2a60a9ae4ef75e103bbee8e2dd3d\n"
    "CLIENT_TRAFFIC_SECRET_0 017e1c65a23111935a31687902dc4c231ce501bb0ba27fddf1787a341f49f9ae "
    "4e2be694b1adab53daddc18d73070ca2c70c54fa19350ca8a2b5a9b2d030efc8\n"
    "SERVER_HANDSHAKE_TRAFFIC_SECRET "
    "7407f835ff62f3f84cd715e57f7c6231483ff8fe0f861004e241a31e2486f159 "
    "d7a1a443d3e7d68d3487f22531de87476c3646f065c3377474ce705e980efeb7208ef0a85c3d2bc0067ff02960d67e"
    "31\n"
    "SERVER_TRAFFIC_SECRET_0 7407f835ff62f3f84cd715e57f7c6231483ff8fe0f861004e241a31e2486f159 "
    "2985dafb97d399f83d80a8c3a7ddb21f760b4d5db7243590e4ac321979ba40a8f202f7c23ef2728e08ebb2ff738b2e"
    "00\n"
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET "
    "7407f835ff62f3f84cd715e57f7c6231483ff8fe0f861004e241a31e2486f159 "
    "c678821abab183535e9e60bf6e986297fe407b160264284ce765da4fce58826cc16ef27e5930602c034aca4505877f"
    "ea\n"
    "CLIENT_TRAFFIC_SECRET_0 7407f835ff62f3f84cd715e57f7c6231483ff8fe0f861004e241a31e2486f159 "
    "ff8708af6dbd15a368a9b593085a84b8b5f86f7f0301d59a4d01f25740475b68d32aaa60941c1ec159c35ea9e3f7c0"
    "31\n";

struct Sink : TlsPlaintextSink {
    std::string out;
    void onPlaintext(Direction d, ByteSpan b, TimestampNs) override {
        out += directionName(d);
        out += asStringView(b);
    }
    void onPlaintextGap(Direction d, std::uint64_t n, TimestampNs) override {
        out += "gap " + std::string(directionName(d)) + std::to_string(n);
    }
};

// Turns alternate between the directions with sizes drawn from `seed`, the same in both runs
// (the order across directions matters to TLS: the ClientHello before the ServerHello before
// the client's encrypted records). `chunked` splits each turn further; that must not matter.
// `late`: a growing key log that receives kKeyLog after `lateAfter` feeds.
// The two halves of TlsSession::feed(), with each protected record opened ahead by a job.
class AheadFeeder final : public TlsRecordHandler {
  public:
    AheadFeeder(TlsSession& session, TlsPlaintextSink& sink) : m_session(session), m_sink(sink) {}
    void feed(Direction dir, ByteSpan bytes, TimestampNs ts) {
        m_dir = dir;
        m_ts = ts;
        if (m_session.frame(dir, bytes, *this)) m_session.readerStopped(dir, ts, m_sink);
    }
    void onRecord(const TlsRecord& record) override {
        std::uint64_t seq = 0;
        auto key = record.type == 23 ? m_session.settledProtection(m_dir, seq) : nullptr;
        if (!key) return m_session.record(m_dir, record, m_ts, m_sink);
        TlsOpenJob job;
        job.protection = std::move(key);
        job.seq = seq + (++m_jobs % 3 == 0 ? 1 : 0);
        job.record.assign(record.header.begin(), record.header.end());
        job.record.insert(job.record.end(), record.fragment.begin(), record.fragment.end());
        job.run(m_openers.get(job.protection));
        m_session.record(m_dir, job.view(), m_ts, m_sink, &job);
    }

  private:
    TlsSession& m_session;
    TlsPlaintextSink& m_sink;
    AeadOpenerCache m_openers;
    Direction m_dir = Direction::ClientToServer;
    TimestampNs m_ts = 0;
    std::uint64_t m_jobs = 0;
};

std::string run(const KeyLog& keys, ByteSpan c, ByteSpan s, std::uint32_t seed, bool chunked,
                bool withGap, KeyLog* late = nullptr, std::size_t lateAfter = 0,
                bool ahead = false) {
    TlsSession session(late ? *late : keys, Limits{});
    std::size_t feeds = 0;
    auto maybeAddKeys = [&] {
        if (late && late->empty() && feeds >= lateAfter) late->addLines(kKeyLog);
    };
    Sink sink;
    AheadFeeder feeder(session, sink);
    std::size_t pc = 0, ps = 0;
    const std::size_t gapAt = s.size() / 2;
    bool gapDone = !withGap;
    std::uint32_t chunkSeed = seed ^ 0x9e3779b9u;
    bool client = true;
    while (pc < c.size() || ps < s.size()) {
        seed = seed * 1103515245u + 12345u;
        if (pc >= c.size()) client = false;
        if (ps >= s.size()) client = true;
        ByteSpan src = client ? c : s;
        std::size_t& pos = client ? pc : ps;
        std::size_t turn = std::min<std::size_t>(1 + (seed >> 8) % 3000, src.size() - pos);
        if (!client && !gapDone) {
            if (pos >= gapAt) {
                if (!ahead) {
                    session.gap(Direction::ServerToClient, 10, 1, sink);
                } else if (session.cutInput(Direction::ServerToClient)) {
                    session.gapAt(Direction::ServerToClient, 10, 1, sink);
                }
                gapDone = true;
            } else {
                turn = std::min(turn, gapAt - pos);
            }
        }
        const std::size_t end = pos + turn;
        while (pos < end) {
            chunkSeed = chunkSeed * 1103515245u + 12345u;
            const std::size_t n =
                chunked ? std::min<std::size_t>(1 + (chunkSeed >> 8) % 700, end - pos) : end - pos;
            maybeAddKeys();
            const Direction dir = client ? Direction::ClientToServer : Direction::ServerToClient;
            if (ahead) {
                feeder.feed(dir, src.subspan(pos, n), 1);
            } else {
                session.feed(dir, src.subspan(pos, n), 1, sink);
            }
            ++feeds;
            pos += n;
        }
        client = !client;
    }
    feeds = lateAfter;
    maybeAddKeys();
    if (ahead) {
        session.finishAt(2, sink,
                         {session.bufferedInput(Direction::ClientToServer),
                          session.bufferedInput(Direction::ServerToClient)});
    } else {
        session.finish(2, sink);
    }
    return session.report().summary() + "|" + sink.out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) return 0;
    const std::uint8_t mode = data[0];
    const std::uint32_t seed = data[1] | 1u;
    const ByteSpan rest(data + 4, size - 4);
    const std::size_t clientLength = std::min<std::size_t>(loadBe16(data + 2), rest.size());
    const ByteSpan c = rest.first(clientLength), s = rest.subspan(clientLength);

    std::string error;
    (void)parseClientHello(rest, error);
    (void)parseServerHello(rest, error);
    (void)parseEncryptedExtensions(rest, error);

    static const KeyLog keys = [] {
        KeyLog k;
        k.addLines(kKeyLog);
        return k;
    }();
    static const KeyLog noKeys;
    const KeyLog& k = (mode & 1) ? keys : noKeys;
    const bool gap = (mode & 2) != 0;
    // Where the gap falls depends on chunking only through its position, which is fixed.
    const std::string whole = run(k, c, s, seed, false, gap);
    const std::string chunked = run(k, c, s, seed, true, gap);
    if (whole != chunked) std::abort();
    if ((mode & 8) && run(k, c, s, seed, true, gap, nullptr, 0, true) != whole) std::abort();
    if (mode & 4) {
        const std::string upfront = (mode & 1) ? whole : run(keys, c, s, seed, false, gap);
        KeyLog late;
        late.setGrowing(true);
        const std::string lateWhole = run(keys, c, s, seed, false, gap, &late, (seed >> 4) % 24);
        if (lateWhole != upfront) std::abort();
        KeyLog lateChunked;
        lateChunked.setGrowing(true);
        if (run(keys, c, s, seed, true, gap, &lateChunked, (seed >> 4) % 24) != upfront)
            std::abort();
    }
    return 0;
}
