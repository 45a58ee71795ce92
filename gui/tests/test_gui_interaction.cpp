// The main window as a user drives it, under the offscreen platform, on real samples: recent
// files (persisted in a QSettings of a test-only organisation in a temporary directory, so no
// user settings are touched), drag and drop, dark and light palettes, keyboard navigation and
// copy as text / cURL, each checked against the decoder's own output (reference_decode.h).
#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDropEvent>
#include <QFile>
#include <QMenu>
#include <QMimeData>
#include <QSettings>
#include <QTableView>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>
#include <algorithm>

#include "app/details_pane.h"
#include "app/main_window.h"
#include "app/timeline_widget.h"
#include "app/window_chart.h"
#include "reference_decode.h"

using namespace h2lens;
using namespace h2lens::gui;
using h2lens::test::referenceDecode;
using h2lens::test::sourcePath;

namespace {

QString sample(const char* name) {
    return QString::fromStdString(sourcePath(std::string("samples/") + name));
}

QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

// POSIX shell single quoting.
QString shellQuote(QString v) {
    return "'" + v.replace("'", "'\\''") + "'";
}

// Mean lightness (0..255) of an image: a dark palette gives a dark picture.
double meanLightness(const QImage& img) {
    double sum = 0;
    std::size_t n = 0;
    for (int y = 0; y < img.height(); y += 2) {
        for (int x = 0; x < img.width(); x += 2) {
            sum += QColor(img.pixel(x, y)).lightness();
            ++n;
        }
    }
    return n ? sum / n : 0;
}

QPalette darkPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0x2b, 0x2b, 0x2b));
    p.setColor(QPalette::WindowText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Base, QColor(0x1e, 0x1e, 0x1e));
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x26));
    p.setColor(QPalette::Text, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Button, QColor(0x35, 0x35, 0x35));
    p.setColor(QPalette::ButtonText, QColor(0xe0, 0xe0, 0xe0));
    p.setColor(QPalette::Highlight, QColor(0x2a, 0x82, 0xda));
    return p;
}

QPalette lightPalette() {
    QPalette p;
    p.setColor(QPalette::Window, QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::WindowText, Qt::black);
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(0xf7, 0xf7, 0xf7));
    p.setColor(QPalette::Text, Qt::black);
    p.setColor(QPalette::Button, QColor(0xef, 0xef, 0xef));
    p.setColor(QPalette::ButtonText, Qt::black);
    p.setColor(QPalette::Highlight, QColor(0x30, 0x8c, 0xc6));
    return p;
}

const test::RefStream* refStream(const test::Reference& ref, std::uint64_t conn, std::uint32_t id) {
    for (const auto& s : ref.streams) {
        if (s.conn == conn && s.rec.id == id) return &s;
    }
    return nullptr;
}

void openAndWait(MainWindow& w, const QString& path) {
    w.openFile(path);
    QVERIFY(w.loader()->waitForFinished(60000));
    QVERIFY(w.loader()->lastResult().error.empty());
}

}  // namespace

class TestGuiInteraction : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void recentFilesOrderDedupAndPersistence();
    void recentFilesAreCappedAndMissingFilesHandled();
    void droppingAFileLoadsIt();
    void paletteDrivesTimelineAndChartColours();
    void arrowKeysMoveTheStreamSelection();
    void copyStreamAsTextAndCurl();
    void copyCurlOfAnUpgradeRequest();

  private:
    QTemporaryDir m_settingsDir;
    QPalette m_originalPalette;
};

void TestGuiInteraction::initTestCase() {
    qputenv("H2LENS_GUI_NO_DIALOGS", "1");
    QVERIFY(m_settingsDir.isValid());
    // Every QSettings() below lands in the temporary directory under a test-only name.
    QCoreApplication::setOrganizationName(QStringLiteral("h2lens-tests"));
    QCoreApplication::setApplicationName(QStringLiteral("test_gui_interaction"));
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings().clear();
    QVERIFY(QSettings().fileName().startsWith(m_settingsDir.path()));
    m_originalPalette = QApplication::palette();
}

void TestGuiInteraction::cleanup() {
    QSettings().clear();
    QApplication::setPalette(m_originalPalette);
}

