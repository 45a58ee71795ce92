#include "app/main_window.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDateTime>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QShortcut>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include "app/capture_dialog.h"
#include "app/details_pane.h"
#include "app/table_view.h"
#include "app/tables_pane.h"
#include "app/time_pane.h"
#include "app/timeline_widget.h"
#include "app/window_chart.h"
#include "models/live_decode.h"
#include "models/stream_text.h"
#include "models/timeline_data.h"

namespace h2lens::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("h2lens"));
    setAcceptDrops(true);
    m_store = new CaptureStore(this);
    m_loader = new CaptureLoader(m_store, this);
    m_live = new LiveCapture(m_loader, this);
    m_connModel = new ConnectionsModel(m_store, this);
    m_streamsModel = new StreamsModel(m_store, this);
    m_proxy = new StreamFilterProxy(this);
    m_proxy->setSourceModel(m_streamsModel);
    m_framesModel = new FramesModel(m_store, this);
    m_anomaliesModel = new AnomaliesModel(m_store, this);

    m_tables = new TablesPane(m_connModel, m_proxy, this);
    m_connView = m_tables->connectionsView();
    m_streamsView = m_tables->streamsView();
    m_filter = m_tables->filterBox();
    m_timePane = new TimePane(m_store, this);
    m_timeline = m_timePane->timeline();
    m_chart = m_timePane->chart();
    m_details = new DetailsPane(m_store, m_framesModel, m_anomaliesModel, this);

    // Tables | time views, over the details.
    m_top = new QSplitter(Qt::Horizontal, this);
    m_top->addWidget(m_tables);
    m_top->addWidget(m_timePane);
    m_top->setStretchFactor(0, 2);
    m_top->setStretchFactor(1, 3);
    m_outer = new QSplitter(Qt::Vertical, this);
    m_outer->addWidget(m_top);
    m_outer->addWidget(m_details);
    m_outer->setStretchFactor(0, 3);
    m_outer->setStretchFactor(1, 2);
    setCentralWidget(m_outer);
    // Proportions until a load fits them to the capture (fitPanes); the user's moves win after.
    m_top->setSizes({760, 840});
    m_outer->setSizes({700, 230});

    buildStatusBar();
    connectLoader();
    connectSelection();
    buildMenus();
    updateStatus();
    resize(1600, 1000);
}

void MainWindow::buildStatusBar() {
    m_status = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->hide();
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_live->isRunning()) {
            stopLiveCapture();  // the decode ends with the child's output
        } else {
            m_loader->cancel();
        }
    });
    connect(m_live, &LiveCapture::captureStats, this, [this](const QString& text) {
        // Short enough for the status line: rates, queue and drops of h2lens live --stats.
        static const QRegularExpression re(QStringLiteral(
            R"((\d+) packets/s, ([\d.]+) MB/s, (?:write|decode) queue ([\d.]+) MB; dropped so far: (.*))"));
        const QRegularExpressionMatch m = re.match(text);
        m_liveStats = m.hasMatch()
                          ? tr(" · capture %1 packets/s, %2 MB/s, queue %3 MB, dropped: %4")
                                .arg(m.captured(1), m.captured(2), m.captured(3), m.captured(4))
                          : tr(" · capture %1").arg(text);
        m_liveStats +=
            windowLagText(QFileInfo(m_live->capturePath()).size(), m_loader->bytesRead());
        updateStatus();
    });
    connect(m_live, &LiveCapture::childFinished, this, [this](bool ok, const QString& message) {
        // What was lost and where stays said after the capture.
        m_liveStats =
            m_live->lossLine().isEmpty() ? QString() : tr(" · %1").arg(m_live->lossLine());
        updateStatus();
        updateLiveActions();
        if (m_captureDialog) m_captureDialog->setMessage(ok ? tr("Capture stopped.") : message);
        if (!ok) {
            statusBar()->showMessage(tr("Capture failed: %1").arg(message), 10000);
            if (qEnvironmentVariableIsEmpty("H2LENS_GUI_NO_DIALOGS"))
                QMessageBox::warning(this, tr("h2lens — capture"), message);
        }
    });
}

