// h2lens-gui [FILE] | h2lens-gui --screenshot OUT.png [--select CONN:STREAM] [--size WxH] FILE
//                   | h2lens-gui --load-stats FILE
//                   | h2lens-gui --live-stats IFACE [--filter BPF] [--seconds N]
// The screenshot mode loads the capture, waits for the decode, renders the main window at a fixed
// size to a PNG and exits (for tests, the README and looking at what was built). --load-stats
// loads through the same window and models without showing it and prints the load's timings and
// peak RSS (the GUI's load-speed measurement). --live-stats captures live through the window
// (File > Capture's child `h2lens live`) for N seconds, then stops and prints the streams seen,
// the longest the event loop went without running (a 10 ms timer's largest gap), the child's
// loss line and peak RSS (bench/gui_live_load.sh puts a load on it). --help and --version print
// without a display (they are answered before the QApplication, which needs one, exists).
#include <sys/resource.h>
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QTimer>
#include <algorithm>
#include <cstdio>

#include "app/main_window.h"
#include "common/plural.h"
#include "models/live_decode.h"

namespace {

void setNames() {
    QCoreApplication::setOrganizationName(QStringLiteral("h2lens"));
    QCoreApplication::setApplicationName(QStringLiteral("h2lens-gui"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
}

// CONN:STREAM or CONN; false when it is neither.
bool parseSelect(const QString& text, qulonglong* conn, uint* stream) {
    const QStringList cs = text.split(':');
    bool okC = false, okS = true;
    *conn = cs.value(0).toULongLong(&okC);
    *stream = cs.size() > 1 ? cs.value(1).toUInt(&okS) : 0;
    return okC && okS && cs.size() <= 2;
}

// Peak resident memory of this process so far, in KB (the stats modes print it).
long peakRssKb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    setNames();
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("h2lens: passive HTTP/2 analyzer"));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    QCommandLineOption shot(QStringLiteral("screenshot"),
                            QStringLiteral("render the window to OUT.png and exit"),
                            QStringLiteral("OUT.png"));
    QCommandLineOption select(QStringLiteral("select"),
                              QStringLiteral("select connection:stream (e.g. 0:13)"),
                              QStringLiteral("CONN:STREAM"));
    QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size for --screenshot"),
                            QStringLiteral("WxH"), QStringLiteral("1600x1000"));
    QCommandLineOption keylog(QStringLiteral("keylog"),
                              QStringLiteral("NSS key log (SSLKEYLOGFILE) to decrypt TLS"),
                              QStringLiteral("FILE"));
    QCommandLineOption loadStats(
        QStringLiteral("load-stats"),
        QStringLiteral("load FILE without showing a window, print wall time and peak RSS, exit"));
    QCommandLineOption laneOrder(
        QStringLiteral("lane-order"),
        QStringLiteral("timeline stream lanes by 'start' (first frame) or 'priority' (the "
                       "client's RFC 7540 tree or RFC 9218 urgency)"),
        QStringLiteral("ORDER"), QStringLiteral("start"));
    QCommandLineOption liveStats(
        QStringLiteral("live-stats"),
        QStringLiteral("capture live on IFACE without showing a window, print streams, the longest "
                       "event-loop stall, losses and peak RSS, exit"),
        QStringLiteral("IFACE"));
    QCommandLineOption liveFilter(QStringLiteral("filter"),
                                  QStringLiteral("capture filter (BPF) for --live-stats"),
                                  QStringLiteral("BPF"));
    QCommandLineOption liveSeconds(QStringLiteral("seconds"),
                                   QStringLiteral("how long --live-stats captures"),
                                   QStringLiteral("N"), QStringLiteral("10"));
    parser.addOption(liveStats);
    parser.addOption(liveFilter);
    parser.addOption(liveSeconds);
    parser.addOption(keylog);
    parser.addOption(laneOrder);
    parser.addOption(loadStats);
    parser.addOption(shot);
    parser.addOption(select);
    parser.addOption(size);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("pcap or pcapng capture"));
    {
        // --help and --version before QApplication, which aborts without a display. A parse
        // error here may be a Qt option (-platform, -style): QApplication takes those off first.
        QStringList args;
        for (int i = 0; i < argc; ++i) args << QString::fromLocal8Bit(argv[i]);
        if (parser.parse(args) && (parser.isSet(help) || parser.isSet(version))) {
            QCoreApplication core(argc, argv);
            if (parser.isSet(help)) parser.showHelp(0);
            parser.showVersion();
        }
    }
    QApplication app(argc, argv);
    setNames();
    parser.process(app);
    qulonglong selConn = 0;
    uint selStream = 0;
    if (parser.isSet(select) && !parseSelect(parser.value(select), &selConn, &selStream)) {
        std::fprintf(stderr, "h2lens-gui: --select wants CONN:STREAM\n");
        return 2;
    }

    const QString order = parser.value(laneOrder);
    if (order != QStringLiteral("start") && order != QStringLiteral("priority")) {
        std::fprintf(stderr, "h2lens-gui: --lane-order wants 'start' or 'priority'\n");
        return 2;
    }
    h2lens::gui::MainWindow w;
    // The lines the stats and screenshot modes print: "1 connection, 12 streams", and the
    // time to the first stream rows, or that there were none.
    const auto counts = [&w] {
        return h2lens::plural(w.store()->connections().size(), "connection", "connections") + ", " +
               h2lens::plural(w.store()->streams().size(), "stream", "streams");
    };
    const auto firstRows = [&w](const char* what) {
        return w.firstRowsMs() < 0
                   ? std::string("no stream rows")
                   : std::string(what) + " " + std::to_string(w.firstRowsMs()) + " ms";
    };
    if (order == QStringLiteral("priority")) w.setPriorityLaneOrder(true);
    if (parser.isSet(keylog)) w.setKeylogPath(parser.value(keylog));
    if (parser.isSet(select)) w.setInitialSelection(selConn, selStream);
    const QStringList files = parser.positionalArguments();
    if (parser.isSet(liveStats)) {
        qputenv("H2LENS_GUI_NO_DIALOGS", "1");
        bool okSeconds = false;
        const double seconds = parser.value(liveSeconds).toDouble(&okSeconds);
        if (!okSeconds || seconds <= 0) {
            std::fprintf(stderr, "h2lens-gui: --seconds wants a positive number\n");
            return 2;
        }
        if (!w.startLiveCapture(parser.value(liveStats), parser.value(liveFilter))) return 2;
        // The event loop's health while batches arrive: a 10 ms timer, its largest gap.
        QElapsedTimer since;
        since.start();
        qint64 last = 0, worst = 0;
        // And how far the window's decode fell behind the child's file (the paced reads).
        qint64 mostBehind = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = since.nsecsElapsed();
            worst = std::max(worst, now - last);
            last = now;
            const QString file = w.liveCapture()->capturePath();
            if (!file.isEmpty())
                mostBehind = std::max(mostBehind, QFileInfo(file).size() -
                                                      static_cast<qint64>(w.loader()->bytesRead()));
        });
        tick.start(10);
        QTimer::singleShot(static_cast<int>(seconds * 1000), &w, [&w] { w.stopLiveCapture(); });
        bool childOk = true;
        QString childMessage;
        QObject::connect(w.liveCapture(), &h2lens::gui::LiveCapture::childFinished,
                         [&](bool ok, const QString& message) {
                             childOk = ok;
                             childMessage = message;
                         });
        QObject::connect(w.loader(), &h2lens::gui::CaptureLoader::finished, &app,
                         [&app] { app.quit(); });
        app.exec();
        tick.stop();
        if (!childOk) {
            std::fprintf(stderr, "h2lens-gui: %s\n", qPrintable(childMessage));
            return 2;
        }
        const QString peaks = w.liveCapture()->childPeaks();
        std::printf(
            "%s: %s; longest event-loop stall %.1f ms; window at most %.0f MB behind; %s; "
            "peak RSS %ld KB%s\n",
            qPrintable(parser.value(liveStats)), counts().c_str(), static_cast<double>(worst) / 1e6,
            static_cast<double>(mostBehind) / 1e6, qPrintable(w.liveCapture()->lossLine()),
            peakRssKb(),
            peaks.isEmpty() ? "" : qPrintable(QStringLiteral("; the child's ") + peaks));
        return 0;
    }
    if (parser.isSet(loadStats)) {
        if (files.isEmpty()) {
            std::fprintf(stderr, "h2lens-gui: --load-stats needs a capture FILE\n");
            return 2;
        }
        qputenv("H2LENS_GUI_NO_DIALOGS", "1");
        QElapsedTimer t;
        t.start();
        w.loader()->load(files.first(), w.decodeOptions());  // not openFile(): no recent entry
        w.loader()->waitForFinished();
        const double wall = t.nsecsElapsed() / 1e9;  // every batch applied to the models
        const auto& result = w.loader()->lastResult();
        if (!result.error.empty()) {
            std::fprintf(stderr, "h2lens-gui: %s\n", result.error.c_str());
            return 2;
        }
        std::printf("%s: %s, %s; %s, full load %.3f s (worker %.3f s), peak RSS %ld KB\n",
                    qPrintable(files.first()), counts().c_str(),
                    h2lens::plural(w.store()->frameCount(), "frame", "frames").c_str(),
                    firstRows("first rows").c_str(), wall, result.seconds, peakRssKb());
        return 0;
    }
    if (parser.isSet(shot)) {
        if (files.isEmpty()) {
            std::fprintf(stderr, "h2lens-gui: --screenshot needs a capture FILE\n");
            return 2;
        }
        qputenv("H2LENS_GUI_NO_DIALOGS", "1");
        const QStringList wh = parser.value(size).split('x');
        const int width = wh.value(0).toInt() > 0 ? wh.value(0).toInt() : 1600;
        const int height = wh.value(1).toInt() > 0 ? wh.value(1).toInt() : 1000;
        w.resize(width, height);
        w.show();
        w.loader()->load(files.first(), w.decodeOptions());
        w.loader()->waitForFinished();
        const auto& result = w.loader()->lastResult();
        if (!result.error.empty()) {
            std::fprintf(stderr, "h2lens-gui: %s\n", result.error.c_str());
            return 2;
        }
        // The load applied --select (setInitialSelection); say when it named nothing.
        if (parser.isSet(select)) {
            if (w.store()->connectionIndex(selConn) < 0) {
                std::fprintf(stderr, "h2lens-gui: no connection %llu\n", selConn);
                return 2;
            }
            if (selStream && !w.store()->stream(selConn, selStream)) {
                std::fprintf(stderr,
                             "h2lens-gui: warning: no finished stream %u in connection %llu\n",
                             selStream, selConn);
            }
        }
        for (int i = 0; i < 5; ++i) QApplication::processEvents();
        const QImage img = w.grab().toImage();
        if (!img.save(parser.value(shot))) {
            std::fprintf(stderr, "h2lens-gui: cannot write %s\n", qPrintable(parser.value(shot)));
            return 2;
        }
        std::printf("%s: %dx%d, %s, decoded in %.3f s, %s\n", qPrintable(parser.value(shot)),
                    img.width(), img.height(), counts().c_str(), result.seconds,
                    firstRows("first rows after").c_str());
        return 0;
    }
    w.show();
    if (!files.isEmpty()) w.openFile(files.first());
    return app.exec();
}