void TestGuiInteraction::recentFilesOrderDedupAndPersistence() {
    const QString a = sample("h2c_nano.pcap"), b = sample("h2c_curl_post.pcap");
    {
        MainWindow w;
        QVERIFY(w.recentFiles().isEmpty());
        QVERIFY(!w.recentMenu()->isEnabled());
        openAndWait(w, a);
        openAndWait(w, b);
        openAndWait(w, a);  // again: moves to the front, no second entry
        const QStringList expect = {QFileInfo(a).absoluteFilePath(),
                                    QFileInfo(b).absoluteFilePath()};
        QCOMPARE(w.recentFiles(), expect);
        QStringList menu;
        for (QAction* act : w.recentMenu()->actions()) menu << act->text();
        QCOMPARE(menu, expect);
    }
    // A new window (a new session) reads the same list back from QSettings.
    MainWindow w2;
    QCOMPARE(w2.recentFiles().size(), 2);
    QCOMPARE(w2.recentMenu()->actions().size(), 2);
    QVERIFY(w2.recentMenu()->isEnabled());
    // Choosing the second entry opens that capture and makes it the most recent.
    QAction* second = w2.recentMenu()->actions().at(1);
    QCOMPARE(second->text(), QFileInfo(b).absoluteFilePath());
    second->trigger();
    QVERIFY(w2.loader()->waitForFinished(60000));
    QCOMPARE(w2.loader()->path(), QFileInfo(b).absoluteFilePath());
    QCOMPARE(static_cast<std::size_t>(w2.store()->streams().size()),
             referenceDecode(b.toStdString()).streams.size());
    QCOMPARE(w2.recentFiles().first(), QFileInfo(b).absoluteFilePath());
}

void TestGuiInteraction::recentFilesAreCappedAndMissingFilesHandled() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList copies;
    for (int i = 0; i < MainWindow::kMaxRecentFiles + 2; ++i) {
        const QString p = dir.filePath(QStringLiteral("copy%1.pcap").arg(i));
        QVERIFY(QFile::copy(sample("h2c_nano.pcap"), p));
        copies << p;
    }
    MainWindow w;
    for (const QString& p : copies) openAndWait(w, p);
    QStringList newestFirst = copies;
    std::reverse(newestFirst.begin(), newestFirst.end());
    newestFirst = newestFirst.mid(0, MainWindow::kMaxRecentFiles);
    QCOMPARE(w.recentFiles(), newestFirst);

    // The newest file disappears: still listed (its disk may come back) but disabled.
    const QString gone = copies.last();
    const std::size_t streamsBefore = w.store()->streams().size();
    QVERIFY(QFile::remove(gone));
    MainWindow w2;
    QCOMPARE(w2.recentMenu()->actions().first()->text(), gone);
    QVERIFY(!w2.recentMenu()->actions().first()->isEnabled());
    QVERIFY(w2.recentMenu()->actions().at(1)->isEnabled());
    // Opening it anyway (say from the command line) drops it from the list and keeps what is
    // loaded.
    w.openFile(gone);
    QVERIFY(!w.loader()->isRunning());
    QCOMPARE(w.store()->streams().size(), streamsBefore);
    QVERIFY(!w.recentFiles().contains(gone));
    QCOMPARE(w.recentFiles().size(), MainWindow::kMaxRecentFiles - 1);
    QCOMPARE(w.recentMenu()->actions().size(), MainWindow::kMaxRecentFiles - 1);
}

