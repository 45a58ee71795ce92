// The GUI's models against the decoder's own output on real captures (samples/ and /work/shared):
// rows, timeline marks, window series, filters, TCP events, body decoding; every model under
// QAbstractItemModelTester; the threaded loader with cancel.
#include <sys/resource.h>
#include <unistd.h>
#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <cerrno>
#include <map>
#include <set>

#include "models/capture_loader.h"
#include "models/capture_store.h"
#include "models/decode_job.h"
#include "models/export_bridge.h"
#include "models/priority_details.h"
#include "models/stream_text.h"
#include "models/table_models.h"
#include "models/timeline_data.h"
#include "pcap/capture_file.h"
#include "reference_decode.h"

using namespace h2lens;
using namespace h2lens::gui;
using h2lens::test::referenceDecode;
using h2lens::test::sharedPath;
using h2lens::test::sourcePath;

namespace {

void loadInto(CaptureStore& store, const std::string& path, std::size_t* batches = nullptr,
              const std::string& keylog = {}) {
    DecodeOptions opt;
    opt.keylogPath = keylog;
    opt.flushInterval = std::chrono::milliseconds(0);  // a batch every 256 packets: many batches
    const DecodeResult r = decodeCapture(path, opt, nullptr, [&](DecodeBatch&& b) {
        if (batches) ++*batches;
        store.apply(std::move(b));
    });
    QVERIFY2(r.error.empty(), r.error.c_str());
}

// The (connection, stream) a store kept last.
std::pair<std::uint64_t, std::uint32_t> lastStream(const TranscriptStore& store) {
    struct Last final : TranscriptSink {
        std::pair<std::uint64_t, std::uint32_t> key{0, 0};
        void onStream(const StreamTranscript& s) override { key = {s.conn.id, s.record.id}; }
        void onConnection(const ConnectionTranscript&) override {}
    } last;
    store.replay(last);
    return last.key;
}

std::string value(const std::optional<HeaderBlock>& b, std::string_view n) {
    return b ? std::string(b->value(n)) : std::string();
}

}  // namespace

class TestGuiModels : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void rowsMatchDecoder_data();
    void rowsMatchDecoder();
    void timelineMarksMatchDecoder_data() { rowsMatchDecoder_data(); }
    void timelineMarksMatchDecoder();
    void windowSeriesMatchDecoder_data() { rowsMatchDecoder_data(); }
    void windowSeriesMatchDecoder();
    void filterMatchesDecoder();
    void framesAndAnomaliesModels();
    void tcpLaneOnLossyCapture();
    void bodyDecodingAndCurl();
    void bodiesAreTheStoresBytes();
    void loaderRunsOnWorkerAndCancels();
    void yieldingDecodeRunsLowerAndDecodesTheSame();
    void exportWritesTheSelection();
    void exportWritesTheDecodeOnScreen();
    void priorityOrdersAndDescribesLanes();
    void auditFindingsReachTheConnection();
    void tlsDecryptsWithKeyLogAndEmbeddedSecrets();
};

void TestGuiModels::rowsMatchDecoder_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("keylog");
    for (const char* s :
         {"h2c_nghttp.pcap", "small_windows.pcap", "h2load_small.pcap", "h2c_curl_post.pcap",
          "h2c_upgrade.pcap", "h2c_dumpcap.pcapng", "h2c_nano.pcap"}) {
        QTest::newRow(s) << QString::fromStdString(sourcePath(std::string("samples/") + s))
                         << QString();
    }
    for (const char* s : {"05_many_streams_h2load_nghttpd/capture.pcap",
                          "06_server_push/capture.pcap", "15_python_h2_server/capture.pcap"}) {
        const std::string p = sharedPath(std::string("captures/") + s);
        if (!p.empty()) QTest::newRow(s) << QString::fromStdString(p) << QString();
    }
    // TLS with keys: the GUI opens records on other threads (DecodeOptions::openTlsAhead), the
    // reference decode opens them in turn; the models must not tell the difference.
    for (const char* s : {"03a_tls13_curl_nginx", "03b_tls12_curl_python_nginx",
                          "03d_tls_nghttp_nghttpd", "09_netem_loss_reorder"}) {
        const std::string p = sharedPath(std::string("captures/") + s + "/capture.pcap");
        if (!p.empty())
            QTest::newRow(s) << QString::fromStdString(p)
                             << QString::fromStdString(
                                    sharedPath(std::string("captures/") + s + "/keylog.txt"));
    }
}

