// Live capture end to end: a real `h2lens live` child on the loopback interface, real nghttpd
// and nghttp traffic on 127.0.0.1, decoded through LiveCapture + CaptureLoader into the store;
// and the same over TLS with curl writing its key log (SSLKEYLOGFILE) while the GUI follows it.
// Skipped when not root (capture rights) or when nghttpd/nghttp/curl/openssl or the h2lens CLI
// are missing.
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QComboBox>
#include <QLineEdit>
#include <QProcessEnvironment>
#include <QPushButton>
#include <QRandomGenerator>
#include <set>
#include <thread>
#include <tuple>

#include <QAction>
#include <QStatusBar>

#include "app/capture_dialog.h"
#include "app/main_window.h"
#include "capture/pcapng_writer.h"
#include "models/capture_loader.h"
#include "models/capture_store.h"
#include "models/decode_job.h"
#include "models/live_decode.h"
#include "models/read_pacer.h"
#include "pcap/capture_file.h"
#include "reference_decode.h"

using namespace h2lens;
using namespace h2lens::gui;

namespace {

// A port free on 127.0.0.1 right now (the kernel picks it).
int freePort() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    ::close(s);
    return port;
}

bool canConnect(int port) {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(s);
    return ok;
}

// A server child on 127.0.0.1:`port`, killed when the test leaves; ready() once it accepts
// connections (within 5 s).
class LocalServer {
  public:
    LocalServer(const QString& program, const QStringList& args, int port) {
        m_process.start(program, args);
        if (!m_process.waitForStarted(3000)) return;
        QElapsedTimer t;
        t.start();
        while (!canConnect(port) && t.elapsed() < 5000) QTest::qWait(20);
        m_ready = canConnect(port);
    }
    ~LocalServer() {
        m_process.kill();
        m_process.waitForFinished(2000);
    }
    bool ready() const { return m_ready; }

  private:
    QProcess m_process;
    bool m_ready = false;
};

int completeStreamsFor(const CaptureStore& store, const std::string& path, std::uint64_t size) {
    int n = 0;
    for (const StreamData& s : store.streams()) {
        if (s.rec.request && s.rec.request->value(":path") == path && s.rec.response &&
            s.rec.response->value(":status") == "200" && s.rec.responseBodyBytes == size)
            ++n;
    }
    return n;
}

// A stream as curl reports it: path, status, response body bytes.
using StreamRow = std::tuple<std::string, std::string, std::uint64_t>;

std::multiset<StreamRow> storeRows(const CaptureStore& store) {
    std::multiset<StreamRow> rows;
    for (const StreamData& s : store.streams()) {
        rows.emplace(s.rec.request ? std::string(s.rec.request->value(":path")) : std::string(),
                     s.rec.response ? std::string(s.rec.response->value(":status")) : std::string(),
                     s.rec.responseBodyBytes);
    }
    return rows;
}

bool hasAll(const std::multiset<StreamRow>& seen, const std::vector<StreamRow>& want) {
    for (const StreamRow& r : want)
        if (seen.count(r) != 1) return false;
    return true;
}

QString rowsText(const std::multiset<StreamRow>& rows) {
    QStringList out;
    for (const auto& [path, status, size] : rows)
        out << QStringLiteral("%1 %2 %3")
                   .arg(QString::fromStdString(path), QString::fromStdString(status))
                   .arg(size);
    return out.join(QStringLiteral(", "));
}

}  // namespace

