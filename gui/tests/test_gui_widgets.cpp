// The main window on a real sample (rows, timeline marks, window series against the decoder;
// clicking a mark selects the frame everywhere), and the timeline's redraw time with 10,000
// streams (level-of-detail drawing), all under the offscreen platform.
#include <QElapsedTimer>
#include <QImage>
#include <QLineEdit>
#include <QPainter>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <algorithm>
#include <set>

#include "app/details_pane.h"
#include "app/main_window.h"
#include "app/timeline_widget.h"
#include "app/window_chart.h"
#include "reference_decode.h"
#include "synthetic_connection.h"

using namespace h2lens;
using namespace h2lens::gui;
using h2lens::gui::test::SyntheticConnection;
using h2lens::test::referenceDecode;
using h2lens::test::sourcePath;

namespace {

// One connection, `n` streams, each: HEADERS C->S, HEADERS S->C, 8 DATA S->C (END_STREAM on the
// last), WINDOW_UPDATEs on stream 0: about 11 frames per stream.
DecodeBatch syntheticConnection(int n) {
    SyntheticConnection c;
    const TimestampNs t0 = SyntheticConnection::kStart;
    auto frame = [&c](TimestampNs ts, std::uint32_t stream, std::uint8_t type, std::uint8_t flags,
                      Direction d, std::uint32_t len) { c.frame(ts, stream, type, flags, d, len); };
    for (int k = 0; k < n; ++k) {
        const std::uint32_t id = 2 * k + 1;
        const TimestampNs s = t0 + k * 100'000;  // a stream every 100 us, overlapping
        frame(s, id, 0x1, 0x5, Direction::ClientToServer, 30);
        frame(s + 50'000, id, 0x1, 0x4, Direction::ServerToClient, 20);
        for (int d = 0; d < 8; ++d) {
            frame(s + 60'000 + d * 40'000, id, 0x0, d == 7 ? 0x1 : 0x0, Direction::ServerToClient,
                  16384);
        }
        frame(s + 70'000, 0, 0x8, 0, Direction::ClientToServer, 4);
        StreamData sd;
        sd.connId = 0;
        sd.rec.id = id;
        sd.rec.requestStart = s;
        sd.rec.closed = s + 60'000 + 7 * 40'000;
        sd.rec.end = StreamEnd::Complete;
        HeaderBlock req;
        HeaderField m, p;
        m.name = ":method";
        m.value = "GET";
        p.name = ":path";
        p.value = "/object/" + std::to_string(k);
        req.fields = {m, p};
        sd.rec.request = req;
        c.stream(std::move(sd));
    }
    return c.take();
}

double paintMs(QWidget& w, QImage& img) {
    QElapsedTimer t;
    t.start();
    QPainter p(&img);
    w.render(&p);
    p.end();
    return t.nsecsElapsed() / 1e6;
}

}  // namespace

class TestGuiWidgets : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void mainWindowShowsDecoderOutput();
    void clickingAMarkSelectsTheFrameEverywhere();
    void timelineRedrawWith10000Streams();

  private:
    QTemporaryDir m_settingsDir;
};

void TestGuiWidgets::initTestCase() {
    // openFile() records recent files: keep them in a temporary directory, not the user's.
    QVERIFY(m_settingsDir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("h2lens-tests"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void TestGuiWidgets::mainWindowShowsDecoderOutput() {
    qputenv("H2LENS_GUI_NO_DIALOGS", "1");
    const std::string path = sourcePath("samples/small_windows.pcap");
    const auto ref = referenceDecode(path);
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    w.openFile(QString::fromStdString(path));
    QVERIFY(w.loader()->waitForFinished(60000));
    QCOMPARE(static_cast<std::size_t>(w.streamsView()->model()->rowCount()), ref.streams.size());
    QCOMPARE(w.timeline()->connection(), 0);
    // Timeline: TCP + connection lanes + one lane per stream that had frames.
    std::set<std::uint32_t> ids;
    for (const auto& f : ref.frames)
        if (f.streamId) ids.insert(f.streamId);
    QCOMPARE(w.timeline()->data().lanes.size(), ids.size() + 2);
    // Select the 200 KiB stream: chart shows its windows, details its headers.
    const auto big = std::max_element(ref.streams.begin(), ref.streams.end(), [](auto& a, auto& b) {
        return a.rec.responseBodyBytes < b.rec.responseBodyBytes;
    });
    w.selectStream(big->conn, big->rec.id);
    const WindowChartData& d = w.windowChart()->data();
    QCOMPARE(d.series.size(), std::size_t{4});
    QCOMPARE(d.series[3].points.size(), big->rec.window[1].size());
    QVERIFY(!d.stalls.empty());  // this capture stalls on flow control
    QVERIFY(w.details()->headersTree()->topLevelItemCount() >= 2);
    QCOMPARE(w.details()->headersTree()->topLevelItem(0)->child(0)->text(1), QStringLiteral("GET"));
    // Filter box and status bar counts.
    w.filterBox()->setText(QStringLiteral("path:small"));
    QCOMPARE(w.streamsView()->model()->rowCount(), 1);
    // The window renders.
    const QImage shot = w.grab().toImage();
    QCOMPARE(shot.size(), QSize(1600, 1000));
}

void TestGuiWidgets::clickingAMarkSelectsTheFrameEverywhere() {
    qputenv("H2LENS_GUI_NO_DIALOGS", "1");
    const std::string path = sourcePath("samples/h2c_nghttp.pcap");
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    w.openFile(QString::fromStdString(path));
    QVERIFY(w.loader()->waitForFinished(60000));
    TimelineWidget* tl = w.timeline();
    const ConnectionData& c = w.store()->connections()[tl->connection()];
    // The response HEADERS of the 404 stream.
    std::size_t target = c.frames.size();
    std::uint32_t sid = 0;
    for (const StreamData& s : w.store()->streams()) {
        if (s.rec.response && s.rec.response->value(":status") == "404") sid = s.rec.id;
    }
    QVERIFY(sid != 0);
    for (std::size_t i = 0; i < c.frames.size(); ++i) {
        if (c.frames[i].streamId == sid && c.frames[i].type == 0x1 &&
            c.frames[i].dir == Direction::ServerToClient)
            target = i;
    }
    QVERIFY(target < c.frames.size());
    // Zoom onto the frame so it is alone under the cursor, then click it.
    const TimestampNs ts = c.frames[target].ts;
    tl->setTimeRange(ts - 2000, ts + 2000);
    const int lane = tl->data().laneOfStream(sid);
    QVERIFY(lane >= 2);
    const QRect r = tl->laneRect(lane);
    const QPoint at(static_cast<int>(tl->xOf(ts)), r.center().y() + 3);  // lower half: S->C
    QTest::mouseClick(tl, Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(tl->selectedFrame().value_or(0), target);
    // The frames list shows that frame, the streams table that stream.
    const QModelIndex cur = w.details()->framesView()->currentIndex();
    QVERIFY(cur.isValid());
    QCOMPARE(static_cast<std::size_t>(cur.data(kFrameIndexRole).toULongLong()), target);
    QCOMPARE(w.streamsView()->currentIndex().data(kStreamIdRole).toUInt(), sid);
    // Keyboard: Right moves to the next frame of the lane.
    QTest::keyClick(tl, Qt::Key_Right);
    QVERIFY(tl->selectedFrame().has_value());
    QCOMPARE(c.frames[*tl->selectedFrame()].streamId, sid);
}

void TestGuiWidgets::timelineRedrawWith10000Streams() {
    CaptureStore store;
    store.apply(syntheticConnection(10000));
    QCOMPARE(store.streams().size(), std::size_t{10000});
    TimelineWidget tl(&store);
    tl.resize(1200, 800);
    tl.setConnection(0);
    QCOMPARE(tl.data().lanes.size(), std::size_t{10002});
    QImage img(tl.size(), QImage::Format_ARGB32_Premultiplied);
    std::vector<double> times;
    paintMs(tl, img);                   // warm-up (fonts)
    times.push_back(paintMs(tl, img));  // fit: 110,000 frames in view
    const std::size_t fitMarks = tl.lastPaintedMarks();
    // Level of detail: at most one mark per pixel column and direction per visible lane.
    const int visibleLanes = 800 / 20 + 3;
    QVERIFY(fitMarks <= static_cast<std::size_t>(visibleLanes) * 1200 * 2);
    for (int i = 0; i < 12; ++i) {  // zoom in around the middle, then pan
        tl.zoom(0.6, 700);
        times.push_back(paintMs(tl, img));
    }
    for (int i = 0; i < 10; ++i) {
        tl.setTimeRange(tl.viewStart() + (tl.viewEnd() - tl.viewStart()) / 5,
                        tl.viewEnd() + (tl.viewEnd() - tl.viewStart()) / 5);
        times.push_back(paintMs(tl, img));
    }
    tl.fit();
    QTest::keyClick(&tl, Qt::Key_PageDown);
    times.push_back(paintMs(tl, img));
    std::sort(times.begin(), times.end());
    const double median = times[times.size() / 2], worst = times.back();
    qInfo(
        "timeline redraw, 10,000 streams / 110,000 frames: median %.2f ms, worst %.2f ms, %zu "
        "marks at fit",
        median, worst, fitMarks);
    QVERIFY2(median < 16.0, qPrintable(QString::number(median)));
}

QTEST_MAIN(TestGuiWidgets)
#include "test_gui_widgets.moc"