void TestGuiModels::rowsMatchDecoder() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    const auto ref = referenceDecode(path.toStdString(), keylog.toStdString());
    CaptureStore store;
    ConnectionsModel conns(&store);
    StreamsModel streams(&store);
    StreamFilterProxy proxy;
    proxy.setSourceModel(&streams);
    QAbstractItemModelTester t1(&conns, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(&streams, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    std::size_t batches = 0;
    loadInto(store, path.toStdString(), &batches, keylog.toStdString());
    QVERIFY(batches >= 1);

    QCOMPARE(conns.rowCount(), static_cast<int>(ref.flows.size()));
    QCOMPARE(streams.rowCount(), static_cast<int>(ref.streams.size()));
    QVERIFY(!ref.streams.empty());
    // Every stream the decoder reported appears once, with its method, path and status.
    std::map<std::pair<std::uint64_t, std::uint32_t>, const test::RefStream*> byKey;
    for (const auto& s : ref.streams) byKey[{s.conn, s.rec.id}] = &s;
    for (int row = 0; row < streams.rowCount(); ++row) {
        const auto conn = streams.index(row, 0).data(kConnIdRole).toULongLong();
        const auto id = streams.index(row, 0).data(kStreamIdRole).toUInt();
        auto it = byKey.find({conn, id});
        QVERIFY(it != byKey.end());
        const StreamRecord& r = it->second->rec;
        QCOMPARE(streams.index(row, StreamsModel::Method).data().toString().toStdString(),
                 value(r.request, ":method"));
        QCOMPARE(streams.index(row, StreamsModel::Path).data().toString().toStdString(),
                 value(r.request, ":path"));
        if (r.response) {
            QCOMPARE(streams.index(row, StreamsModel::Status).data().toString().toStdString(),
                     value(r.response, ":status"));
        }
        QCOMPARE(streams.index(row, StreamsModel::ResponseBytes).data(kSortRole).toULongLong(),
                 r.responseBodyBytes);
    }
    // Per connection: streams column and frames.
    for (int row = 0; row < conns.rowCount(); ++row) {
        const auto id = conns.index(row, 0).data(kConnIdRole).toULongLong();
        const auto nStreams = std::count_if(ref.streams.begin(), ref.streams.end(),
                                            [&](auto& s) { return s.conn == id; });
        QCOMPARE(conns.index(row, ConnectionsModel::Streams).data(kSortRole).toInt(),
                 static_cast<int>(nStreams));
        const auto nFrames = std::count_if(ref.frames.begin(), ref.frames.end(),
                                           [&](auto& f) { return f.conn == id; });
        QCOMPARE(store.connections()[row].frames.size(), static_cast<std::size_t>(nFrames));
        const auto nAnom = std::count_if(ref.connections.begin(), ref.connections.end(),
                                         [&](auto& c) { return c.info.id == id; });
        QCOMPARE(nAnom, 1);  // one summary per connection
    }
    // Sorting by status then by response size keeps every row.
    proxy.sort(StreamsModel::Status, Qt::DescendingOrder);
    QCOMPARE(proxy.rowCount(), streams.rowCount());
    proxy.sort(StreamsModel::ResponseBytes, Qt::AscendingOrder);
    for (int row = 1; row < proxy.rowCount(); ++row) {
        QVERIFY(proxy.index(row - 1, StreamsModel::ResponseBytes).data(kSortRole).toULongLong() <=
                proxy.index(row, StreamsModel::ResponseBytes).data(kSortRole).toULongLong());
    }
    // Clearing resets every model.
    store.clear();
    QCOMPARE(conns.rowCount(), 0);
    QCOMPARE(proxy.rowCount(), 0);
}

void TestGuiModels::timelineMarksMatchDecoder() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    const auto ref = referenceDecode(path.toStdString(), keylog.toStdString());
    CaptureStore store;
    loadInto(store, path.toStdString(), nullptr, keylog.toStdString());
    for (int ci = 0; ci < static_cast<int>(store.connections().size()); ++ci) {
        const ConnectionData& c = store.connections()[ci];
        const TimelineData t = buildTimeline(store, ci);
        QVERIFY(t.lanes.size() >= 2);
        QCOMPARE(t.lanes[0].kind, LaneKind::Tcp);
        QCOMPARE(t.lanes[1].kind, LaneKind::Connection);
        // Frames the decoder reported for this connection, per stream, in order.
        std::map<std::uint32_t, std::vector<std::pair<std::uint8_t, Direction>>> want;
        for (const auto& f : ref.frames) {
            if (f.conn == c.info.id) want[f.streamId].emplace_back(f.type, f.dir);
        }
        std::size_t streamLanes = 0;
        for (const TimelineLane& l : t.lanes) {
            if (l.kind == LaneKind::Tcp) continue;
            streamLanes += l.kind == LaneKind::Stream;
            const auto& w = want[l.streamId];
            QCOMPARE(l.marks.size(), w.size());
            std::multiset<std::pair<std::uint8_t, int>> got, exp;
            for (std::size_t i = 0; i < l.marks.size(); ++i) {
                const FrameMark& f = c.frames[l.marks[i]];
                QCOMPARE(f.streamId, l.streamId);
                got.insert({f.type, static_cast<int>(f.dir)});
                exp.insert({w[i].first, static_cast<int>(w[i].second)});
                if (i) QVERIFY(markTime(c, l, i - 1) <= markTime(c, l, i));
            }
            QVERIFY(got == exp);
            // The stream's span covers its frames.
            if (l.kind == LaneKind::Stream && !l.marks.empty()) {
                QVERIFY(l.open <= markTime(c, l, 0));
                QVERIFY(l.close >= markTime(c, l, l.marks.size() - 1));
            }
        }
        QCOMPARE(streamLanes, want.size() - want.count(0));
        // Visible-range lookup agrees with a linear scan.
        for (const TimelineLane& l : t.lanes) {
            if (l.marks.empty()) continue;
            const TimestampNs a = markTime(c, l, 0), b = markTime(c, l, l.marks.size() - 1);
            const TimestampNs mid = a + (b - a) / 2;
            auto [from, to] = visibleMarks(c, l, a, mid);
            std::size_t linear = 0;
            for (std::size_t i = 0; i < l.marks.size(); ++i)
                linear += markTime(c, l, i) >= a && markTime(c, l, i) < mid;
            QCOMPARE(to - from, linear);
        }
    }
}