void MainWindow::connectLoader() {
    connect(m_loader, &CaptureLoader::started, this, [this](const QString& path) {
        m_liveStats.clear();  // a new decode: a capture's figures were about the one before
        setWindowTitle(QStringLiteral("h2lens — %1").arg(QFileInfo(path).fileName()));
        m_progress->setValue(0);
        m_progress->show();
        m_cancel->show();
        m_conn = -1;
        m_stream.reset();
        m_userSelected = false;
        m_timeline->setConnection(-1);
        m_chart->setSelection(-1, nullptr);
        m_details->setStream(nullptr);
        m_details->setConnection(nullptr);
        m_loadStartMs = QDateTime::currentMSecsSinceEpoch();
        m_firstRowsMs = -1;
        m_loadMessage.clear();
        m_refresh->start();
    });
    connect(m_loader, &CaptureLoader::progress, this, [this](double fraction, quint64) {
        m_progress->setValue(static_cast<int>(fraction * 1000));
        if (m_firstRowsMs < 0 && m_streamsModel->rowCount() > 0) {
            m_firstRowsMs = QDateTime::currentMSecsSinceEpoch() - m_loadStartMs;
        }
        // Show something as soon as there is something: the first connection with frames.
        if (m_conn < 0) {
            for (int i = 0; i < static_cast<int>(m_store->connections().size()); ++i) {
                if (!m_store->connections()[i].frames.empty()) {
                    m_autoSelecting = true;
                    selectConnection(i);
                    m_autoSelecting = false;
                    break;
                }
            }
        }
    });
    connect(m_loader, &CaptureLoader::finished, this, &MainWindow::onLoadFinished);
    m_refresh = new QTimer(this);
    m_refresh->setInterval(250);
    connect(m_refresh, &QTimer::timeout, this, [this] {
        m_timeline->refresh();
        updateStatus();
    });
    connect(m_store, &CaptureStore::connectionChanged, this, [this](int i) {
        if (i == m_conn && !m_loader->isRunning()) m_timeline->refresh();
    });
}

