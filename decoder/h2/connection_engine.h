#pragma once
// The HTTP/2 connection engine: both directions of one connection, in capture order, through a
// FrameDecoder and an HpackDecoder each, into one shared model of settings, streams and
// flow-control windows (RFC 9113). Sans-IO: bytes and timestamps in, listener calls out.
//
// Cross-direction effects live here because only this object sees both sides in order: a
// SETTINGS_HEADER_TABLE_SIZE bounds the other side's HPACK encoder once acknowledged, a
// SETTINGS_MAX_FRAME_SIZE bounds the frames the other side may send, a WINDOW_UPDATE from one
// side opens the other side's send window.
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/limits.h"
#include "h2/flood_watch.h"
#include "h2/flow_windows.h"
#include "h2/frame_decoder.h"
#include "h2/h2_listener.h"
#include "h2/priority_follow.h"
#include "h2/priority_tree.h"
#include "h2/settings_exchange.h"
#include "h2/stream_table.h"
#include "hpack/hpack_decoder.h"
#include "tcp/flow_record.h"

namespace h2lens {

// The TLS layer under a connection, as fields: exports and tests read these, never the
// sentence in detectionDetail (which is built from the same report for people to read). Filled
// by the pipeline at the end of the connection; the h2 layer knows no TLS, so names come ready.
struct TlsFacts {
    std::uint16_t version = 0;  // wire value: negotiated (supported_versions first), else offered
    std::string versionName;    // "TLS 1.3", "TLS 1.2", UNKNOWN(0x7f1c); "TLS" before any hello
    std::uint16_t cipherSuite = 0;  // 0: no ServerHello seen
    std::string cipherSuiteName;    // IANA name ("TLS_AES_256_GCM_SHA384"); empty without one
    std::string sni;                // empty: the ClientHello carried no server_name
    std::vector<std::string> alpnOffered;  // in the ClientHello's order
    // Empty when the server chose none or when its choice could not be read: in TLS 1.3 it
    // travels in EncryptedExtensions (alpnEncrypted), readable only when decrypted.
    std::string alpnChosen;
    bool alpnEncrypted = false;
    bool helloRetryRequest = false;
    bool resumed = false;
    bool decrypted = false;
    std::string notDecryptedReason;  // empty when decrypted: "no key for this client random", ...
    bool notHttp2Inside = false;     // decrypted, but ALPN chose something other than h2
    // Diagnostics, not part of any export: records of both directions that were opened, and of
    // those, opened ahead on another thread (TlsOpenJob) rather than by the decoding thread.
    std::uint64_t recordsOpened = 0;
    std::uint64_t recordsOpenedAhead = 0;
};

struct ConnectionSummary {
    Http2Detection detection = Http2Detection::None;
    std::string detectionDetail;  // for people: TLS SNI/ALPN, or why HTTP/2 was not found
    std::optional<TlsFacts> tls;  // set for every connection that started with a TLS record
    // The TCP connection as it was when it ended (the flow table's record goes on counting late
    // ACKs, and a listener may hear of the end later than it happened: see DecodeBacklog).
    std::optional<FlowRecord> flow;
    bool tlsDecrypted = false;  // = tls && tls->decrypted, kept for existing readers
    PeerSettings settings[2];   // [0] the client's, [1] the server's, as last sent
    std::vector<SettingsRecord> settingsHistory;
    std::vector<PingRecord> pings;
    std::vector<GoawayRecord> goaways;
    std::vector<FlowStall> stalls;
    // DATA after a RST_STREAM, in flight when it was sent (not in the streams' bodies).
    std::vector<LateDataRecord> dataAfterReset;
    std::vector<WindowPoint> connectionWindow[2];  // send windows: [0] client's, [1] server's
    // The client's priority signals (RFC 7540 tree, RFC 9218 urgency) with their history, and
    // whether the server's DATA followed them (set at finish()).
    PriorityTree priorities;
    PriorityFollowResult priorityFollow;
    std::uint64_t frames[2] = {0, 0};
    std::uint64_t streams = 0;
    std::uint64_t anomalies = 0;
    std::uint64_t clientResets = 0;
};

// Orchestrates its parts: StreamTable (open streams, ids, resets), FlowWindows (send windows and
// stalls), SettingsExchange (values in force, ACK pairing), FloodWatch (abuse rates); the frame
// and HPACK decoders per direction; header-block assembly and the anomaly checks.
class ConnectionEngine {
  public:
    ConnectionEngine(const Limits& limits, ConnectionInfo info, H2Listener* listener);
    ~ConnectionEngine();
    ConnectionEngine(const ConnectionEngine&) = delete;
    ConnectionEngine& operator=(const ConnectionEngine&) = delete;

