// The window as a new user first sees it, on real captures from /work/shared (a browser's TLS
// session with its key log, curl over TLS, gRPC, 2000 streams, loss and reordering, server push):
// the timeline opens on the streams, no stream window line is flat where its values vary, no
// number in a table is cut, no two labels overlap, something is selected and shown; plus the
// time-axis gestures (wheel, drag, overview strip, double-click) on a synthetic 194 s connection
// whose late PINGs and GOAWAY used to squash its streams. Skips itself when /work/shared is
// absent.
#include <QElapsedTimer>
#include <QHeaderView>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QWheelEvent>
#include <QtTest>
#include <algorithm>
#include <memory>

#include "app/details_pane.h"
#include "app/main_window.h"
#include "app/table_view.h"
#include "app/timeline_widget.h"
#include "app/window_chart.h"
#include "models/table_models.h"
#include "models/timeline_data.h"
#include "reference_decode.h"
#include "synthetic_connection.h"

using namespace h2lens;
using namespace h2lens::gui;
using h2lens::gui::test::SyntheticConnection;
using h2lens::test::sharedPath;

namespace {

struct SharedCapture {
    const char* name;
    const char* path;
    const char* keylog;  // nullptr: none
};

// One of each kind the issue names; paths under /work/shared.
const SharedCapture kCaptures[] = {
    {"tls-browser (Firefox to facebook, key log)",
     "corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.pcapng",
     "corpus/pcaps/pcap2har/firefox-tls13-facebook-dsb.keys"},
    {"tls-curl (curl to nginx, key log)", "captures/03a_tls13_curl_nginx/capture.pcap",
     "captures/03a_tls13_curl_nginx/keylog.txt"},
    {"grpc", "captures/13_grpc_python/capture.pcap", nullptr},
    {"many-streams (2000)", "captures/05_many_streams_h2load_nghttpd/capture.pcap", nullptr},
    {"loss-reorder", "captures/09_netem_loss_reorder/capture.pcap",
     "captures/09_netem_loss_reorder/keylog.txt"},
    {"push", "captures/06_server_push/capture.pcap", nullptr},
};

void addCaptureRows() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("keylog");
    for (const SharedCapture& c : kCaptures) {
        QTest::newRow(c.name) << QString::fromStdString(sharedPath(c.path))
                              << (c.keylog ? QString::fromStdString(sharedPath(c.keylog))
                                           : QString());
    }
}

std::unique_ptr<MainWindow> openWindow(
    const QString& path, const QString& keylog,
    std::optional<std::pair<std::uint64_t, std::uint32_t>> select = std::nullopt) {
    auto w = std::make_unique<MainWindow>();
    w->resize(1600, 1000);
    w->show();
    if (!keylog.isEmpty()) w->setKeylogPath(keylog);
    if (select) w->setInitialSelection(select->first, select->second);
    w->openFile(path);
    if (!w->loader()->waitForFinished(120000)) return nullptr;
    QCoreApplication::processEvents();
    return w;
}

void render(QWidget* wdg) {
    QImage img(wdg->size(), QImage::Format_ARGB32_Premultiplied);
    QPainter p(&img);
    wdg->render(&p);
}

// Every pair of rectangles is disjoint (touching edges allowed); the first clash otherwise.
QString firstOverlap(const std::vector<QRectF>& rects) {
    for (std::size_t i = 0; i < rects.size(); ++i) {
        for (std::size_t j = i + 1; j < rects.size(); ++j) {
            const QRectF x = rects[i].intersected(rects[j]);
            if (x.width() > 0.01 && x.height() > 0.01) {
                return QStringLiteral("(%1,%2 %3x%4) and (%5,%6 %7x%8)")
                    .arg(rects[i].x())
                    .arg(rects[i].y())
                    .arg(rects[i].width())
                    .arg(rects[i].height())
                    .arg(rects[j].x())
                    .arg(rects[j].y())
                    .arg(rects[j].width())
                    .arg(rects[j].height());
            }
        }
    }
    return {};
}