// One selection shared by every view: each view's change goes through selectConnection,
// selectStream or selectFrame (m_syncing: the change came from there, do not echo it).
void MainWindow::connectSelection() {
    connect(m_connView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& cur) {
                if (!m_syncing && cur.isValid()) selectConnection(cur.row());
            });
    connect(m_streamsView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& cur) {
                if (m_syncing || !cur.isValid()) return;
                selectStream(cur.data(kConnIdRole).toULongLong(), cur.data(kStreamIdRole).toUInt());
            });
    connect(m_filter, &QLineEdit::textChanged, this, [this](const QString& t) {
        m_proxy->setFilterString(t);
        updateStatus();
    });
    connect(m_timeline, &TimelineWidget::frameActivated, this,
            [this](int ci, std::size_t fi) { selectFrame(ci, fi); });
    connect(m_timeline, &TimelineWidget::streamActivated, this, [this](int ci, std::uint32_t sid) {
        if (sid == 0) {
            selectConnection(ci);
            m_framesModel->setStream(ci, 0);
        } else {
            selectStream(m_store->connections()[ci].info.id, sid);
        }
    });
    connect(m_details->framesView()->selectionModel(), &QItemSelectionModel::currentRowChanged,
            this, [this](const QModelIndex& cur) {
                if (m_syncing || !cur.isValid() || m_conn < 0) return;
                m_timeline->selectFrame(cur.data(kFrameIndexRole).toULongLong());
            });
    auto jumpToAnomaly = [this](const QModelIndex& idx, bool showFrames) {
        std::uint64_t connId = 0;
        const Anomaly* a = m_anomaliesModel->anomaly(idx.row(), &connId);
        if (!a) return;
        const int ci = m_store->connectionIndex(connId);
        if (ci < 0) return;
        if (auto fi = m_store->findFrame(m_store->connections()[ci], a->dir, a->frameOffset)) {
            selectFrame(ci, *fi);
            if (showFrames) m_details->setCurrentWidget(m_details->framesView());
        } else if (a->streamId) {
            selectStream(connId, a->streamId);
        } else {
            selectConnection(ci);
        }
    };
    connect(m_details->anomaliesView(), &QTableView::activated, this,
            [jumpToAnomaly](const QModelIndex& i) { jumpToAnomaly(i, true); });
    connect(m_details->anomaliesView(), &QTableView::clicked, this,
            [jumpToAnomaly](const QModelIndex& i) { jumpToAnomaly(i, false); });
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Open capture"), QString(),
                                         tr("Captures (*.pcap *.pcapng *.cap);;All files (*)"));
        if (!path.isEmpty()) openFile(path);
    });
    file->addAction(tr("TLS &Key Log…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("NSS key log (SSLKEYLOGFILE) for TLS decryption"), QString(),
            tr("Key logs (*.log *.txt *.keys);;All files (*)"));
        if (path.isEmpty()) return;
        setKeylogPath(path);
        // Decode again with the keys (a live capture: its saved copy, once it stopped).
        if (m_lastLoadLive) {
            if (!m_live->isRunning() && !m_live->capturePath().isEmpty())
                m_loader->load(m_live->capturePath(), decodeOptions());
        } else if (!m_loader->path().isEmpty()) {
            openFile(m_loader->path());
        }
    });
    file->addSeparator();
    file->addAction(tr("&Capture…"), QKeySequence(tr("Ctrl+K")), this,
                    &MainWindow::showCaptureDialog);
    m_stopCaptureAction = file->addAction(tr("S&top Capture"), QKeySequence(tr("Ctrl+E")), this,
                                          &MainWindow::stopLiveCapture);
    m_saveCaptureAction = file->addAction(tr("&Save Capture As…"), QKeySequence::SaveAs, this,
                                          &MainWindow::saveCaptureAs);
    updateLiveActions();
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    QMenu* exp = file->addMenu(tr("&Export"));
    exp->addAction(tr("Selected stream as &JSON…"), this,
                   [this] { exportTo(ExportFormat::Json, true); });
    exp->addAction(tr("Selected stream as &HAR…"), this,
                   [this] { exportTo(ExportFormat::Har, true); });
    exp->addSeparator();
    exp->addAction(tr("Everything as J&SON…"), this,
                   [this] { exportTo(ExportFormat::Json, false); });
    exp->addAction(tr("Everything as H&AR…"), this, [this] { exportTo(ExportFormat::Har, false); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    auto* copyText = edit->addAction(tr("&Copy stream as text"), QKeySequence::Copy, this,
                                     [this] { this->copyText(false); });
    copyText->setObjectName(QStringLiteral("copyStreamText"));
    auto* copyCurl = edit->addAction(tr("Copy request as c&URL"), QKeySequence(tr("Ctrl+Shift+C")),
                                     this, [this] { this->copyText(true); });
    copyCurl->setObjectName(QStringLiteral("copyCurl"));
    m_streamsView->addAction(copyText);
    m_streamsView->addAction(copyCurl);
    edit->addSeparator();
    edit->addAction(tr("&Filter streams"), QKeySequence::Find, this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(tr("&Fit timeline to the streams"), QKeySequence(tr("Ctrl+9")), this,
                    [this] { m_timeline->fitStreams(); });
    view->addAction(tr("Fit timeline to the &whole connection"), QKeySequence(tr("Ctrl+0")), this,
                    [this] { m_timeline->fit(); });
    view->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, this,
                    [this] { m_timeline->zoom(0.7, (kLabelWidth + m_timeline->width()) / 2.0); });
    view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, this, [this] {
        m_timeline->zoom(1 / 0.7, (kLabelWidth + m_timeline->width()) / 2.0);
    });
    m_priorityOrderAction = view->addAction(tr("Order lanes by &priority"), this, [this](bool on) {
        m_timeline->setLaneOrder(on ? LaneOrder::Priority : LaneOrder::FirstFrame);
    });
    m_priorityOrderAction->setCheckable(true);
    m_priorityOrderAction->setToolTip(
        tr("Stream lanes as the client prioritised them: the RFC 7540 dependency tree (indented, "
           "heavier siblings first) or RFC 9218 urgency"));
    view->addSeparator();
    view->addAction(tr("Focus &connections"), QKeySequence(tr("Alt+1")), this,
                    [this] { m_connView->setFocus(); });
    view->addAction(tr("Focus &streams"), QKeySequence(tr("Alt+2")), this,
                    [this] { m_streamsView->setFocus(); });
    view->addAction(tr("Focus &timeline"), QKeySequence(tr("Alt+3")), this,
                    [this] { m_timeline->setFocus(); });
    view->addAction(tr("Focus &details"), QKeySequence(tr("Alt+4")), this,
                    [this] { m_details->currentWidget()->setFocus(); });

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Timeline and filter keys"), this, [this] {
        QMessageBox::information(
            this, tr("h2lens"),
            tr("<b>Timeline</b><br>opens on the streams; the strip at the top is the whole "
               "connection, the framed part is in view: click or drag it to move there<br>"
               "wheel: zoom around the cursor (also over the window chart); shift+wheel or wheel "
               "over the labels: scroll lanes<br>"
               "left-drag: pan (also in the window chart); shift+left-drag or right-drag: zoom to "
               "the rubber band; double-click a lane: zoom to the stream<br>"
               "F: fit the streams; 0: the whole connection; +/-: zoom; ←/→: previous/next frame "
               "of the lane (Ctrl: pan); ↑/↓: "
               "previous/next lane<br>"
               "marks above a lane's midline are client → server (blue), below server → client "
               "(orange): "
               "▲ HEADERS, bars DATA (height = size), flag END_STREAM, ✕ RST_STREAM, ◆ "
               "PUSH_PROMISE, "
               "■ SETTINGS (hollow: ACK), ● PING with RTT bracket, ticks WINDOW_UPDATE; TCP lane: "
               "red retransmission, "
               "purple out-of-order, black gap; red bands through all lanes mark loss.<br><br>"
               "<b>Filter</b><br>terms separated by spaces must all match: status:404 status:5xx "
               "method:POST path:/api "
               "authority:host header:name header:name=value type:json conn:1 end:reset; a bare "
               "word matches path, "
               "method, status, authority and any header; !term negates."));
    });
}