    // How the connection starts; call one before feeding.
    void startPriorKnowledge();
    void startMidStream();
    // h2c Upgrade: `request` is the HTTP/1.1 request (becomes stream 1's request), `settings`
    // the decoded HTTP2-Settings (the client's first SETTINGS). Stream 1 is half-closed (local)
    // once the request (and its body, `requestBodyBytes`) was sent.
    void startAfterUpgrade(HeaderBlock request, std::vector<Setting> settings,
                           std::uint64_t requestBodyBytes, TimestampNs ts);
    // h2c Upgrade whose request was not captured: the server's 101 is all there is. The client
    // direction starts with the preface; stream 1 (the upgraded request, RFC 9113 §3.2 / RFC
    // 7540 §3.2) is half-closed (local) with no request headers.
    void startAfterUpgradeResponse(TimestampNs ts);
    // The client preface came after HTTP/1.x bytes on the same connection (e.g. a CONNECT
    // tunnel): the client direction starts with the preface; the server's starts at a frame
    // boundary when `serverAtBoundary` (its HTTP/1.x responses were seen whole), else it is
    // searched for frames.
    void startPrefaceAfterHttp1(bool serverAtBoundary);

    void feed(Direction dir, ByteSpan bytes, TimestampNs ts);
    void gap(Direction dir, std::uint64_t length, TimestampNs ts);
    // End of the connection: open streams are reported as incomplete.
    void finish(TimestampNs ts);

    // For layers below the engine (TLS) whose problems belong in the connection's anomalies.
    void reportAnomaly(Direction dir, std::string name, std::string rfc, std::string detail,
                       TimestampNs ts) {
        anomaly(dir, nullptr, 0, std::move(name), std::move(rfc), std::move(detail), ts);
    }

    ConnectionSummary& summary() { return m_summary; }
    const ConnectionSummary& summary() const { return m_summary; }
    const ConnectionInfo& info() const { return m_info; }
    const FrameDecoderStats& frameStats(Direction d) const;

  private:
    class DirectionSink;
    struct BlockInProgress;
    struct HeldFrame;
    // Mid-stream, each direction finds its first frame by frame-sync search, maybe many packets
    // after the other did: until both have, frames wait (copied, bounded) and are then applied
    // in time order, so a request is not applied after its response.
    void receive(Direction dir, const Frame& frame);
    void releaseHeld();
    static constexpr std::size_t kMaxHeldFrames = 4096;
    static constexpr std::size_t kMaxHeldBytes = 4 << 20;
    static constexpr TimestampNs kMaxHeldSpan = 1'000'000'000;  // 1 s of capture time
    void onFrame(Direction dir, const Frame& frame);
    void onFrameIssue(Direction dir, const FrameIssue& issue);
    void anomaly(Direction dir, const Frame* frame, std::uint32_t stream, std::string name,
                 std::string rfc, std::string detail, TimestampNs ts = 0);
    StreamRecord& stream(std::uint32_t id, TimestampNs ts);
    StreamRecord* findStream(std::uint32_t id);
    void closeStream(StreamRecord& s, TimestampNs ts);
    // `block` was stored in `s`: counts it, then keeps the open streams within the limits.
    void holdHeaders(Direction dir, StreamRecord& s, const HeaderBlock& block, TimestampNs ts);
    void keepOpenStreamsBounded(Direction dir, std::uint32_t keep, TimestampNs ts);
    void headerBlockDone(Direction dir, const Frame& last, BlockInProgress& block);
    void applyHeaders(Direction dir, std::uint32_t streamId, HeaderBlock&& block, const Frame& f);
    void checkHeaderFields(Direction dir, const Frame& f, const HeaderBlock& block, bool request,
                           bool trailers);
    void onData(Direction dir, const Frame& f);
    void onSettings(Direction dir, const Frame& f);
    void onWindowUpdate(Direction dir, const Frame& f);
    void onRstStream(Direction dir, const Frame& f);
    void onGoaway(Direction dir, const Frame& f);
    void onPing(Direction dir, const Frame& f);
    void onPushPromise(Direction dir, const Frame& f, HeaderBlock&& block);
    void onPriority(Direction dir, const Frame& f, PrioritySource source);
    void onPriorityHeader(Direction dir, std::uint32_t stream, const HeaderBlock& block);
    void report(StreamRecord& s);  // fills in its priority, hands it to the listener
    void endStream(Direction dir, StreamRecord& s, TimestampNs ts);
    void raise(Direction dir, const Frame& f, FloodFinding& finding);

    const Limits* m_limits;
    ConnectionInfo m_info;
    H2Listener* m_listener;
    std::array<std::unique_ptr<FrameDecoder>, 2> m_frames;
    std::array<std::unique_ptr<HpackDecoder>, 2> m_hpack;
    std::array<std::unique_ptr<DirectionSink>, 2> m_sinks;
    std::array<std::unique_ptr<BlockInProgress>, 2> m_block;
    ConnectionSummary m_summary;  // before the parts below, which write into it
    StreamTable m_streams;
    FlowWindows m_windows{m_summary.connectionWindow, &m_summary.stalls};
    SettingsExchange m_settings{m_summary.settings, &m_summary.settingsHistory};
    std::array<std::optional<std::uint32_t>, 2> m_goawayLast;
    PriorityFollow m_follow;
    FloodWatch m_floods;  // rates of resets, SETTINGS, PINGs (abuse detection, §10.5)
    bool m_midStream = false;
    bool m_holding = false;
    std::array<std::deque<HeldFrame>, 2> m_held;
    std::array<bool, 2> m_heldFrom{false, false};
    std::size_t m_heldBytes = 0;
};

}  // namespace h2lens