class TestGuiLive : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        if (LiveCapture::findH2lens().isEmpty()) QSKIP("the h2lens CLI is not built");
    }

    // The source over the file the child is still writing: at the end of the file it waits
    // (calling the idle hook) instead of ending, and it ends only once the writer is done.
    // Here the "writer" is the idle hook itself, appending the capture in uneven pieces that
    // cut blocks in the middle; what comes out must be every packet of the file, in order.
    void fileSourceFollowsAGrowingFile() {
        const std::string sample = test::sourcePath("samples/h2c_dumpcap.pcapng");
        QFile in(QString::fromStdString(sample));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray all = in.readAll();
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("growing.pcapng"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        auto done = std::make_shared<std::atomic<bool>>(false);
        qsizetype written = 0;
        int idleCalls = 0;
        const IdleHook idle = [&] {
            ++idleCalls;
            if (written == all.size()) {
                done->store(true);
                return true;
            }
            const qsizetype piece = std::min<qsizetype>(all.size() - written, 777);
            out.write(all.constData() + written, piece);
            out.flush();
            written += piece;
            return true;
        };
        auto source = openLiveSource(path.toStdString(), done, idle);
        auto reference = openCapture(sample);
        Packet got, want;
        std::size_t packets = 0;
        while (reference->next(want) == ReadStatus::Packet) {
            QCOMPARE(source->next(got), ReadStatus::Packet);
            ++packets;
            QCOMPARE(got.number, packets);
            QCOMPARE(got.ts, want.ts);
            QVERIFY(
                std::equal(got.data.begin(), got.data.end(), want.data.begin(), want.data.end()));
        }
        QCOMPARE(source->next(got), ReadStatus::End);
        QVERIFY(source->takeIssues().empty());
        QVERIFY(packets > 10);
        QCOMPARE(written, all.size());
        QVERIFY(idleCalls > all.size() / 777);  // it waited at every piece, never ended early

        // An idle hook that says stop (the user closed the capture) ends a file still open.
        auto stopped = std::make_shared<std::atomic<bool>>(false);
        auto cancelled = openLiveSource(path.toStdString(), stopped, [] { return false; });
        std::size_t before = 0;
        while (cancelled->next(got) == ReadStatus::Packet) ++before;
        QCOMPARE(before, packets);  // what was there is read; then it ends instead of waiting
    }

    // The child runs `live --direct-io`: its file grows a 4 KiB-padded flush at a time, each
    // padding a filler block of a local-use type. Followed as the GUI follows it (O_DIRECT reads
    // from 4 KiB boundaries), every packet must come out once, in order, the fillers unseen.
    // Capture 05 (6.8 MB) crosses the writer's 4 MiB chunks and the reader's 1 MiB reads.
    void fileSourceFollowsADirectIoFile() {
        std::vector<std::string> inputs{test::sourcePath("samples/h2c_dumpcap.pcapng")};
        const std::string big =
            test::sharedPath("captures/05_many_streams_h2load_nghttpd/capture.pcap");
        if (big.empty())
            qWarning("../shared absent: the O_DIRECT file is not followed across its 4 MiB chunks");
        else
            inputs.push_back(big);
        for (const std::string& input : inputs) {
            struct Copied {
                TimestampNs ts;
                std::uint32_t linkType, originalLength;
                Bytes data;
            };
            std::vector<Copied> want;
            auto reference = openCapture(input);
            Packet p;
            while (reference->next(p) == ReadStatus::Packet)
                want.push_back(
                    {p.ts, p.linkType, p.originalLength, Bytes(p.data.begin(), p.data.end())});
            QVERIFY(want.size() > 10);

            QTemporaryDir dir;
            const std::string path = dir.filePath(QStringLiteral("direct.pcapng")).toStdString();
            PcapngWriter writer = PcapngWriter::openDirect(path, "h2lens test");
            const std::uint32_t id =
                writer.addInterface(PcapngInterface{want.front().linkType, 262144, "lo", "", ""});
            writer.flush();
            auto done = std::make_shared<std::atomic<bool>>(false);
            std::size_t written = 0;
            bool aligned = true;
            const IdleHook idle = [&] {
                if (written == want.size()) {
                    done->store(true);
                    return true;
                }
                // Uneven runs of packets a flush, as the child flushes on a timer.
                const std::size_t run =
                    std::min<std::size_t>(want.size() - written, 1 + written % 13);
                for (std::size_t i = written; i < written + run; ++i) {
                    Packet out;
                    out.ts = want[i].ts;
                    out.linkType = want[i].linkType;
                    out.originalLength = want[i].originalLength;
                    out.data = want[i].data;
                    writer.writePacket(id, out);
                }
                writer.flush();
                written += run;
                if (writer.writesDirect())
                    aligned = aligned && QFileInfo(QString::fromStdString(path)).size() % 4096 == 0;
                return true;
            };
            auto source = openLiveSource(path, done, idle);
            Packet got;
            for (std::size_t i = 0; i < want.size(); ++i) {
                QCOMPARE(source->next(got), ReadStatus::Packet);
                QCOMPARE(got.number, i + 1);
                QCOMPARE(got.ts, want[i].ts);
                QCOMPARE(got.originalLength, want[i].originalLength);
                QVERIFY(std::equal(got.data.begin(), got.data.end(), want[i].data.begin(),
                                   want[i].data.end()));
            }
            QCOMPARE(source->next(got), ReadStatus::End);
            QVERIFY(source->takeIssues().empty());
            QVERIFY(!writer.failed());
            if (!writer.writesDirect())
                qWarning("the file system refuses O_DIRECT here: the file went through the cache");
            QVERIFY(aligned);
        }
    }

    // The reads yield to the child's writes while the file grows faster than a disk shared by
    // both can take (GUI=1 bench/live_load.sh 40000: 27,933 of 40,000 streams without it, all
    // with it): a trickle during a burst, full speed before and after it.
    void readPacerSlowsReadsOnlyDuringABurst() {
        using namespace std::chrono_literals;
        ReadPacer::Limits limits;  // busy above 300 MB/s, measured over 50 ms; 100 ms apart
        ReadPacer pacer(limits);
        ReadPacer::Clock::time_point t{};
        std::uint64_t size = 4096;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration::zero());
        // Growing 100 MB/s (a busy HTTP/2 service): read at once, every time.
        for (int i = 0; i < 10; ++i) {
            t += 10ms;
            size += 1'000'000;
            QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration::zero());
            pacer.readDone(t);
        }
        QVERIFY(!pacer.busy());
        // A 2 GB/s burst: once a window has seen it, a read waits for 100 ms after the last.
        for (int i = 0; i < 6; ++i) {
            t += 10ms;
            size += 20'000'000;
            (void)pacer.beforeRead(size, t);
        }
        QVERIFY(pacer.busy());
        pacer.readDone(t);
        t += 5ms;
        size += 10'000'000;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration(95ms));
        // Still bursting when the wait is over: the read goes ahead, and the next waits again.
        t += 95ms;
        size += 190'000'000;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration::zero());
        QVERIFY(pacer.busy());
        pacer.readDone(t);
        t += 1ms;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration(99ms));
        // The burst is over (the file stands still): the window that held its end still
        // counts it, the next one, all standing still, frees the reads.
        t += 60ms;
        (void)pacer.beforeRead(size, t);
        t += 60ms;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration::zero());
        QVERIFY(!pacer.busy());
        t += 1ms;
        QCOMPARE(pacer.beforeRead(size, t), ReadPacer::Clock::duration::zero());
    }

    // The status line's lag: said once the window is 16 MB or more behind the file, in MB.
    void windowLagSaidPastSixteenMegabytes() {
        QCOMPARE(windowLagText(0, 0), QString());
        QCOMPARE(windowLagText(15'999'999, 0), QString());
        QCOMPARE(windowLagText(1'300'000'000, 1'290'000'000), QString());
        QCOMPARE(windowLagText(16'000'000, 0), QStringLiteral(" · the window reads 16 MB behind"));
        QCOMPARE(windowLagText(1'315'100'000, 300'000'000),
                 QStringLiteral(" · the window reads 1015 MB behind"));
        QCOMPARE(windowLagText(100, 5000), QString());  // a file cut short: nothing to say
    }

    // While the child writes a burst the reads wait (ReadPacer); a burst may outlast any wait,
    // so a cancel (the user opens another file) must still end the read then, not once the
    // load stops. Here a thread appends the sample's packet blocks at about 100 MB/s for up to
    // 5 s, ten times what the paced reads take (1 MiB per 100 ms), to a pacer that counts
    // anything above 1 MB/s as a burst: the reader never reaches the end of the file, so only
    // the paced wait can see the cancel.
    void pacedReadEndsOnCancelDuringABurst() {
        const std::string sample = test::sourcePath("samples/h2c_dumpcap.pcapng");
        QFile in(QString::fromStdString(sample));
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray all = in.readAll();
        // Split the section's header blocks (SHB, IDBs) from the rest (little-endian here).
        qsizetype headerEnd = 0;
        for (;;) {
            QVERIFY(headerEnd + 8 <= all.size());
            std::uint32_t type, length;
            std::memcpy(&type, all.constData() + headerEnd, 4);
            std::memcpy(&length, all.constData() + headerEnd + 4, 4);
            if (type != 0x0a0d0d0a && type != 1) break;
            headerEnd += length;
        }
        const QByteArray packets = all.mid(headerEnd);
        QVERIFY(packets.size() > 1000);
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("burst.pcapng"));
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(all);
        out.flush();
        std::atomic<bool> writing{true};
        std::atomic<bool> stopWriting{false};
        std::thread writer([&] {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            while (!stopWriting && std::chrono::steady_clock::now() < until) {
                for (qsizetype n = 0; n < 1'000'000; n += packets.size()) out.write(packets);
                out.flush();
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            writing = false;
        });
        auto done = std::make_shared<std::atomic<bool>>(false);
        const auto cancelAt = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
        int idleCalls = 0;
        const IdleHook idle = [&] {
            ++idleCalls;
            return std::chrono::steady_clock::now() < cancelAt;
        };
        ReadPacer::Limits pace;
        pace.busyBytesPerSecond = 1e6;
        auto source = openLiveSource(path.toStdString(), done, idle, pace);
        Packet got;
        std::size_t read = 0;
        while (source->next(got) == ReadStatus::Packet) ++read;
        const auto ended = std::chrono::steady_clock::now();
        const bool stillWriting = writing.load();
        const auto fileSize = static_cast<std::uint64_t>(QFileInfo(path).size());
        stopWriting = true;
        writer.join();
        QVERIFY(read > 0);
        QVERIFY(idleCalls > 1);  // it waited for the burst, more than once
        QVERIFY2(stillWriting, "the read ended only once the writer had stopped");
        // Paced, it read a small part of what was written, and ended soon after the cancel.
        QVERIFY2(source->bytesRead() < fileSize / 2,
                 qPrintable(
                     QStringLiteral("read %1 of %2 bytes").arg(source->bytesRead()).arg(fileSize)));
        QVERIFY(ended - cancelAt < std::chrono::seconds(2));
        // A cancel inside a block is not a damaged capture.
        QVERIFY(source->takeIssues().empty());
    }

    void interfacesListed() {
        if (::geteuid() != 0) QSKIP("needs capture rights (root)");
        QString error;
        const auto list = LiveCapture::listInterfaces(&error);
        QVERIFY2(!list.isEmpty(), qPrintable(error));
        bool lo = false;
        for (const auto& i : list) lo = lo || (i.name == QLatin1String("lo") && i.loopback);
        QVERIFY(lo);
    }

    void dialogListsInterfaces() {
        if (::geteuid() != 0) QSKIP("needs capture rights (root)");
        CaptureStore store;
        CaptureLoader loader(&store);
        LiveCapture live(&loader);
        CaptureDialog dialog(&live);
        dialog.refreshInterfaces();
        auto* combo = dialog.findChild<QComboBox*>();
        QVERIFY(combo);
        const int lo = combo->findData(QStringLiteral("lo"));
        QVERIFY(lo >= 0);
        combo->setCurrentIndex(lo);
        QCOMPARE(dialog.interfaceName(), QStringLiteral("lo"));
    }

    // The dialog shows the window's key log, says a missing one will be read once it appears
    // (no capture rights needed: nothing is captured).
    void dialogShowsKeylog() {
        CaptureStore store;
        CaptureLoader loader(&store);
        LiveCapture live(&loader);
        CaptureDialog dialog(&live);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("keys.txt"));
        QSignalSpy changed(&dialog, &CaptureDialog::keylogChanged);
        dialog.setKeylogPath(path);
        QCOMPARE(dialog.keylogPath(), path);
        QCOMPARE(changed.count(), 0);  // the window's own choice is not echoed back
        QVERIFY2(dialog.keylogStateText().contains(QLatin1String("does not exist yet")),
                 qPrintable(dialog.keylogStateText()));
        dialog.show();
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("CLIENT_RANDOM 00 00\n");
        }
        // Re-read while shown: the client created the file.
        QTRY_VERIFY_WITH_TIMEOUT(!dialog.keylogStateText().contains(QLatin1String("does not")),
                                 3000);
        QVERIFY2(dialog.keylogStateText().contains(QLatin1String("20 bytes")),
                 qPrintable(dialog.keylogStateText()));
        // A path typed in the dialog is reported once it is confirmed.
        auto* edit = dialog.findChild<QLineEdit*>(QStringLiteral("keylogEdit"));
        QVERIFY(edit);
        const QString other = dir.filePath(QStringLiteral("other.txt"));
        edit->setText(other);
        Q_EMIT edit->editingFinished();
        QCOMPARE(changed.count(), 1);
        QCOMPARE(changed.first().at(0).toString(), other);
        dialog.setRunning(true);
        QVERIFY(!edit->isEnabled());  // a running capture keeps the key log it started with
        QCOMPARE(LiveCapture::keylogState({}).contains(QLatin1String("No TLS key log")), true);
    }

    void badFilterReported() {
        if (::geteuid() != 0) QSKIP("needs capture rights (root)");
        CaptureStore store;
        CaptureLoader loader(&store);
        LiveCapture live(&loader);
        QSignalSpy child(&live, &LiveCapture::childFinished);
        QString error;
        QVERIFY2(live.start(QStringLiteral("lo"), QStringLiteral("tcp port nonsense"), {}, &error),
                 qPrintable(error));
        QVERIFY(child.wait(5000));
        QCOMPARE(child.first().at(0).toBool(), false);
        const QString msg = child.first().at(1).toString();
        QVERIFY2(msg.contains(QLatin1String("filter"), Qt::CaseInsensitive) ||
                     msg.contains(QLatin1String("nonsense")),
                 qPrintable(msg));
        QVERIFY(loader.waitForFinished(5000));
        QCOMPARE(store.streams().size(), std::size_t{0});
    }

    void liveNghttpStreams() {
        if (::geteuid() != 0) QSKIP("needs capture rights (root)");
        const QString nghttpd =
            QStandardPaths::findExecutable(QStringLiteral("nghttpd"), {"/usr/sbin", "/usr/bin"});
        const QString nghttp = QStandardPaths::findExecutable(QStringLiteral("nghttp"));
        if (nghttpd.isEmpty() || nghttp.isEmpty()) QSKIP("nghttpd/nghttp not installed");

        QTemporaryDir docs;
        QVERIFY(docs.isValid());
        const QByteArray body(3000, 'x');
        {
            QFile f(docs.filePath(QStringLiteral("file")));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(body);
        }
        const int port = freePort();
        QVERIFY(port > 0);
        LocalServer server(nghttpd,
                           {QStringLiteral("--no-tls"), QStringLiteral("--address=127.0.0.1"),
                            QStringLiteral("-d"), docs.path(), QString::number(port)},
                           port);
        QVERIFY(server.ready());
        QElapsedTimer t;

        CaptureStore store;
        CaptureLoader loader(&store);
        LiveCapture live(&loader);
        QSignalSpy child(&live, &LiveCapture::childFinished);
        QString error;
        QVERIFY2(
            live.start(QStringLiteral("lo"), QStringLiteral("tcp port %1").arg(port), {}, &error),
            qPrintable(error));
        // The child writes the pcapng header once its capture is open.
        t.restart();
        while (QFileInfo(live.capturePath()).size() == 0 && t.elapsed() < 5000) QTest::qWait(20);
        QVERIFY2(QFileInfo(live.capturePath()).size() > 0, "no pcapng from h2lens live");
        QVERIFY(live.isRunning());

        const QString url = QStringLiteral("http://127.0.0.1:%1/file").arg(port);
        constexpr int kRuns = 3;
        for (int i = 0; i < kRuns; ++i) {
            QProcess c;
            c.start(nghttp, {QStringLiteral("-n"), url});
            QVERIFY(c.waitForFinished(5000));
            QCOMPARE(c.exitCode(), 0);
        }
        // Live: the streams show while the capture still runs.
        t.restart();
        while (completeStreamsFor(store, "/file", body.size()) < kRuns && t.elapsed() < 3000)
            QTest::qWait(20);
        qInfo("live: %zu connections, %zu streams, pcapng copy %lld bytes",
              store.connections().size(), store.streams().size(),
              QFileInfo(live.capturePath()).size());
        QCOMPARE(completeStreamsFor(store, "/file", body.size()), kRuns);
        QVERIFY(live.isRunning());
        QVERIFY(loader.isRunning());

        live.stop();
        QVERIFY(child.wait(5000));
        QVERIFY2(child.first().at(0).toBool(), qPrintable(child.first().at(1).toString()));
        QVERIFY(loader.waitForFinished(5000));
        QVERIFY2(loader.lastResult().error.empty(), loader.lastResult().error.c_str());
        QCOMPARE(loader.lastResult().issueCount, std::uint64_t{0});
        // The decode read the whole file (filler blocks included): nothing left behind.
        QCOMPARE(loader.bytesRead(), static_cast<quint64>(QFileInfo(live.capturePath()).size()));
        QCOMPARE(windowLagText(QFileInfo(live.capturePath()).size(), loader.bytesRead()),
                 QString());
        QCOMPARE(completeStreamsFor(store, "/file", body.size()), kRuns);
        QCOMPARE(store.connections().size(), std::size_t{kRuns});
        for (const ConnectionData& c : store.connections()) QVERIFY(c.done);

        // The saved copy decodes to the same streams.
        QTemporaryDir out;
        const QString saved = out.filePath(QStringLiteral("saved.pcapng"));
        QVERIFY2(live.saveAs(saved, &error), qPrintable(error));
        CaptureStore again;
        CaptureLoader reload(&again);
        reload.load(saved);
        QVERIFY(reload.waitForFinished(10000));
        QCOMPARE(reload.lastResult().issueCount, std::uint64_t{0});
        QCOMPARE(completeStreamsFor(again, "/file", body.size()), kRuns);
        QCOMPARE(reload.lastResult().stats.packets, loader.lastResult().stats.packets);
    }

    // TLS 1.3 and TLS 1.2 to a TLS nghttpd, decrypted live with a key log that curl creates and
    // appends to while the GUI captures (TLS 1.2's CLIENT_RANDOM only after the ServerHello).
    void liveTlsWithGrowingKeylog() {
        if (::geteuid() != 0) QSKIP("needs capture rights (root)");
        const QString nghttpd =
            QStandardPaths::findExecutable(QStringLiteral("nghttpd"), {"/usr/sbin", "/usr/bin"});
        const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (nghttpd.isEmpty() || curl.isEmpty() || openssl.isEmpty())
            QSKIP("nghttpd, curl or openssl not installed");

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QDir(dir.path()).mkdir(QStringLiteral("www"));
        auto writeFile = [&](const QString& name, const QByteArray& bytes) {
            QFile f(dir.filePath(QStringLiteral("www/") + name));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(bytes);
        };
        QByteArray big(120000, '\0');
        QRandomGenerator rng(7);  // incompressible, and no two runs share it by accident
        for (char& c : big) c = static_cast<char>(rng.bounded(256));
        writeFile(QStringLiteral("big.bin"), big);
        writeFile(QStringLiteral("small.bin"), big.left(45000));
        writeFile(QStringLiteral("index.html"), "<html>h2lens gui live TLS</html>\n");

        const QString key = dir.filePath(QStringLiteral("key.pem"));
        const QString cert = dir.filePath(QStringLiteral("cert.pem"));
        QProcess gen;
        gen.start(openssl,
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                   QStringLiteral("/CN=localhost"), QStringLiteral("-keyout"), key,
                   QStringLiteral("-out"), cert});
        QVERIFY(gen.waitForFinished(10000));
        QCOMPARE(gen.exitCode(), 0);

        const int port = freePort();
        QVERIFY(port > 0);
        LocalServer server(nghttpd,
                           {QStringLiteral("--address=127.0.0.1"), QStringLiteral("-d"),
                            dir.filePath(QStringLiteral("www")), QString::number(port), key, cert},
                           port);
        QVERIFY(server.ready());
        QElapsedTimer t;

        const QString keylog = dir.filePath(QStringLiteral("keys.txt"));
        QVERIFY(!QFile::exists(keylog));  // curl creates it during the capture
        // Through the window, as a user does it: the key log of File > TLS Key Log, shown by
        // File > Capture…, then Start.
        qputenv("H2LENS_GUI_NO_DIALOGS", "1");
        MainWindow window;
        window.setKeylogPath(keylog);
        QAction* captureAction = nullptr;
        for (QAction* a : window.findChildren<QAction*>())
            if (a->text() == QStringLiteral("&Capture…")) captureAction = a;
        QVERIFY(captureAction);
        captureAction->trigger();
        QVERIFY(window.captureDialog());
        QCOMPARE(window.captureDialog()->keylogPath(), keylog);
        QVERIFY2(
            window.captureDialog()->keylogStateText().contains(QLatin1String("does not exist yet")),
            qPrintable(window.captureDialog()->keylogStateText()));
        const CaptureStore& store = *window.store();
        CaptureLoader& loader = *window.loader();
        LiveCapture& live = *window.liveCapture();
        QSignalSpy child(&live, &LiveCapture::childFinished);
        QSignalSpy finished(&loader, &CaptureLoader::finished);
        QSignalSpy stats(&live, &LiveCapture::captureStats);
        QVERIFY(
            window.startLiveCapture(QStringLiteral("lo"), QStringLiteral("tcp port %1").arg(port)));
        // Said, not an error: the capture runs.
        const QString note = window.statusBar()->currentMessage();
        QVERIFY2(note.contains(QLatin1String("does not exist yet")), qPrintable(note));
        QVERIFY(live.isRunning());
        t.restart();
        while (QFileInfo(live.capturePath()).size() == 0 && t.elapsed() < 5000) QTest::qWait(20);
        QVERIFY2(QFileInfo(live.capturePath()).size() > 0, "no pcapng from h2lens live");

        const QString base = QStringLiteral("https://127.0.0.1:%1").arg(port);
        // One curl, one connection, its URLs as streams on it; curl says what each one got.
        auto fetch = [&](const QString& tls, const QStringList& paths) {
            std::vector<StreamRow> rows;
            QProcess c;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("SSLKEYLOGFILE"), keylog);
            c.setProcessEnvironment(env);
            QStringList args{QStringLiteral("-sS"), QStringLiteral("--http2"), QStringLiteral("-k"),
                             QStringLiteral("-w"),
                             QStringLiteral("%{http_code} %{size_download}\n")};
            args << tls.split(u' ');
            for (const QString& p : paths)
                args << QStringLiteral("-o") << QStringLiteral("/dev/null") << base + p;
            c.start(curl, args);
            if (!c.waitForFinished(10000) || c.exitCode() != 0) {
                qWarning("curl failed: %s", c.readAllStandardError().constData());
                return rows;
            }
            const QList<QByteArray> lines = c.readAllStandardOutput().trimmed().split('\n');
            for (int i = 0; i < lines.size() && i < paths.size(); ++i) {
                const QList<QByteArray> f = lines[i].trimmed().split(' ');
                if (f.size() == 2)
                    rows.emplace_back(paths[i].toStdString(), f[0].toStdString(),
                                      f[1].toULongLong());
            }
            return rows;
        };
        // /missing.html: nghttpd's 404 page, a second status and body size.
        const auto tls13 = fetch(QStringLiteral("--tlsv1.3"),
                                 {QStringLiteral("/big.bin"), QStringLiteral("/missing.html")});
        const auto tls12 = fetch(QStringLiteral("--tls-max 1.2"),
                                 {QStringLiteral("/index.html"), QStringLiteral("/small.bin")});
        QCOMPARE(tls13.size(), std::size_t{2});
        QCOMPARE(tls12.size(), std::size_t{2});
        QCOMPARE(std::get<2>(tls13[0]), std::uint64_t(big.size()));
        QCOMPARE(std::get<1>(tls13[1]), std::string("404"));
        QCOMPARE(std::get<2>(tls12[1]), std::uint64_t{45000});
        // Both handshakes really happened as intended: curl logged secrets of both kinds.
        {
            QFile f(keylog);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray text = f.readAll();
            QVERIFY(text.contains("CLIENT_TRAFFIC_SECRET_0 "));
            QVERIFY(text.contains("CLIENT_RANDOM "));
        }

        // Decrypted while the capture still runs.
        std::vector<StreamRow> all = tls13;
        all.insert(all.end(), tls12.begin(), tls12.end());
        t.restart();
        while (!hasAll(storeRows(store), all) && t.elapsed() < 5000) QTest::qWait(20);
        QVERIFY2(hasAll(storeRows(store), all), qPrintable(rowsText(storeRows(store))));
        QVERIFY(live.isRunning());
        // Issue 19: the capture's figures once a second in the status line while it runs.
        t.restart();
        while (stats.isEmpty() && t.elapsed() < 3000) QTest::qWait(20);
        QVERIFY2(!stats.isEmpty(), "no --stats line from h2lens live");
        const QString line = stats.last().at(0).toString();
        // The kernel's counters join the line once the capture thread has read them (its first
        // second), so only h2lens's own count is certain in the first line.
        QVERIFY2(line.contains(QLatin1String(" packets/s, ")) &&
                     line.contains(QLatin1String("dropped so far: ")) &&
                     line.endsWith(QLatin1String(" 0 by h2lens")),
                 qPrintable(line));
        QLabel* status = nullptr;
        for (QLabel* l : window.statusBar()->findChildren<QLabel*>())
            if (l->text().contains(QStringLiteral(" · capture "))) status = l;
        QVERIFY2(status, "the status line does not show the capture's figures");

        window.stopLiveCapture();
        QVERIFY(child.wait(5000));
        QVERIFY2(child.first().at(0).toBool(), qPrintable(child.first().at(1).toString()));
        // And what was lost (nothing here) once it stopped.
        QCOMPARE(live.lossLine(),
                 QStringLiteral("lost nothing: every packet the filter passed was written"));
        // And the child's own peaks (what --live-stats and bench/live_load.sh print).
        const QRegularExpression peaks(
            QStringLiteral("^peak queue [0-9]+\\.[0-9] MB, peak memory ([0-9]+)\\.[0-9] MB$"));
        const QRegularExpressionMatch m = peaks.match(live.childPeaks());
        QVERIFY2(m.hasMatch(), qPrintable(live.childPeaks()));
        QVERIFY(m.captured(1).toInt() > 1);
        QVERIFY2(status->text().contains(QStringLiteral(" · lost nothing")),
                 qPrintable(status->text()));
        QVERIFY(loader.waitForFinished(5000));
        QCOMPARE(finished.count(), 1);
        const QString done = finished.first().at(1).toString();
        QVERIFY2(done.contains(QLatin1String("secrets for 2 TLS connections")), qPrintable(done));
        const DecodeResult& r = loader.lastResult();
        QVERIFY2(r.error.empty(), r.error.c_str());
        QVERIFY(r.keylog.followed);
        QVERIFY(r.keylog.seen);
        QCOMPARE(r.keylog.randoms, std::uint64_t{2});
        const auto rows = storeRows(store);
        QVERIFY2(rows.size() == all.size() && hasAll(rows, all), qPrintable(rowsText(rows)));
        QCOMPARE(store.connections().size(), std::size_t{2});
        for (const ConnectionData& c : store.connections()) QVERIFY(c.done);

        // A file load of the saved copy with the finished key log decodes the same streams:
        // one read, not followed.
        const QString saved = dir.filePath(QStringLiteral("saved.pcapng"));
        QString error;
        QVERIFY2(live.saveAs(saved, &error), qPrintable(error));
        DecodeOptions options;
        options.keylogPath = keylog.toStdString();
        CaptureStore again;
        CaptureLoader reload(&again);
        reload.load(saved, options);
        QVERIFY(reload.waitForFinished(10000));
        QVERIFY(!reload.lastResult().keylog.followed);
        QCOMPARE(storeRows(again), rows);
    }
};

QTEST_MAIN(TestGuiLive)
#include "test_gui_live.moc"