void MainWindow::setKeylogPath(const QString& path) {
    m_keylogPath = path;
    if (m_captureDialog) m_captureDialog->setKeylogPath(path);
}

DecodeOptions MainWindow::decodeOptions() const {
    DecodeOptions o;
    o.keylogPath = m_keylogPath.toStdString();
    return o;
}

void MainWindow::openFile(const QString& path) {
    if (!QFileInfo(path).isFile()) {
        removeRecent(path);
        const QString msg = tr("%1 does not exist or is not a file").arg(path);
        statusBar()->showMessage(msg, 10000);
        if (qEnvironmentVariableIsEmpty("H2LENS_GUI_NO_DIALOGS"))
            QMessageBox::warning(this, tr("h2lens"), msg);
        return;
    }
    if (m_live->isRunning()) stopLiveCapture();
    m_lastLoadLive = false;
    addRecent(path);
    m_loader->load(path, decodeOptions());
    updateLiveActions();
}

bool MainWindow::startLiveCapture(const QString& interface, const QString& filter) {
    QString error;
    if (!m_live->start(interface, filter, decodeOptions(), &error)) {
        if (qEnvironmentVariableIsEmpty("H2LENS_GUI_NO_DIALOGS"))
            QMessageBox::warning(this, tr("h2lens — capture"), error);
        if (m_captureDialog) m_captureDialog->setMessage(error);
        return false;
    }
    m_lastLoadLive = true;
    if (m_captureDialog) {
        m_captureDialog->setMessage(
            tr("Capturing on %1%2…")
                .arg(interface, filter.isEmpty() ? QString() : tr(" (%1)").arg(filter)));
    }
    // Not an error: a key log that does not exist yet is the usual case (curl creates it).
    if (!m_keylogPath.isEmpty())
        statusBar()->showMessage(LiveCapture::keylogState(m_keylogPath), 10000);
    updateLiveActions();
    return true;
}

void MainWindow::stopLiveCapture() {
    m_live->stop();
    updateLiveActions();
}

