// Live capture end to end: a real `h2lens live` child on the loopback interface, real nghttpd
// and nghttp traffic on 127.0.0.1, decoded through LiveCapture + CaptureLoader into the store.
// Skipped when not root (capture rights) or when nghttpd/nghttp or the h2lens CLI are missing.
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

#include "app/capture_dialog.h"
#include "models/capture_loader.h"
#include "models/capture_store.h"
#include "models/decode_job.h"
#include "models/live_decode.h"

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

int completeStreamsFor(const CaptureStore& store, const std::string& path, std::uint64_t size) {
    int n = 0;
    for (const StreamData& s : store.streams()) {
        if (s.rec.request && s.rec.request->value(":path") == path && s.rec.response &&
            s.rec.response->value(":status") == "200" && s.rec.responseBodyBytes == size)
            ++n;
    }
    return n;
}

}  // namespace

class TestGuiLive : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        if (LiveCapture::findH2lens().isEmpty()) QSKIP("the h2lens CLI is not built");
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
        QProcess server;
        server.start(nghttpd, {QStringLiteral("--no-tls"), QStringLiteral("--address=127.0.0.1"),
                               QStringLiteral("-d"), docs.path(), QString::number(port)});
        QVERIFY(server.waitForStarted(3000));
        auto stopServer = qScopeGuard([&] {
            server.kill();
            server.waitForFinished(2000);
        });
        QElapsedTimer t;
        t.start();
        while (!canConnect(port) && t.elapsed() < 3000) QTest::qWait(20);
        QVERIFY(canConnect(port));

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
};

QTEST_MAIN(TestGuiLive)
#include "test_gui_live.moc"