void TestGuiInteraction::droppingAFileLoadsIt() {
    const QString path = sample("small_windows.pcap");
    const auto ref = referenceDecode(path.toStdString());
    MainWindow w;
    w.resize(1200, 800);
    w.show();

    // Something that is not a local file is refused at the door.
    QMimeData web;
    web.setUrls({QUrl(QStringLiteral("https://example.com/capture.pcap"))});
    QDragEnterEvent refused(QPoint(400, 300), Qt::CopyAction, &web, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &refused);
    QVERIFY(!refused.isAccepted());

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(400, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(400, 300), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(drop.isAccepted());
    QVERIFY(w.loader()->waitForFinished(60000));
    QCOMPARE(w.loader()->path(), path);
    QCOMPARE(w.store()->streams().size(), ref.streams.size());
    QCOMPARE(w.store()->connections().size(), ref.connections.size());
    QCOMPARE(static_cast<std::size_t>(w.store()->frameCount()), ref.frames.size());
    QCOMPARE(w.recentFiles().value(0), QFileInfo(path).absoluteFilePath());
}

void TestGuiInteraction::paletteDrivesTimelineAndChartColours() {
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    openAndWait(w, sample("small_windows.pcap"));
    const auto big = std::max_element(
        w.store()->streams().begin(), w.store()->streams().end(),
        [](auto& a, auto& b) { return a.rec.responseBodyBytes < b.rec.responseBodyBytes; });
    w.selectStream(big->connId, big->rec.id);
    QVERIFY(!w.windowChart()->data().series.empty());

    // The palette changes while the window is up, as when the desktop switches theme.
    QApplication::setPalette(darkPalette());
    QCoreApplication::processEvents();
    const QImage darkTl = w.timeline()->grab().toImage();
    const QImage darkChart = w.windowChart()->grab().toImage();
    QVERIFY2(meanLightness(darkTl) < 80, qPrintable(QString::number(meanLightness(darkTl))));
    QVERIFY2(meanLightness(darkChart) < 80, qPrintable(QString::number(meanLightness(darkChart))));
    // The bottom-right corner of the lanes is the palette's base colour (or its lane stripe).
    const QColor darkCorner = darkTl.pixelColor(darkTl.width() - 3, darkTl.height() - 3);
    QVERIFY(darkCorner.lightness() < 60);

    QApplication::setPalette(lightPalette());
    QCoreApplication::processEvents();
    const QImage lightTl = w.timeline()->grab().toImage();
    const QImage lightChart = w.windowChart()->grab().toImage();
    QVERIFY2(meanLightness(lightTl) > 180, qPrintable(QString::number(meanLightness(lightTl))));
    QVERIFY2(meanLightness(lightChart) > 180,
             qPrintable(QString::number(meanLightness(lightChart))));
    QVERIFY(lightTl.pixelColor(lightTl.width() - 3, lightTl.height() - 3).lightness() > 200);
    // Marks are drawn in both: the pictures are not a plain fill.
    QVERIFY(darkTl != lightTl);
    auto distinctColours = [](const QImage& img) {
        QSet<QRgb> seen;
        for (int y = 0; y < img.height(); y += 3)
            for (int x = 0; x < img.width(); x += 3) seen.insert(img.pixel(x, y));
        return seen.size();
    };
    QVERIFY(distinctColours(darkTl) > 8);
    QVERIFY(distinctColours(lightTl) > 8);
}

void TestGuiInteraction::arrowKeysMoveTheStreamSelection() {
    const QString path = sample("h2c_nghttp.pcap");
    const auto ref = referenceDecode(path.toStdString());
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    openAndWait(w, path);
    QTableView* view = w.streamsView();
    QVERIFY(view->model()->rowCount() >= 3);
    view->setFocus();
    // Selected from elsewhere (a timeline click): the keys go on from there.
    const QModelIndex first = view->model()->index(0, 0);
    w.selectStream(first.data(kConnIdRole).toULongLong(), first.data(kStreamIdRole).toUInt());
    QCOMPARE(view->currentIndex().row(), 0);

    // Each Down moves to the next row; the details and the timeline follow.
    for (int row = 1; row < 3; ++row) {
        QTest::keyClick(view, Qt::Key_Down);
        QCOMPARE(view->currentIndex().row(), row);
        const auto conn = view->currentIndex().data(kConnIdRole).toULongLong();
        const auto id = view->currentIndex().data(kStreamIdRole).toUInt();
        const auto* rs = refStream(ref, conn, id);
        QVERIFY(rs);
        QTreeWidget* tree = w.details()->headersTree();
        QVERIFY(tree->topLevelItemCount() >= 2);
        QTreeWidgetItem* req = tree->topLevelItem(0);
        QCOMPARE(req->childCount(), static_cast<int>(rs->rec.request->fields.size()));
        for (int i = 0; i < req->childCount(); ++i) {
            QCOMPARE(req->child(i)->text(0), qs(rs->rec.request->fields[i].name));
            QCOMPARE(req->child(i)->text(1), qs(rs->rec.request->fields[i].value));
        }
        QCOMPARE(tree->topLevelItem(tree->topLevelItemCount() - 1)->text(0),
                 QStringLiteral("Stream %1").arg(id));
        const int lane = w.timeline()->selectedLane();
        QCOMPARE(lane, w.timeline()->data().laneOfStream(id));
    }
    QTest::keyClick(view, Qt::Key_Up);
    QCOMPARE(view->currentIndex().row(), 1);
    const auto upId = view->currentIndex().data(kStreamIdRole).toUInt();
    QCOMPARE(w.timeline()->selectedLane(), w.timeline()->data().laneOfStream(upId));

    // In the timeline, Down moves to the next lane and selects that stream in the table.
    TimelineWidget* tl = w.timeline();
    tl->setFocus();
    const int from = tl->selectedLane();
    QTest::keyClick(tl, Qt::Key_Down);
    QCOMPARE(tl->selectedLane(), from + 1);
    const std::uint32_t laneStream = tl->data().lanes[from + 1].streamId;
    QCOMPARE(view->currentIndex().data(kStreamIdRole).toUInt(), laneStream);
    const QTreeWidget* tree = w.details()->headersTree();
    QCOMPARE(tree->topLevelItem(tree->topLevelItemCount() - 1)->text(0),
             QStringLiteral("Stream %1").arg(laneStream));
}

void TestGuiInteraction::copyStreamAsTextAndCurl() {
    const QString path = sample("h2c_curl_post.pcap");
    const auto ref = referenceDecode(path.toStdString());
    const test::RefStream* post = nullptr;
    for (const auto& s : ref.streams) {
        if (s.rec.request && s.rec.request->value(":method") == "POST") post = &s;
    }
    QVERIFY(post);
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    openAndWait(w, path);
    w.selectStream(post->conn, post->rec.id);
    auto* copyCurl = w.findChild<QAction*>(QStringLiteral("copyCurl"));
    auto* copyText = w.findChild<QAction*>(QStringLiteral("copyStreamText"));
    QVERIFY(copyCurl && copyText);

    // cURL: the request as the decoder saw it (pseudo-headers become the method and URL).
    const HeaderBlock& req = *post->rec.request;
    QString curl = QStringLiteral("curl --http2-prior-knowledge -X 'POST'");
    for (const HeaderField& h : req.fields) {
        if (h.name[0] == ':') continue;
        curl += " \\\n  -H " + shellQuote(qs(h.name) + ": " + qs(h.value));
    }
    const std::string& body = ref.bodies[0].at({post->conn, post->rec.id});
    QCOMPARE(static_cast<std::uint64_t>(body.size()), post->rec.requestBodyBytes);
    curl += " \\\n  --data-binary " + shellQuote(QString::fromStdString(body));
    curl +=
        " \\\n  " + shellQuote("http://" + qs(req.value(":authority")) + qs(req.value(":path")));
    QApplication::clipboard()->clear();
    copyCurl->trigger();
    QCOMPARE(QApplication::clipboard()->text(), curl);

    // Text: every header block of the stream and the body sizes.
    QString text =
        QStringLiteral("# stream %1 of connection %2\n").arg(post->rec.id).arg(post->conn);
    auto block = [&](const char* title, const HeaderBlock& b) {
        text += QString::fromLatin1(title) + "\n";
        for (const HeaderField& h : b.fields) text += qs(h.name) + ": " + qs(h.value) + "\n";
    };
    block("## request", req);
    text += QStringLiteral("(%1 body bytes)\n").arg(post->rec.requestBodyBytes);
    QVERIFY(post->rec.response);
    block("## response", *post->rec.response);
    if (post->rec.responseBodyBytes)
        text += QStringLiteral("(%1 body bytes)\n").arg(post->rec.responseBodyBytes);
    copyText->trigger();
    QCOMPARE(QApplication::clipboard()->text(), text);

    // Nothing selected: the clipboard is left alone.
    MainWindow empty;
    QApplication::clipboard()->setText(QStringLiteral("unchanged"));
    empty.findChild<QAction*>(QStringLiteral("copyCurl"))->trigger();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("unchanged"));
}