void MainWindow::showCaptureDialog() {
    if (!m_captureDialog) {
        m_captureDialog = new CaptureDialog(m_live, this);
        connect(m_captureDialog, &CaptureDialog::startRequested, this,
                &MainWindow::startLiveCapture);
        connect(m_captureDialog, &CaptureDialog::stopRequested, this, &MainWindow::stopLiveCapture);
        // Only remembered: the loaded capture is decoded again only from File > TLS Key Log.
        connect(m_captureDialog, &CaptureDialog::keylogChanged, this,
                [this](const QString& path) { m_keylogPath = path; });
        m_captureDialog->setKeylogPath(m_keylogPath);
        m_captureDialog->refreshInterfaces();
    }
    updateLiveActions();
    m_captureDialog->show();
    m_captureDialog->raise();
    m_captureDialog->activateWindow();
}

void MainWindow::saveCaptureAs() {
    if (!m_lastLoadLive) return;
    const QString dest = QFileDialog::getSaveFileName(this, tr("Save capture"), QString(),
                                                      tr("pcapng (*.pcapng);;All files (*)"));
    if (dest.isEmpty()) return;
    QString error;
    if (!m_live->saveAs(dest, &error)) {
        QMessageBox::warning(this, tr("h2lens"), error);
        return;
    }
    statusBar()->showMessage(tr("Saved %1").arg(dest), 5000);
}

void MainWindow::updateLiveActions() {
    const bool running = m_live->isRunning();
    if (m_stopCaptureAction) m_stopCaptureAction->setEnabled(running);
    if (m_saveCaptureAction) m_saveCaptureAction->setEnabled(m_lastLoadLive);
    if (m_captureDialog) m_captureDialog->setRunning(running);
}

QStringList MainWindow::recentFiles() const {
    return QSettings().value(QStringLiteral("recentFiles")).toStringList();
}

void MainWindow::addRecent(const QString& path) {
    QStringList list = recentFiles();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecentFiles) list.removeLast();
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    updateRecentMenu();
}

void MainWindow::removeRecent(const QString& path) {
    QStringList list = recentFiles();
    if (list.removeAll(QFileInfo(path).absoluteFilePath()) == 0) return;
    QSettings().setValue(QStringLiteral("recentFiles"), list);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    if (!m_recentMenu) return;
    m_recentMenu->clear();
    const QStringList list = recentFiles();
    for (const QString& f : list) {
        // A file that went away stays listed (its drive may come back) but cannot be chosen.
        QAction* a = m_recentMenu->addAction(f, this, [this, f] { openFile(f); });
        a->setEnabled(QFileInfo(f).isFile());
    }
    m_recentMenu->setEnabled(!list.isEmpty());
}

void MainWindow::updateStatus() {
    auto count = [](qulonglong n, const char* one, const char* many) {
        return QStringLiteral("%1 %2").arg(n).arg(QString::fromLatin1(n == 1 ? one : many));
    };
    // A filter term that cannot be read matches nothing: say which, instead of an empty table.
    QString filter;
    if (!m_proxy->filterErrors().empty()) {
        filter = tr(" · filter: %1").arg(QString::fromStdString(m_proxy->filterErrors().front()));
    }
    // Said only when the audit found something (most captures: nothing to say).
    const QString findings =
        m_store->findingCount()
            ? tr(" · %1 (Connection tab)")
                  .arg(count(m_store->findingCount(), "audit finding", "audit findings"))
            : QString();
    m_status->setText(
        tr("%1 · %2 (%3 shown) · %4 · %5%6%7")
            .arg(count(m_store->connections().size(), "connection", "connections"))
            .arg(count(m_store->streams().size(), "stream", "streams"))
            .arg(m_proxy->rowCount())
            .arg(count(m_store->frameCount(), "frame", "frames"))
            .arg(count(m_store->anomalyCount(), "anomaly", "anomalies") + findings)
            .arg(filter)
            .arg((m_loader->isRunning() ? tr(" · decoding…") : m_loadMessage) + m_liveStats));
}