void TestGuiModels::windowSeriesMatchDecoder() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    const auto ref = referenceDecode(path.toStdString(), keylog.toStdString());
    CaptureStore store;
    loadInto(store, path.toStdString(), nullptr, keylog.toStdString());
    auto same = [](const std::vector<WindowPoint>& a, const std::vector<WindowPoint>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].ts != b[i].ts || a[i].value != b[i].value) return false;
        }
        return true;
    };
    std::size_t checked = 0;
    for (const auto& rc : ref.connections) {
        const ConnectionData* c = store.connection(rc.info.id);
        QVERIFY(c);
        QVERIFY(c->done);
        const WindowChartData none = windowChartData(*c, nullptr);
        QCOMPARE(none.series.size(), std::size_t{2});
        QVERIFY(same(none.series[0].points, rc.summary.connectionWindow[0]));
        QVERIFY(same(none.series[1].points, rc.summary.connectionWindow[1]));
        for (const auto& rs : ref.streams) {
            if (rs.conn != rc.info.id) continue;
            const StreamData* s = store.stream(rs.conn, rs.rec.id);
            QVERIFY(s);
            const WindowChartData d = windowChartData(*c, s);
            QCOMPARE(d.series.size(), std::size_t{4});
            QVERIFY(same(d.series[2].points, rs.rec.window[0]));
            QVERIFY(same(d.series[3].points, rs.rec.window[1]));
            QCOMPARE(d.series[3].sender, Direction::ServerToClient);
            // Stalls shown: the connection's and this stream's, nothing else.
            std::size_t want = 0;
            for (const FlowStall& st : rc.summary.stalls)
                want += st.streamId == 0 || st.streamId == rs.rec.id;
            QCOMPARE(d.stalls.size(), want);
            ++checked;
        }
    }
    QVERIFY(checked > 0);
}

void TestGuiModels::filterMatchesDecoder() {
    const std::string path = sourcePath("samples/h2c_nghttp.pcap");
    const auto ref = referenceDecode(path);
    CaptureStore store;
    StreamsModel streams(&store);
    StreamFilterProxy proxy;
    proxy.setSourceModel(&streams);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    loadInto(store, path);
    auto count = [&](auto pred) {
        return static_cast<int>(std::count_if(ref.streams.begin(), ref.streams.end(), pred));
    };
    proxy.setFilterString(QStringLiteral("status:404"));
    QCOMPARE(proxy.rowCount(),
             count([](auto& s) { return value(s.rec.response, ":status") == "404"; }));
    QVERIFY(proxy.rowCount() >= 1);
    proxy.setFilterString(QStringLiteral("status:2xx"));
    QCOMPARE(proxy.rowCount(),
             count([](auto& s) { return value(s.rec.response, ":status").starts_with("2"); }));
    proxy.setFilterString(QStringLiteral("!status:2xx"));
    QCOMPARE(proxy.rowCount(),
             count([](auto& s) { return !value(s.rec.response, ":status").starts_with("2"); }));
    proxy.setFilterString(QStringLiteral("method:get"));
    QCOMPARE(proxy.rowCount(),
             count([](auto& s) { return value(s.rec.request, ":method") == "GET"; }));
    proxy.setFilterString(QStringLiteral("header:content-type=text/plain"));
    QCOMPARE(proxy.rowCount(), count([](auto& s) {
                 return value(s.rec.response, "content-type").find("text/plain") !=
                        std::string::npos;
             }));
    QVERIFY(proxy.rowCount() >= 1);
    proxy.setFilterString(QStringLiteral("path:.css"));
    QCOMPARE(proxy.rowCount(), count([](auto& s) {
                 return value(s.rec.request, ":path").find(".css") != std::string::npos;
             }));
    proxy.setFilterString(QStringLiteral("index.html"));  // a bare word
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setFilterString(QString());
    proxy.setConnection(12345);
    QCOMPARE(proxy.rowCount(), 0);
    proxy.setConnection(std::nullopt);
    QCOMPARE(proxy.rowCount(), static_cast<int>(ref.streams.size()));
}