// A connection the way the issue describes one: 19 streams within its first 2 s, then PINGs at
// 60, 120 and 190 s, a PRIORITY-only stream at 150 s and a GOAWAY at 194 s.
DecodeBatch lateGoawayConnection() {
    SyntheticConnection c;
    const TimestampNs t0 = SyntheticConnection::kStart;
    auto frame = [&c](TimestampNs ts, std::uint32_t stream, std::uint8_t type, std::uint8_t flags,
                      Direction d, std::uint32_t len) { c.frame(ts, stream, type, flags, d, len); };
    frame(t0, 0, 0x4, 0, Direction::ClientToServer, 18);
    frame(t0 + 1'000'000, 0, 0x4, 0, Direction::ServerToClient, 18);
    for (int k = 0; k < 19; ++k) {
        const std::uint32_t id = 2 * k + 1;
        const TimestampNs s = t0 + 20'000'000 + k * 90'000'000;  // 20 ms .. 1.64 s
        frame(s, id, 0x1, 0x5, Direction::ClientToServer, 30);
        frame(s + 40'000'000, id, 0x1, 0x4, Direction::ServerToClient, 20);
        frame(s + 60'000'000, id, 0x0, 0x1, Direction::ServerToClient, 5000);
        StreamData sd;
        sd.connId = 0;
        sd.rec.id = id;
        sd.rec.requestStart = s;
        sd.rec.closed = s + 60'000'000;
        sd.rec.end = StreamEnd::Complete;
        c.stream(std::move(sd));
    }
    for (TimestampNs at : {60, 120, 190}) {
        frame(t0 + at * 1'000'000'000, 0, 0x6, 0, Direction::ClientToServer, 8);
        frame(t0 + at * 1'000'000'000 + 187'000, 0, 0x6, 0x1, Direction::ServerToClient, 8);
    }
    frame(t0 + 194'000'000'000, 0, 0x7, 0, Direction::ServerToClient, 8);
    // A browser-style PRIORITY for a stream that never carries a message, late.
    frame(t0 + 150'000'000'000, 41, 0x2, 0, Direction::ClientToServer, 5);
    return c.take();
}

void sendWheel(QWidget* w, QPointF at, int angle) {
    QWheelEvent ev(at, w->mapToGlobal(at), QPoint(), QPoint(0, angle), Qt::NoButton, Qt::NoModifier,
                   Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(w, &ev);
}

}  // namespace

class TestGuiCaptures : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void rulerLabelsHaveUnitsAndDigitsTheStepNeeds();
    void seriesRangesKeepVaryingValuesReadable();
    void lateGoawayDoesNotSquashTheStreams();
    void wheelDragOverviewAndDoubleClickMoveTheView();
    void initialViewHoldsEveryStream_data() { addCaptureRows(); }
    void initialViewHoldsEveryStream();
    void somethingIsSelectedAndShownOnLoad_data() { addCaptureRows(); }
    void somethingIsSelectedAndShownOnLoad();
    void selectOptionPicksTheStream_data() { addCaptureRows(); }
    void selectOptionPicksTheStream();
    void tablesCutNoNumberAndShowEveryColumn_data() { addCaptureRows(); }
    void tablesCutNoNumberAndShowEveryColumn();
    void noWindowLineFlatWhereItVaries_data() { addCaptureRows(); }
    void noWindowLineFlatWhereItVaries();
    void labelsNeverOverlap_data() { addCaptureRows(); }
    void labelsNeverOverlap();
    void chartHoverGivesExactValueAndFrame();
    void redrawTimesOnRealCaptures();

  private:
    QTemporaryDir m_settingsDir;
};

void TestGuiCaptures::initTestCase() {
    QVERIFY(m_settingsDir.isValid());
    QCoreApplication::setOrganizationName(QStringLiteral("h2lens-tests"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    qputenv("H2LENS_GUI_NO_DIALOGS", "1");
}

void TestGuiCaptures::rulerLabelsHaveUnitsAndDigitsTheStepNeeds() {
    QCOMPARE(rulerLabel(0, 1000, 5000), QStringLiteral("0"));
    QCOMPARE(rulerLabel(250'000, 50'000, 900'000), QStringLiteral("250 µs"));
    QCOMPARE(rulerLabel(12'500'000, 500'000, 20'000'000), QStringLiteral("12.5 ms"));
    QCOMPARE(rulerLabel(2'000'000'000, 1'000'000'000, 10'000'000'000), QStringLiteral("2 s"));
    // Zoomed in far from the start: seconds, with the digits the step needs.
    QCOMPARE(rulerLabel(150'000'050'000, 50'000, 150'000'100'000), QStringLiteral("150.00005 s"));
    QCOMPARE(rulerLabel(1'200'000'000, 200'000'000, 2'000'000'000), QStringLiteral("1.2 s"));
}

void TestGuiCaptures::seriesRangesKeepVaryingValuesReadable() {
    auto series = [](std::vector<std::int64_t> values) {
        WindowSeries s;
        TimestampNs t = 1000;
        for (std::int64_t v : values) s.points.push_back({t += 1000, v});
        return s;
    };
    // Draining to 0: from 0.
    SeriesRange r = seriesRange(series({65535, 32768, 0, 65535}));
    QVERIFY(r.zeroBased);
    QCOMPARE(r.lo, 0.0);
    QCOMPARE(r.hi, 65535.0);
    // Negative after a SETTINGS change: the lowest value is in range.
    r = seriesRange(series({65535, -1000, 20000}));
    QCOMPARE(r.lo, -1000.0);
    // A 1 GiB window draining by 3 MiB: just those values, so the drain spans the row.
    r = seriesRange(series({1 << 30, (1 << 30) - 3 * 1024 * 1024}));
    QVERIFY(!r.zeroBased);
    QCOMPARE(r.hi - r.lo, 3.0 * 1024 * 1024);
    // Constant: zero in view, the value mid-row.
    r = seriesRange(series({2147483647, 2147483647}));
    QCOMPARE(r.lo, 0.0);
    QVERIFY(r.hi >= 2147483647.0 * 1.5);
    // Only what is in force during the view counts (the value held at its start included).
    const WindowSeries s = series({0, 1 << 30, (1 << 30) - 100});  // at 2000, 3000, 4000 ns
    r = seriesRange(s, 3500, 5000);
    QVERIFY(!r.zeroBased);
    QCOMPARE(r.lo, double((1 << 30) - 100));
}

void TestGuiCaptures::lateGoawayDoesNotSquashTheStreams() {
    CaptureStore store;
    store.apply(lateGoawayConnection());
    TimelineWidget tl(&store);
    tl.resize(1200, 600);
    tl.setConnection(0);
    const TimelineData& d = tl.data();
    QVERIFY(d.end - d.begin >= 194'000'000'000);
    // Opens on the streams: every one in view, and they fill most of the plot, not a few pixels.
    TimestampNs first = INT64_MAX, last = INT64_MIN;
    for (const TimelineLane& l : d.lanes) {
        if (l.kind != LaneKind::Stream || !l.messages) continue;
        QVERIFY(l.open >= tl.viewStart() && l.close <= tl.viewEnd());
        first = std::min(first, l.open);
        last = std::max(last, l.close);
    }
    const double plot = plotRightOf(&tl) - kLabelWidth;
    QVERIFY2(tl.xOf(last) - tl.xOf(first) > 0.8 * plot,
             qPrintable(QString::number(tl.xOf(last) - tl.xOf(first))));
    QVERIFY(tl.viewEnd() - tl.viewStart() < 3'000'000'000);
    // The overview strip frames a sliver of the whole 194 s.
    QVERIFY(tl.overviewViewRect().width() < 0.05 * plot);
    // 0 shows the whole connection, F the streams again.
    QTest::keyClick(&tl, Qt::Key_0);
    QVERIFY(tl.viewStart() <= d.begin && tl.viewEnd() >= d.end);
    QTest::keyClick(&tl, Qt::Key_F);
    QVERIFY(tl.viewEnd() - tl.viewStart() < 3'000'000'000);
    // Labels: the late GOAWAY and RTTs, at the whole-connection view, do not overlap.
    tl.fit();
    render(&tl);
    QVERIFY2(firstOverlap(tl.lastLabelRects()).isEmpty(),
             qPrintable(firstOverlap(tl.lastLabelRects())));
}

void TestGuiCaptures::wheelDragOverviewAndDoubleClickMoveTheView() {
    CaptureStore store;
    store.apply(lateGoawayConnection());
    TimelineWidget tl(&store);
    tl.resize(1200, 600);
    tl.show();
    tl.setConnection(0);
    const double plot = plotRightOf(&tl) - kLabelWidth;
    // Wheel: zooms in around the pointer (the time under it stays under it).
    const double x = kLabelWidth + plot * 0.3;
    const TimestampNs span0 = tl.viewEnd() - tl.viewStart();
    const TimestampNs under =
        tl.viewStart() + static_cast<TimestampNs>((x - kLabelWidth) / plot * span0);
    sendWheel(&tl, QPointF(x, 300), 120);
    QVERIFY(tl.viewEnd() - tl.viewStart() < span0 * 0.9);
    QVERIFY2(std::abs(tl.xOf(under) - x) < 1.5, qPrintable(QString::number(tl.xOf(under) - x)));
    // Left drag pans: what was at x0 is at x0 + dx after the drag.
    const TimestampNs before = tl.viewStart();
    const double at = tl.xOf(before + (tl.viewEnd() - tl.viewStart()) / 2);
    const TimestampNs tAt = before + (tl.viewEnd() - tl.viewStart()) / 2;
    const QPoint p0(static_cast<int>(at), 300);
    QTest::mousePress(&tl, Qt::LeftButton, Qt::NoModifier, p0);
    QTest::mouseMove(&tl, p0 + QPoint(40, 0));
    QTest::mouseMove(&tl, p0 + QPoint(100, 0));
    QTest::mouseRelease(&tl, Qt::LeftButton, Qt::NoModifier, p0 + QPoint(100, 0));
    QVERIFY2(std::abs(tl.xOf(tAt) - (at + 100)) < 1.5,
             qPrintable(QString::number(tl.xOf(tAt) - at)));
    // The overview strip: a click centres the view there.
    const int ox = kLabelWidth + static_cast<int>(plot * 0.6);
    QTest::mouseClick(&tl, Qt::LeftButton, Qt::NoModifier, QPoint(ox, 5));
    QVERIFY2(std::abs(tl.overviewViewRect().center().x() - ox) < 2.5,
             qPrintable(QString::number(tl.overviewViewRect().center().x())));
    // Grabbing the frame off its centre and dragging moves it by as much as the pointer.
    const QRectF grabbed = tl.overviewViewRect();
    const QPoint grab(static_cast<int>(grabbed.center().x()) + 1, 5);
    QTest::mousePress(&tl, Qt::LeftButton, Qt::NoModifier, grab);
    QVERIFY(std::abs(tl.overviewViewRect().center().x() - grabbed.center().x()) < 1.5);
    QTest::mouseMove(&tl, grab - QPoint(120, 0));
    QTest::mouseRelease(&tl, Qt::LeftButton, Qt::NoModifier, grab - QPoint(120, 0));
    QVERIFY2(std::abs(tl.overviewViewRect().center().x() - (grabbed.center().x() - 120)) < 2.5,
             qPrintable(QString::number(tl.overviewViewRect().center().x())));
    // Double-click a lane: that stream fills the view.
    const int lane = tl.data().laneOfStream(7);
    QVERIFY(lane >= 2);
    tl.fitStreams();
    const TimelineLane& l = tl.data().lanes[lane];
    QTest::mouseDClick(&tl, Qt::LeftButton, Qt::NoModifier,
                       QPoint(kLabelWidth + 5, tl.laneRect(lane).center().y()));
    QVERIFY(tl.viewStart() <= l.open && tl.viewEnd() >= l.close);
    QVERIFY(tl.viewEnd() - tl.viewStart() < (l.close - l.open) * 1.3);
}

void TestGuiCaptures::initialViewHoldsEveryStream() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, keylog);
    QVERIFY(w);
    TimelineWidget* tl = w->timeline();
    const auto& conns = w->store()->connections();
    int withStreams = 0;
    for (int ci = 0; ci < static_cast<int>(conns.size()); ++ci) {
        tl->setConnection(ci);
        const TimelineData& d = tl->data();
        const auto [b, e] = streamActivitySpan(d);
        bool any = false;
        for (const TimelineLane& l : d.lanes) {
            if (l.kind != LaneKind::Stream || !l.messages) continue;  // PRIORITY-only: may lie out
            any = true;
            QVERIFY2(l.open >= tl->viewStart() && l.close <= tl->viewEnd(),
                     qPrintable(QStringLiteral("conn %1 stream %2").arg(ci).arg(l.streamId)));
        }
        if (!any) continue;
        ++withStreams;
        // Not wider than the streams need (margins: a tenth), whatever the connection lasted.
        const TimestampNs streamSpan = std::max<TimestampNs>(e - b, 1000);
        QVERIFY2(tl->viewEnd() - tl->viewStart() <= streamSpan * 11 / 10 + 1,
                 qPrintable(QStringLiteral("conn %1: view %2 ns, streams %3 ns")
                                .arg(ci)
                                .arg(tl->viewEnd() - tl->viewStart())
                                .arg(streamSpan)));
    }
    QVERIFY(withStreams > 0);
}

void TestGuiCaptures::somethingIsSelectedAndShownOnLoad() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, keylog);
    QVERIFY(w);
    const int ci = w->selectedConnection();
    QVERIFY(ci >= 0);
    QVERIFY(w->selectedStream().has_value());
    QCOMPARE(*w->selectedStream(), interestingStream(*w->store(), ci));
    // The details show it (not an empty pane), the table and the timeline point at it.
    QVERIFY(w->details()->headersTree()->topLevelItemCount() >= 1);
    QCOMPARE(w->streamsView()->currentIndex().data(kStreamIdRole).toUInt(), *w->selectedStream());
    QCOMPARE(w->timeline()->selectedLane(),
             w->timeline()->data().laneOfStream(*w->selectedStream()));
    // The chosen one went wrong, or no stream of the connection went wrong and none took longer.
    const StreamData* s =
        w->store()->stream(w->store()->connections()[ci].info.id, *w->selectedStream());
    QVERIFY(s);
    auto wrong = [](const StreamRecord& r) {
        const std::string_view st = r.response ? r.response->value(":status") : "";
        std::string_view grpc = r.response ? r.response->value("grpc-status") : "";
        if (grpc.empty() && r.responseTrailers) grpc = r.responseTrailers->value("grpc-status");
        return r.end != StreamEnd::Complete || (!st.empty() && (st[0] == '4' || st[0] == '5')) ||
               (!grpc.empty() && grpc != "0");
    };
    if (!wrong(s->rec)) {
        for (std::size_t i : w->store()->connections()[ci].streams)
            QVERIFY(!wrong(w->store()->streams()[i].rec));
    }
    if (!wrong(s->rec) && s->rec.closed && s->rec.requestStart) {
        const TimestampNs took = *s->rec.closed - *s->rec.requestStart;
        for (std::size_t i : w->store()->connections()[ci].streams) {
            const StreamRecord& r = w->store()->streams()[i].rec;
            if (r.closed && r.requestStart) QVERIFY(*r.closed - *r.requestStart <= took);
        }
    }
}

void TestGuiCaptures::selectOptionPicksTheStream() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    // What --select names: the first finished stream of the last connection with one.
    std::optional<std::pair<std::uint64_t, std::uint32_t>> want;
    {
        auto probe = openWindow(path, keylog);
        QVERIFY(probe);
        for (const ConnectionData& c : probe->store()->connections()) {
            if (!c.streams.empty())
                want = {c.info.id, probe->store()->streams()[c.streams.front()].rec.id};
        }
    }
    QVERIFY(want);
    auto w = openWindow(path, keylog, want);
    QVERIFY(w);
    QCOMPARE(w->selectedConnection(), w->store()->connectionIndex(want->first));
    QCOMPARE(w->selectedStream().value_or(0), want->second);
    QCOMPARE(w->streamsView()->currentIndex().data(kStreamIdRole).toUInt(), want->second);
    // A second load of the same window does not reapply it.
    w->openFile(path);
    QVERIFY(w->loader()->waitForFinished(120000));
    QCOMPARE(*w->selectedStream(), interestingStream(*w->store(), w->selectedConnection()));
}

void TestGuiCaptures::tablesCutNoNumberAndShowEveryColumn() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, keylog);
    QVERIFY(w);
    struct Table {
        QTableView* view;
        std::vector<int> numeric;
    };
    const Table tables[] = {
        {w->streamsView(),
         {StreamsModel::Conn, StreamsModel::Stream, StreamsModel::Status,
          StreamsModel::RequestBytes, StreamsModel::ResponseBytes, StreamsModel::Start,
          StreamsModel::Duration}},
        {w->connectionsView(),
         {ConnectionsModel::Id, ConnectionsModel::Streams, ConnectionsModel::Bytes,
          ConnectionsModel::Anomalies}},
        {w->details()->framesView(),
         {FramesModel::Index, FramesModel::Time, FramesModel::Length, FramesModel::Stream}},
    };
    w->details()->setCurrentWidget(w->details()->framesView());  // the frames tab, as clicked
    QCoreApplication::processEvents();
    for (const Table& t : tables) {
        QTableView* v = t.view;
        QCOMPARE(v->textElideMode(), Qt::ElideRight);
        const QFontMetrics fm = v->fontMetrics();
        const int margin = cellTextMargin(v);
        QAbstractItemModel* m = v->model();
        QVERIFY(m->rowCount() > 0);
        for (int c = 0; c < m->columnCount(); ++c) {
            if (v->isColumnHidden(c)) continue;
            const bool num = std::find(t.numeric.begin(), t.numeric.end(), c) != t.numeric.end();
            for (int r = 0; r < m->rowCount(); ++r) {
                const QModelIndex idx = m->index(r, c);
                const QString text = idx.data(Qt::DisplayRole).toString();
                if (num) {
                    QVERIFY2(
                        fm.elidedText(text, Qt::ElideRight, v->columnWidth(c) - margin) == text,
                        qPrintable(QStringLiteral("column %1 row %2: '%3' in %4 px")
                                       .arg(c)
                                       .arg(r)
                                       .arg(text)
                                       .arg(v->columnWidth(c))));
                } else if (!text.isEmpty() &&
                           fm.horizontalAdvance(text) > v->columnWidth(c) - margin) {
                    // Cut text carries its full value in the tooltip.
                    QVERIFY2(idx.data(Qt::ToolTipRole).toString().contains(text),
                             qPrintable(QStringLiteral("column %1: '%2'").arg(c).arg(text)));
                }
            }
        }
        // Every column, the last (End) included, is inside the viewport: no sideways scrolling.
        QVERIFY2(v->horizontalHeader()->length() <= v->viewport()->width(),
                 qPrintable(QStringLiteral("%1 > %2")
                                .arg(v->horizontalHeader()->length())
                                .arg(v->viewport()->width())));
    }
    // The connections pane shows every connection (there are at most 10 here).
    QVERIFY(w->connectionsView()->model()->rowCount() <= 10);
    QCOMPARE(w->connectionsView()->verticalScrollBar()->maximum(), 0);
}

void TestGuiCaptures::noWindowLineFlatWhereItVaries() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, keylog);
    QVERIFY(w);
    WindowChart* chart = w->windowChart();
    int checked = 0;
    for (const ConnectionData& c : w->store()->connections()) {
        // Up to 12 streams a connection (the 2000-stream capture would take a while).
        for (std::size_t k = 0; k < std::min<std::size_t>(c.streams.size(), 12); ++k) {
            const StreamData& s = w->store()->streams()[c.streams[k]];
            w->selectStream(c.info.id, s.rec.id);
            for (const bool whole : {false, true}) {
                if (whole) w->timeline()->fit();  // the chart follows the timeline
                render(chart);
                const auto& painted = chart->lastPaintedSeries();
                const WindowChartData& d = chart->data();
                QCOMPARE(painted.size(), d.series.size());
                for (std::size_t i = 0; i < d.series.size(); ++i) {
                    const WindowSeries& ws = d.series[i];
                    const SeriesRange r =
                        seriesRange(ws, w->timeline()->viewStart(), w->timeline()->viewEnd());
                    if (ws.points.empty() || r.hi <= r.lo || !ws.points.size()) continue;
                    // The values in force during the view.
                    double lo = 0, hi = 0;
                    bool first = true;
                    for (std::size_t k = 0; k < ws.points.size(); ++k) {
                        const WindowPoint& p = ws.points[k];
                        if (p.ts > w->timeline()->viewEnd()) break;
                        if (k + 1 < ws.points.size() &&
                            ws.points[k + 1].ts <= w->timeline()->viewStart())
                            continue;  // replaced before the view starts
                        const auto v = static_cast<double>(p.value);
                        lo = first ? v : std::min(lo, v);
                        hi = first ? v : std::max(hi, v);
                        first = false;
                    }
                    if (first || hi <= lo) continue;
                    ++checked;
                    const double extent = painted[i].bottom - painted[i].top;
                    QVERIFY2(extent >= 0.5 * (painted[i].rowHeight - 5),
                             qPrintable(QStringLiteral("%1 of stream %2: %3 px in a %4 px row")
                                            .arg(QString::fromStdString(ws.label))
                                            .arg(s.rec.id)
                                            .arg(extent)
                                            .arg(painted[i].rowHeight)));
                }
                QVERIFY2(firstOverlap(chart->lastLabelRects()).isEmpty(),
                         qPrintable(firstOverlap(chart->lastLabelRects())));
                for (const QRectF& r : chart->lastLabelRects())
                    QVERIFY(QRectF(chart->rect()).contains(r));
            }
            w->timeline()->fitStreams();
        }
    }
    QVERIFY(checked > 0);
}

void TestGuiCaptures::labelsNeverOverlap() {
    QFETCH(QString, path);
    QFETCH(QString, keylog);
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, keylog);
    QVERIFY(w);
    TimelineWidget* tl = w->timeline();
    std::size_t labels = 0;
    for (int ci = 0; ci < static_cast<int>(w->store()->connections().size()); ++ci) {
        tl->setConnection(ci);
        for (int view = 0; view < 5; ++view) {
            if (view == 1) tl->fit();
            if (view >= 2) {  // zoom in around the first stream's start, 4x each time
                const auto [b, e] = streamActivitySpan(tl->data());
                tl->zoomAt(0.25, b + (e - b) / 10);
            }
            render(tl);
            const auto& rects = tl->lastLabelRects();
            labels += rects.size();
            QVERIFY2(firstOverlap(rects).isEmpty(), qPrintable(QStringLiteral("conn %1 view %2: %3")
                                                                   .arg(ci)
                                                                   .arg(view)
                                                                   .arg(firstOverlap(rects))));
            for (const QRectF& r : rects) QVERIFY(QRectF(tl->rect()).contains(r));
        }
    }
    QVERIFY(labels > 0);
}

void TestGuiCaptures::chartHoverGivesExactValueAndFrame() {
    const QString path =
        QString::fromStdString(sharedPath("captures/01_h2c_prior_knowledge/capture.pcap"));
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, {});
    QVERIFY(w);
    // The stream whose server send window changed most often (small windows: 1 MiB bodies).
    const ConnectionData* conn = nullptr;
    const StreamData* best = nullptr;
    for (const StreamData& s : w->store()->streams()) {
        if (!best || s.rec.window[1].size() > best->rec.window[1].size()) best = &s;
    }
    QVERIFY(best && best->rec.window[1].size() > 3);
    conn = w->store()->connection(best->connId);
    QVERIFY(conn);
    w->selectStream(best->connId, best->rec.id);
    WindowChart* chart = w->windowChart();
    const WindowPoint& pt = best->rec.window[1][best->rec.window[1].size() / 2];
    // Zoom so the point has its pixel column to itself, and hover just after it.
    w->timeline()->setTimeRange(pt.ts - 20'000, pt.ts + 20'000);
    const double plot = plotRightOf(chart) - kLabelWidth;
    const double x = kLabelWidth + 0.5 * plot + 2;
    const QString tip = chart->tooltipAt(x);
    QVERIFY2(tip.contains(QStringLiteral("<b>%1</b> bytes").arg(pt.value)), qPrintable(tip));
    QVERIFY2(
        tip.contains(QStringLiteral(" by DATA S→C on stream %1").arg(best->rec.id)) ||
            tip.contains(QStringLiteral(" by WINDOW_UPDATE C→S on stream %1").arg(best->rec.id)) ||
            tip.contains(QStringLiteral(" by SETTINGS C→S")),
        qPrintable(tip));
    // Over the legend: the row's series and its whole scale, in bytes.
    const QString legend = chart->legendTooltipAt(chart->height() - 20);  // the last row
    QVERIFY2(legend.contains(QStringLiteral("stream %1 S→C").arg(best->rec.id)),
             qPrintable(legend));
    QVERIFY2(legend.contains(QStringLiteral("row scale ")), qPrintable(legend));
}

void TestGuiCaptures::redrawTimesOnRealCaptures() {
    const QString path =
        QString::fromStdString(sharedPath("captures/05_many_streams_h2load_nghttpd/capture.pcap"));
    if (path.isEmpty()) QSKIP("/work/shared captures not present");
    auto w = openWindow(path, {});
    QVERIFY(w);
    std::vector<double> tl, chart;
    for (int i = 0; i < 15; ++i) {
        w->timeline()->zoomAt(i < 8 ? 0.7 : 1 / 0.7,
                              w->timeline()->viewStart() +
                                  (w->timeline()->viewEnd() - w->timeline()->viewStart()) / 3);
        QElapsedTimer t;
        t.start();
        render(w->timeline());
        tl.push_back(t.nsecsElapsed() / 1e6);
        t.restart();
        render(w->windowChart());
        chart.push_back(t.nsecsElapsed() / 1e6);
    }
    // Switching connections refits the tables' columns (1000 rows each here).
    std::vector<double> sw;
    for (int i = 0; i < 6; ++i) {
        QElapsedTimer t;
        t.start();
        w->selectConnection(i % 2 == 0 ? 1 : 0);
        QCoreApplication::processEvents();
        sw.push_back(t.nsecsElapsed() / 1e6);
    }
    std::sort(sw.begin(), sw.end());
    qInfo("05_many_streams: switching connections (1000 streams, columns refitted) median %.1f ms",
          sw[sw.size() / 2]);
    std::sort(tl.begin(), tl.end());
    std::sort(chart.begin(), chart.end());
    qInfo(
        "05_many_streams, 1000 lanes: timeline redraw median %.2f ms (worst %.2f), window chart "
        "median %.2f ms (worst %.2f)",
        tl[tl.size() / 2], tl.back(), chart[chart.size() / 2], chart.back());
    QVERIFY(tl[tl.size() / 2] < 30);
}

QTEST_MAIN(TestGuiCaptures)
#include "test_gui_captures.moc"