void MainWindow::onLoadFinished(bool ok, const QString& message) {
    m_refresh->stop();
    m_progress->hide();
    m_cancel->hide();
    if (!ok && !m_loader->lastResult().error.empty()) {
        if (qEnvironmentVariableIsEmpty("H2LENS_GUI_NO_DIALOGS"))
            QMessageBox::warning(this, tr("h2lens"), message);
    }
    if (m_conn >= 0) {
        m_timeline->refresh();
        const StreamData* s = currentStream();
        m_chart->setSelection(m_conn, s);
        m_details->setConnection(&m_store->connections()[m_conn]);
    }
    m_autoSelecting = true;
    if (m_initialSelection) {
        const auto [connId, streamId] = *m_initialSelection;
        m_initialSelection.reset();
        selectConnection(m_store->connectionIndex(connId));
        if (streamId) selectStream(connId, streamId);
    } else if (!m_userSelected) {
        // The connection with the most streams is the interesting one, and in it the stream
        // that went wrong or took longest: nothing starts empty.
        int best = -1;
        std::size_t most = 0;
        for (int i = 0; i < static_cast<int>(m_store->connections().size()); ++i) {
            const auto& c = m_store->connections()[i];
            if (best < 0 || c.streams.size() > most) {
                best = i;
                most = c.streams.size();
            }
        }
        if (best >= 0) {
            selectConnection(best);
            if (const std::uint32_t sid = interestingStream(*m_store, best))
                selectStream(m_store->connections()[best].info.id, sid);
        }
    }
    m_autoSelecting = false;
    fitPanes(true);
    updateStatus();
    const auto& r = m_loader->lastResult();
    QString extra = message;
    if (r.issueCount) extra += tr(" · %1 capture issues").arg(r.issueCount);
    if (m_firstRowsMs >= 0) extra += tr(" · first rows after %1 ms").arg(m_firstRowsMs);
    m_loadMessage = " · " + extra;
    updateStatus();
}

void MainWindow::setInitialSelection(std::uint64_t connId, std::uint32_t streamId) {
    m_initialSelection = {connId, streamId};
}

void MainWindow::fitPanes(bool splitters) {
    const int needed = m_tables->fitColumns();
    if (!splitters) return;
    // Width: the tables get what their columns need (within 35-55% of the window), the time
    // views the rest.
    const QList<int> top = m_top->sizes();
    const int width = top.value(0) + top.value(1);
    if (width > 0) {
        const int left = std::clamp(needed, width * 35 / 100, width * 55 / 100);
        m_top->setSizes({left, width - left});
        m_tables->fitColumns();
    }
    // Height: the top panes as tall as their content needs (table rows; timeline lanes and the
    // chart), within 58-75% of the window; the details the rest. Then, inside, the timeline its
    // lanes and the connections table its rows.
    const QList<int> outer = m_outer->sizes();
    const int height = outer.value(0) + outer.value(1);
    if (height > 0) {
        const int want = std::max(m_tables->contentHeight(), m_timePane->contentHeight());
        const int topHeight = std::clamp(want, height * 58 / 100, height * 3 / 4);
        m_outer->setSizes({topHeight, height - topHeight});
    }
    m_timePane->fitTimeline();
    m_tables->fitConnectionsHeight();
}