void TestGuiModels::framesAndAnomaliesModels() {
    // 15: unknown frame type, ALTSVC, padding, GOAWAY debug data and anomalies.
    std::string path = sharedPath("captures/15_python_h2_server/capture.pcap");
    if (path.empty()) path = sourcePath("samples/h2c_upgrade.pcap");
    const auto ref = referenceDecode(path);
    CaptureStore store;
    FramesModel frames(&store);
    AnomaliesModel anomalies(&store);
    QAbstractItemModelTester t1(&frames, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(&anomalies, QAbstractItemModelTester::FailureReportingMode::QtTest);
    anomalies.setConnection(-1);
    loadInto(store, path);
    QCOMPARE(anomalies.rowCount(), static_cast<int>(ref.anomalies.size()));
    for (int ci = 0; ci < static_cast<int>(store.connections().size()); ++ci) {
        const ConnectionData& c = store.connections()[ci];
        frames.setStream(ci, 0, true);
        QCOMPARE(frames.rowCount(), static_cast<int>(c.frames.size()));
        for (const auto& s : ref.streams) {
            if (s.conn != c.info.id) continue;
            frames.setStream(ci, s.rec.id);
            const auto n = std::count_if(ref.frames.begin(), ref.frames.end(), [&](auto& f) {
                return f.conn == s.conn && f.streamId == s.rec.id;
            });
            QCOMPARE(frames.rowCount(), static_cast<int>(n));
            for (int row = 0; row < frames.rowCount(); ++row) {
                QCOMPARE(frames.index(row, FramesModel::Stream).data().toUInt(), s.rec.id);
                QCOMPARE(frames.rowOfFrame(frames.index(row, 0).data(kFrameIndexRole).toUInt()),
                         row);
            }
        }
        // Every anomaly that names a frame leads to a frame of that stream.
        for (const Anomaly& a : c.anomalies) {
            if (auto fi = store.findFrame(c, a.dir, a.frameOffset)) {
                QCOMPARE(c.frames[*fi].dir, a.dir);
                if (a.streamId) QCOMPARE(c.frames[*fi].streamId, a.streamId);
            }
        }
    }
}

void TestGuiModels::tcpLaneOnLossyCapture() {
    const std::string path = sharedPath("captures/09_netem_loss_reorder/capture.pcap");
    if (path.empty()) QSKIP("/work/shared captures not present");
    const auto ref = referenceDecode(path);
    CaptureStore store;
    loadInto(store, path);
    std::uint64_t retrans = 0, ooo = 0, gaps = 0, refRetrans = 0, refOoo = 0, refGaps = 0;
    for (const ConnectionData& c : store.connections()) {
        const TimelineData t = buildTimeline(store, store.connectionIndex(c.info.id));
        QCOMPARE(t.lanes[0].marks.size(), c.tcp.size());
        for (const TcpMark& m : c.tcp) {
            retrans += m.kind == TcpEvent::Kind::Retransmission ||
                       m.kind == TcpEvent::Kind::PartialOverlap;
            ooo += m.kind == TcpEvent::Kind::OutOfOrder;
            gaps += m.kind == TcpEvent::Kind::Gap;
        }
    }
    for (const FlowRecord& f : ref.flows) {
        for (const auto& d : f.dir) {
            refRetrans += d.reassembly.retransmittedSegments;
            refOoo += d.reassembly.outOfOrderSegments;
            refGaps += d.reassembly.gaps;
        }
    }
    qInfo(
        "TCP lane: %llu retransmissions (reassembler %llu), %llu out-of-order (%llu), %llu gaps "
        "(%llu)",
        (unsigned long long)retrans, (unsigned long long)refRetrans, (unsigned long long)ooo,
        (unsigned long long)refOoo, (unsigned long long)gaps, (unsigned long long)refGaps);
    QVERIFY(retrans > 0);
    QVERIFY(ooo > 0);
    // Every retransmitted segment the reassembler counted has its mark; out-of-order marks are
    // the flow table's classification on arrival, which the reassembler's count bounds.
    QCOMPARE(retrans, refRetrans);
    QVERIFY(ooo <= refOoo);
    QCOMPARE(gaps, refGaps);
}

void TestGuiModels::bodyDecodingAndCurl() {
    const std::string path = sourcePath("samples/h2c_curl_post.pcap");
    const auto ref = referenceDecode(path);
    CaptureStore store;
    loadInto(store, path);
    bool sawGzip = false, sawPost = false;
    for (const StreamData& s : store.streams()) {
        const std::string enc = value(s.rec.response, "content-encoding");
        if (enc == "gzip") {
            sawGzip = true;
            QCOMPARE(s.body[1].size(), s.rec.responseBodyBytes);  // kept whole (small)
            const BodyView v = bodyView(s, 1, BodyMode::Text);
            QVERIFY2(v.note.contains("gzip decoded"), qPrintable(v.note));
            QVERIFY(!v.text.startsWith("00000000"));  // text, not a hex dump
            QVERIFY(static_cast<std::uint64_t>(v.text.toUtf8().size()) > s.rec.responseBodyBytes);
            const BodyView hex = bodyView(s, 1, BodyMode::Hex);
            QVERIFY(hex.text.startsWith("00000000"));
        }
        if (value(s.rec.request, ":method") == "POST") {
            sawPost = true;
            QCOMPARE(s.body[0].size(), s.rec.requestBodyBytes);
            const QString curl = curlCommand(s);
            QVERIFY(curl.contains("-X 'POST'"));
            QVERIFY(curl.contains("content-type: text/plain"));
            QVERIFY(curl.contains(QString::fromStdString(value(s.rec.request, ":path"))));
            QVERIFY(streamAsText(s).contains(":method: POST"));
        }
    }
    QVERIFY(sawGzip);
    QVERIFY(sawPost);
}

// The window shows the bytes the transcript store keeps for File > Export, not a second copy;
// without a store the recorder keeps its own, the same bytes; a body over the store's budget
// shows as not kept.
void TestGuiModels::bodiesAreTheStoresBytes() {
    const std::string path = sourcePath("samples/h2load_small.pcap");
    using Key = std::pair<std::uint64_t, std::uint32_t>;
    auto decode = [&](std::uint64_t storeBytes, std::shared_ptr<const TranscriptStore>* kept) {
        DecodeOptions opt;
        opt.maxTranscriptBodyBytes = storeBytes;
        std::map<Key, StreamData> streams;
        const DecodeResult r = decodeCapture(path, opt, nullptr, [&](DecodeBatch&& b) {
            for (StreamData& s : b.streams) streams[{s.connId, s.rec.id}] = std::move(s);
        });
        if (kept) *kept = r.transcripts;
        return streams;
    };
    std::shared_ptr<const TranscriptStore> store;
    const std::map<Key, StreamData> shared = decode(128u << 20, &store);
    QVERIFY(store);
    struct Bodies final : TranscriptSink {
        std::map<Key, const StreamTranscript*> byKey;
        void onStream(const StreamTranscript& s) override { byKey[{s.conn.id, s.record.id}] = &s; }
        void onConnection(const ConnectionTranscript&) override {}
    } inStore;
    store->replay(inStore);
    QCOMPARE(inStore.byKey.size(), shared.size());
    std::size_t withBody = 0;
    for (const auto& [key, s] : shared) {
        const StreamTranscript* t = inStore.byKey.at(key);
        for (int i = 0; i < 2; ++i) {
            const std::uint64_t total = i == 0 ? s.rec.requestBodyBytes : s.rec.responseBodyBytes;
            QCOMPARE(static_cast<std::uint64_t>(s.body[i].size()), total);  // small: all kept
            if (total == 0) continue;
            ++withBody;
            // The same memory, not an equal copy.
            QVERIFY(reinterpret_cast<const std::uint8_t*>(s.body[i].data()) ==
                    t->body[i].retained.data());
            QVERIFY(!s.bodyTruncated[i]);
        }
    }
    QVERIFY(withBody > 0);
    // The streams keep the store alive: dropping the result's reference frees nothing they show.
    const std::weak_ptr<const TranscriptStore> weak = store;
    store.reset();
    QVERIFY(!weak.expired());

    const std::map<Key, StreamData> own = decode(0, nullptr);
    QCOMPARE(own.size(), shared.size());
    for (const auto& [key, s] : own) {
        for (int i = 0; i < 2; ++i) QVERIFY(s.body[i] == shared.at(key).body[i]);
    }

    // A store of 100 bytes keeps the first body that fits and none after it.
    const std::map<Key, StreamData> tight = decode(100, nullptr);
    std::size_t notKept = 0;
    for (const auto& [key, s] : tight) {
        if (s.rec.responseBodyBytes > 100) {
            ++notKept;
            QVERIFY(s.body[1].empty());
            QVERIFY(s.bodyTruncated[1]);
            const BodyView v = bodyView(s, 1, BodyMode::Auto);
            QVERIFY2(v.note.contains(QStringLiteral("kept 0 of")), qPrintable(v.note));
        }
    }
    QVERIFY(notKept > 0);
}

void TestGuiModels::loaderRunsOnWorkerAndCancels() {
    CaptureStore store;
    CaptureLoader loader(&store);
    QSignalSpy finished(&loader, &CaptureLoader::finished);
    const std::string path = sourcePath("samples/h2load_small.pcap");
    loader.load(QString::fromStdString(path));
    QVERIFY(loader.isRunning());
    QVERIFY(loader.waitForFinished(60000));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(store.streams().size(), referenceDecode(path).streams.size());

    // A second load replaces the first; a missing file reports an error.
    loader.load(QStringLiteral("/nonexistent/capture.pcap"));
    QVERIFY(loader.waitForFinished(60000));
    QCOMPARE(finished.count(), 2);
    QCOMPARE(finished.last().at(0).toBool(), false);
    QVERIFY(store.streams().empty());

    const std::string big = sourcePath("bench/data/big.pcap");
    if (!QFileInfo::exists(QString::fromStdString(big))) QSKIP("bench/data/big.pcap not present");
    QSignalSpy progress(&loader, &CaptureLoader::progress);
    loader.load(QString::fromStdString(big));
    QVERIFY(QTest::qWaitFor([&] { return !progress.isEmpty() || !loader.isRunning(); }, 30000));
    loader.cancel();
    QVERIFY(loader.waitForFinished(30000));
    QVERIFY(loader.lastResult().cancelled || loader.lastResult().error.empty());
}

// A live capture's decode yields the CPU to the capture child (DecodeOptions::yieldToCapture):
// it runs at nice 10 or more, on a thread of its own, and decodes exactly what a normal load
// does; a normal load after it is not slowed by the lowered thread.
void TestGuiModels::yieldingDecodeRunsLowerAndDecodesTheSame() {
    const std::string path = sourcePath("samples/h2load_small.pcap");
    auto niceOfThisThread = [] {
        errno = 0;
        const int n = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
        return errno == 0 ? n : -100;
    };
    CaptureStore store;
    CaptureLoader loader(&store);
    std::atomic<int> seen{-100};
    auto opener = [&](const IdleHook&) {
        seen = niceOfThisThread();
        return openCapture(path);
    };
    DecodeOptions yielding;
    yielding.yieldToCapture = true;
    loader.loadSource(QStringLiteral("yielding"), opener, yielding);
    QVERIFY(loader.waitForFinished(60000));
    QVERIFY2(seen >= 10, qPrintable(QString::number(seen.load())));
    QCOMPARE(store.streams().size(), referenceDecode(path).streams.size());
    QVERIFY(!store.streams().empty());

    const int base = niceOfThisThread();
    loader.loadSource(QStringLiteral("normal"), opener, DecodeOptions{});
    QVERIFY(loader.waitForFinished(60000));
    QCOMPARE(seen.load(), base);  // a pool thread of the process's own priority
    QCOMPARE(store.streams().size(), referenceDecode(path).streams.size());
}

// File > Export runs the CLI's exporter; a selection keeps just those streams and their connection.
void TestGuiModels::exportWritesTheSelection() {
    const std::string capture = sourcePath("samples/h2c_nghttp.pcap");
    const QString dir = QDir::tempPath();
    auto read = [](const std::string& path) {
        QFile f(QString::fromStdString(path));
        f.open(QIODevice::ReadOnly);
        return QJsonDocument::fromJson(f.readAll()).object();
    };
    ExportRequest all{
        capture, (dir + "/h2lens_gui_all.json").toStdString(), ExportFormat::Json, {}, {}, {}};
    QCOMPARE(QString::fromStdString(exportCapture(all)), QString());
    const QJsonArray conns = read(all.outputPath)["connections"].toArray();
    QCOMPARE(conns.size(), 1);
    QCOMPARE(conns[0].toObject()["streams"].toArray().size(), 6);

    ExportRequest one{
        capture, (dir + "/h2lens_gui_one.json").toStdString(), ExportFormat::Json, {}, {{0, 21}},
        {}};
    QCOMPARE(QString::fromStdString(exportCapture(one)), QString());
    const QJsonArray streams =
        read(one.outputPath)["connections"].toArray()[0].toObject()["streams"].toArray();
    QCOMPARE(streams.size(), 1);
    QCOMPARE(streams[0].toObject()["id"].toInt(), 21);

    ExportRequest har{
        capture, (dir + "/h2lens_gui_one.har").toStdString(), ExportFormat::Har, {}, {{0, 21}}, {}};
    QCOMPARE(QString::fromStdString(exportCapture(har)), QString());
    const QJsonArray entries = read(har.outputPath)["log"].toObject()["entries"].toArray();
    QCOMPARE(entries.size(), 1);
    QCOMPARE(entries[0].toObject()["response"].toObject()["httpVersion"].toString(), QString("h2"));

    ExportRequest bad{
        "/nonexistent.pcap", (dir + "/x.json").toStdString(), ExportFormat::Json, {}, {}, {}};
    QVERIFY(!exportCapture(bad).empty());
}

// Issue 13: File > Export writes the transcripts the decode on screen kept, without reading the
// capture again, and the bytes are those of an export that reads it (JSON, HAR, a selection, a
// TLS capture with its key log); a decode whose bodies went over the budget reads it again.
void TestGuiModels::exportWritesTheDecodeOnScreen() {
    struct Case {
        std::string capture, keylog;
    };
    std::vector<Case> cases{{sourcePath("samples/h2c_nghttp.pcap"), {}},
                            {sourcePath("samples/h2c_curl_post.pcap"), {}},
                            {sourcePath("tests/data/attacks/rapid-reset.pcap"), {}}};
    const std::string tls = sharedPath("captures/03a_tls13_curl_nginx");
    if (!tls.empty()) cases.push_back({tls + "/capture.pcap", tls + "/keylog.txt"});
    const std::string grpc = sharedPath("captures/13_grpc_python");
    if (!grpc.empty()) cases.push_back({grpc + "/capture.pcap", {}});
    auto slurp = [](const std::string& path) {
        QFile f(QString::fromStdString(path));
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    };
    const QString dir = QDir::tempPath();
    for (const Case& c : cases) {
        if (!QFile::exists(QString::fromStdString(c.capture))) continue;
        DecodeOptions opt;
        opt.keylogPath = c.keylog;
        const DecodeResult r = decodeCapture(c.capture, opt, nullptr, [](DecodeBatch&&) {});
        QVERIFY2(r.error.empty(), r.error.c_str());
        QVERIFY(r.transcripts);
        QVERIFY(r.transcripts->complete());
        QVERIFY(r.transcripts->streams() > 0);
        for (ExportFormat format : {ExportFormat::Json, ExportFormat::Har}) {
            for (bool selection : {false, true}) {
                ExportRequest kept{
                    c.capture, (dir + "/h2lens_gui_kept").toStdString(), format, c.keylog, {}, {}};
                if (selection) kept.selection.push_back(lastStream(*r.transcripts));
                kept.transcripts = r.transcripts;
                ExportRequest reread = kept;
                reread.outputPath = (dir + "/h2lens_gui_reread").toStdString();
                reread.transcripts = nullptr;
                ExportSource from = ExportSource::Capture;
                QCOMPARE(QString::fromStdString(exportCapture(kept, &from)), QString());
                QVERIFY(from == ExportSource::Transcripts);
                QCOMPARE(QString::fromStdString(exportCapture(reread, &from)), QString());
                QVERIFY(from == ExportSource::Capture);
                const QByteArray a = slurp(kept.outputPath), b = slurp(reread.outputPath);
                QVERIFY2(a.size() > 100, c.capture.c_str());
                QVERIFY2(a == b, c.capture.c_str());
                // The audit's findings go with their connection into the JSON (issue 16).
                const bool attack = c.capture.find("/attacks/") != std::string::npos;
                if (format == ExportFormat::Json)
                    QCOMPARE(
                        a.contains("\"findings\": [") && a.contains("\"kind\": \"rapid-reset\""),
                        attack);
            }
        }
    }
    // Over the budget: the export reads the capture again, and says so.
    DecodeOptions tight;
    tight.maxTranscriptBodyBytes = 100;
    const std::string capture = sourcePath("samples/h2c_nghttp.pcap");
    const DecodeResult r = decodeCapture(capture, tight, nullptr, [](DecodeBatch&&) {});
    QVERIFY(r.transcripts);
    QVERIFY(!r.transcripts->complete());
    ExportRequest req{
        capture, (dir + "/h2lens_gui_tight.json").toStdString(), ExportFormat::Json, {}, {}, {}};
    req.transcripts = r.transcripts;
    ExportSource from = ExportSource::Transcripts;
    QCOMPARE(QString::fromStdString(exportCapture(req, &from)), QString());
    QVERIFY(from == ExportSource::Capture);
}

// Issue 17.3: on real captures of clients that prioritise (nghttp's RFC 7540 tree against
// nghttpd, python-h2's RFC 9218 urgency), lanes ordered by priority follow the tree depth first
// (a parent's lane above its children, one level deeper each) or urgency (0 first), and the
// details pane states a stream's place and its changes.
void TestGuiModels::priorityOrdersAndDescribesLanes() {
    CaptureStore tree;
    loadInto(tree, sourcePath("tests/data/priority/nghttp_nghttpd_7540.pcap"));
    QVERIFY(!tree.connections().empty());
    const ConnectionData& c = tree.connections()[0];
    QVERIFY(c.done);
    QVERIFY(c.summary.priorities.sawRfc7540());
    const TimelineData byStart = buildTimeline(tree, 0);
    const TimelineData byPriority = buildTimeline(tree, 0, LaneOrder::Priority);
    QCOMPARE(byPriority.lanes.size(), byStart.lanes.size());
    std::size_t withParentLane = 0, prioritised = 0;
    for (std::size_t i = 2; i < byPriority.lanes.size(); ++i) {
        const TimelineLane& l = byPriority.lanes[i];
        if (!l.priority) continue;
        ++prioritised;
        const int parent = byPriority.laneOfStream(l.priority->parent);
        if (l.priority->parent == 0 || parent < 0) {
            QCOMPARE(l.depth, 0);
            continue;
        }
        ++withParentLane;
        QVERIFY2(parent < static_cast<int>(i), qPrintable(QString::number(l.streamId)));
        QCOMPARE(l.depth, byPriority.lanes[parent].depth + 1);
    }
    QVERIFY(prioritised >= 3);
    QVERIFY(withParentLane >= 1);  // nghttp hangs requests below its anchor streams
    // The details of a prioritised request stream: its place, and the signal that put it there.
    bool described = false;
    for (std::size_t si : c.streams) {
        const StreamData& s = tree.streams()[si];
        if (!s.rec.request) continue;
        const auto d = priorityDetails(c, s, tree.captureStart());
        if (!d) continue;
        QVERIFY(QString::fromStdString(d->summary).contains("weight"));
        QVERIFY(QString::fromStdString(d->summary).contains("tree: root"));
        QVERIFY(!d->changes.empty());
        described = true;
        break;
    }
    QVERIFY(described);

    CaptureStore urgency;
    loadInto(urgency, sourcePath("tests/data/priority/python_nghttpd_9218.pcap"));
    QVERIFY(!urgency.connections().empty());
    const TimelineData u = buildTimeline(urgency, 0, LaneOrder::Priority);
    int last = -1, seen = 0;
    for (std::size_t i = 2; i < u.lanes.size(); ++i) {
        const TimelineLane& l = u.lanes[i];
        const int value = l.priority ? l.priority->urgency : 3;
        QVERIFY2(value >= last, qPrintable(QString::number(l.streamId)));
        last = value;
        if (l.priority && l.priority->rfc9218) ++seen;
    }
    QVERIFY(seen >= 2);
}

// Issue 16: the GUI runs the audit at its default thresholds on every load: each recorded attack
// capture's connection carries its finding (the kind `h2lens audit` reports, with a span inside
// the connection), and an ordinary h2load run with 100 concurrent streams carries none.
void TestGuiModels::auditFindingsReachTheConnection() {
    const std::pair<const char*, FindingKind> attacks[] = {
        {"rapid-reset.pcap", FindingKind::RapidReset},
        {"continuation-flood.pcap", FindingKind::ContinuationFlood},
        {"ping-flood.pcap", FindingKind::PingFlood},
        {"settings-flood.pcap", FindingKind::SettingsFlood},
    };
    for (const auto& [file, kind] : attacks) {
        CaptureStore store;
        loadInto(store, sourcePath(std::string("tests/data/attacks/") + file));
        QVERIFY2(!store.connections().empty(), file);
        const ConnectionData& c = store.connections()[0];
        QVERIFY2(store.findingCount() >= 1, file);
        bool found = false;
        for (const Finding& f : c.findings) {
            if (f.kind != kind) continue;
            found = true;
            QCOMPARE(f.conn, c.info.id);
            QVERIFY(f.first <= f.last);
            QVERIFY(f.first >= c.firstTs && f.last <= c.lastTs);
        }
        QVERIFY2(found, file);
    }
    CaptureStore ordinary;
    loadInto(ordinary, sourcePath("tests/data/attacks/ordinary-h2load-m100.pcap"));
    QVERIFY(!ordinary.streams().empty());
    QCOMPARE(ordinary.findingCount(), std::uint64_t{0});
}

// The GUI decodes TLS like the CLI: with a key log file, and with secrets a pcapng carries.
void TestGuiModels::tlsDecryptsWithKeyLogAndEmbeddedSecrets() {
    const std::string dir = sharedPath("captures/03a_tls13_curl_nginx");
    if (dir.empty()) QSKIP("../shared not present");
    auto decodeWith = [](const std::string& path, const std::string& keylog) {
        auto store = std::make_unique<CaptureStore>();
        DecodeOptions opt;
        opt.keylogPath = keylog;
        const DecodeResult r =
            decodeCapture(path, opt, nullptr, [&](DecodeBatch&& b) { store->apply(std::move(b)); });
        return std::make_pair(r.error, std::move(store));
    };
    auto [err, withKeys] = decodeWith(dir + "/capture.pcap", dir + "/keylog.txt");
    QVERIFY2(err.empty(), err.c_str());
    QCOMPARE(int(withKeys->streams().size()), 11);  // INDEX.md: 11 requests
    auto [err2, without] = decodeWith(dir + "/capture.pcap", "");
    QVERIFY(err2.empty());
    QCOMPARE(int(without->streams().size()), 0);
    auto [err3, bad] = decodeWith(dir + "/capture.pcap", "/nonexistent/keylog.txt");
    QVERIFY(!err3.empty());
    const std::string dsb = sharedPath("captures/12a_pcapng_dumpcap_dsb/capture.pcapng");
    auto [err4, embedded] = decodeWith(dsb, "");
    QVERIFY(err4.empty());
    QCOMPARE(int(embedded->streams().size()), 10);  // INDEX.md: 10 requests, TLS ones included
}

QTEST_GUILESS_MAIN(TestGuiModels)
#include "test_gui_models.moc"