void TestGuiInteraction::copyCurlOfAnUpgradeRequest() {
    const QString path = sample("h2c_upgrade.pcap");
    const auto ref = referenceDecode(path.toStdString());
    const test::RefStream* up = nullptr;
    for (const auto& s : ref.streams) {
        if (s.rec.request && s.rec.request->fromHttp1) up = &s;
    }
    QVERIFY(up);
    MainWindow w;
    openAndWait(w, path);
    w.selectStream(up->conn, up->rec.id);
    w.findChild<QAction*>(QStringLiteral("copyCurl"))->trigger();
    // curl --http2 repeats the Upgrade and writes Host, Connection, Upgrade and HTTP2-Settings.
    const HeaderBlock& req = *up->rec.request;
    QString curl = QStringLiteral("curl --http2");
    const QString method = qs(req.value(":method"));
    if (method != "GET") curl += " -X " + shellQuote(method);
    for (const HeaderField& h : req.fields) {
        if (h.name[0] == ':' || h.name == "host" || h.name == "connection" || h.name == "upgrade" ||
            h.name == "http2-settings")
            continue;
        curl += " \\\n  -H " + shellQuote(qs(h.name) + ": " + qs(h.value));
    }
    curl +=
        " \\\n  " + shellQuote("http://" + qs(req.value(":authority")) + qs(req.value(":path")));
    QCOMPARE(QApplication::clipboard()->text(), curl);
    QVERIFY(!req.value("upgrade").empty());  // the sample really is an Upgrade
}

QTEST_MAIN(TestGuiInteraction)
#include "test_gui_interaction.moc"