void MainWindow::selectConnection(int ci) {
    if (ci < 0 || ci >= static_cast<int>(m_store->connections().size())) return;
    if (!m_autoSelecting) m_userSelected = true;
    if (ci == m_conn) return;
    m_conn = ci;
    m_stream.reset();
    const ConnectionData& c = m_store->connections()[ci];
    m_syncing = true;
    m_connView->selectionModel()->setCurrentIndex(
        m_connModel->index(ci, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_proxy->setConnection(c.info.id);
    m_streamsView->setColumnHidden(StreamsModel::Conn,
                                   true);  // one connection: the column says nothing
    m_syncing = false;
    if (!m_loader->isRunning()) fitPanes(false);
    m_timeline->setConnection(ci);
    m_anomaliesModel->setConnection(ci);
    m_framesModel->setStream(ci, 0, true);
    m_chart->setSelection(ci, nullptr);
    m_chart->setTimeRange(m_timeline->viewStart(), m_timeline->viewEnd());
    m_details->setConnection(&c);
    m_details->setStream(nullptr);
    updateStatus();
}

const StreamData* MainWindow::currentStream() const {
    if (m_conn < 0 || !m_stream) return nullptr;
    return m_store->stream(m_store->connections()[m_conn].info.id, *m_stream);
}

void MainWindow::selectStream(std::uint64_t connId, std::uint32_t streamId) {
    const int ci = m_store->connectionIndex(connId);
    if (ci < 0) return;
    selectConnection(ci);
    if (m_stream == streamId) return;
    if (!m_autoSelecting) m_userSelected = true;
    m_stream = streamId;
    const StreamData* s = currentStream();
    m_timeline->selectStream(streamId);
    m_framesModel->setStream(ci, streamId);
    m_chart->setSelection(ci, s);
    m_details->setStream(s);
    const int src = m_store->streamIndex(connId, streamId);
    if (src >= 0) {
        // Column Stream, never hidden: a current index in a hidden column (Conn, hidden with one
        // connection selected) leaves the arrow keys nowhere to go.
        const QModelIndex pi =
            m_proxy->mapFromSource(m_streamsModel->index(src, StreamsModel::Stream));
        if (pi.isValid()) {
            m_syncing = true;
            m_streamsView->selectionModel()->setCurrentIndex(
                pi, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
            m_streamsView->scrollTo(pi);
            m_syncing = false;
        }
    }
}

void MainWindow::selectFrame(int ci, std::size_t fi) {
    if (ci < 0 || ci >= static_cast<int>(m_store->connections().size())) return;
    const ConnectionData& c = m_store->connections()[ci];
    if (fi >= c.frames.size()) return;
    const FrameMark& f = c.frames[fi];
    if (f.streamId != 0) {
        selectStream(c.info.id, f.streamId);
    } else {
        selectConnection(ci);
        if (m_framesModel->rowOfFrame(fi) < 0) m_framesModel->setStream(ci, 0, true);
    }
    m_timeline->selectFrame(fi);
    const int row = m_framesModel->rowOfFrame(fi);
    if (row >= 0) {
        m_syncing = true;
        const QModelIndex idx = m_framesModel->index(row, 0);
        m_details->framesView()->selectionModel()->setCurrentIndex(
            idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_details->framesView()->scrollTo(idx);
        m_syncing = false;
    }
}

void MainWindow::setPriorityLaneOrder(bool on) {
    m_priorityOrderAction->setChecked(on);
    m_timeline->setLaneOrder(on ? LaneOrder::Priority : LaneOrder::FirstFrame);
}

void MainWindow::copyText(bool curl) {
    const StreamData* s = currentStream();
    if (!s) return;
    QApplication::clipboard()->setText(curl ? curlCommand(*s) : streamAsText(*s));
    statusBar()->showMessage(curl ? tr("cURL command copied") : tr("Stream copied as text"), 3000);
}

void MainWindow::exportTo(ExportFormat format, bool selectionOnly) {
    if (m_loader->path().isEmpty()) return;
    ExportRequest req;
    req.capturePath = m_loader->path().toStdString();
    req.keylogPath = m_keylogPath.toStdString();
    req.format = format;
    // The decode on screen, unless it is still running (then the file is read again).
    if (!m_loader->isRunning()) req.transcripts = m_loader->lastResult().transcripts;
    if (selectionOnly) {
        const StreamData* s = currentStream();
        if (!s) {
            QMessageBox::information(this, tr("Export"), tr("Select a stream first."));
            return;
        }
        req.selection.emplace_back(s->connId, s->rec.id);
    }
    const QString suffix =
        format == ExportFormat::Har ? QStringLiteral("har") : QStringLiteral("json");
    const QString out = QFileDialog::getSaveFileName(
        this, tr("Export"), QFileInfo(m_loader->path()).completeBaseName() + "." + suffix);
    if (out.isEmpty()) return;
    req.outputPath = out.toStdString();
    const std::string err = exportCapture(req);
    if (err.empty())
        statusBar()->showMessage(tr("Exported to %1").arg(out), 5000);
    else
        QMessageBox::warning(this, tr("Export"), QString::fromStdString(err));
}

namespace {
// The first local file of a drag, or "" (remote URLs and text are not captures we can read).
QString droppedFile(const QMimeData* m) {
    if (!m || !m->hasUrls()) return {};
    for (const QUrl& u : m->urls()) {
        if (u.isLocalFile()) return u.toLocalFile();
    }
    return {};
}
}  // namespace

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (!droppedFile(e->mimeData()).isEmpty()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    const QString path = droppedFile(e->mimeData());
    if (path.isEmpty()) return;
    e->acceptProposedAction();
    openFile(path);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    m_live->stop();
    m_loader->cancel();
    e->accept();
}

}  // namespace h2lens::gui
