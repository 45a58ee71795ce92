#include "app/details_pane.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "app/table_view.h"
#include "h2/names.h"
#include "models/priority_details.h"
#include "models/stream_text.h"

namespace h2lens::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

DetailsPane::DetailsPane(const CaptureStore* store, FramesModel* frames, AnomaliesModel* anomalies,
                         QWidget* parent)
    : QTabWidget(parent), m_store(store) {
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);

    m_headers = new QTreeWidget(this);
    m_headers->setColumnCount(3);
    m_headers->setHeaderLabels({tr("Name"), tr("Value"), tr("HPACK")});
    m_headers->setRootIsDecorated(true);
    m_headers->setAlternatingRowColors(true);
    m_headers->setUniformRowHeights(true);
    m_headers->header()->setStretchLastSection(true);
    m_headers->setColumnWidth(0, 200);
    m_headers->setColumnWidth(1, 480);
    addTab(m_headers, tr("&Headers"));

    auto* bodyPage = new QWidget(this);
    auto* bl = new QVBoxLayout(bodyPage);
    bl->setContentsMargins(2, 2, 2, 2);
    auto* row = new QHBoxLayout;
    m_bodyDir = new QComboBox(bodyPage);
    m_bodyDir->addItems({tr("Request body"), tr("Response body")});
    m_bodyDir->setCurrentIndex(1);
    m_bodyMode = new QComboBox(bodyPage);
    m_bodyMode->addItems(
        {tr("Auto"), tr("Text"), tr("Pretty JSON"), tr("Hex"), tr("gRPC messages")});
    m_bodyNote = new QLabel(bodyPage);
    row->addWidget(m_bodyDir);
    row->addWidget(m_bodyMode);
    row->addWidget(m_bodyNote, 1);
    bl->addLayout(row);
    m_body = new QPlainTextEdit(bodyPage);
    m_body->setReadOnly(true);
    m_body->setFont(mono);
    m_body->setLineWrapMode(QPlainTextEdit::NoWrap);
    bl->addWidget(m_body);
    addTab(bodyPage, tr("&Body"));
    connect(m_bodyDir, &QComboBox::currentIndexChanged, this, [this] { showBody(); });
    connect(m_bodyMode, &QComboBox::currentIndexChanged, this, [this] { showBody(); });

    m_framesView = makeTableView(frames, this);
    m_framesView->setColumnWidth(FramesModel::Index, 60);
    m_framesView->setColumnWidth(FramesModel::Time, 90);
    m_framesView->setColumnWidth(FramesModel::Dir, 40);
    m_framesView->setColumnWidth(FramesModel::Type, 110);
    m_framesView->setColumnWidth(FramesModel::Flags, 190);
    m_framesView->setColumnWidth(FramesModel::Length, 60);
    m_framesView->setColumnWidth(FramesModel::Stream, 55);
    addTab(m_framesView, tr("&Frames"));
    // Sized to what each stream's frames hold (the first and last 500 rows of a connection's
    // tens of thousands measured for the numbers).
    auto fitFrames = [this] {
        fitColumns(
            m_framesView,
            {FramesModel::Index, FramesModel::Time, FramesModel::Length, FramesModel::Stream},
            {FramesModel::Type, FramesModel::Flags, FramesModel::Details}, 320, 64, 1000);
    };
    connect(frames, &QAbstractItemModel::modelReset, this, fitFrames);

    m_anomaliesView = makeTableView(anomalies, this);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Time, 90);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Conn, 45);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Stream, 55);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Dir, 40);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Name, 230);
    m_anomaliesView->setColumnWidth(AnomaliesModel::Rfc, 120);
    addTab(m_anomaliesView, tr("&Anomalies"));
    auto fitAnomalies = [this] {
        fitColumns(
            m_anomaliesView, {AnomaliesModel::Time, AnomaliesModel::Conn, AnomaliesModel::Stream},
            {AnomaliesModel::Name, AnomaliesModel::Rfc, AnomaliesModel::Detail}, 320, 64, 1000);
    };
    connect(anomalies, &QAbstractItemModel::modelReset, this, fitAnomalies);
    // A tab behind another has no width yet: its columns are shared out when it is shown.
    connect(this, &QTabWidget::currentChanged, this, [this, fitFrames, fitAnomalies](int) {
        if (currentWidget() == m_framesView) fitFrames();
        if (currentWidget() == m_anomaliesView) fitAnomalies();
    });

    m_connText = new QPlainTextEdit(this);
    m_connText->setReadOnly(true);
    m_connText->setFont(mono);
    addTab(m_connText, tr("&Connection"));
}

void DetailsPane::setStream(const StreamData* s) {
    m_stream = s;
    m_headers->clear();
    if (s) {
        const TimestampNs base = m_store->captureStart();
        auto addBlock = [&](const QString& title, const HeaderBlock& b) {
            auto* top = new QTreeWidgetItem(m_headers);
            top->setText(0, title);
            top->setText(1, tr("%1 fields at %2 s%3")
                                .arg(b.fields.size())
                                .arg(relativeSeconds(b.ts, base))
                                .arg(b.endStream ? tr(", END_STREAM") : QString()));
            top->setFirstColumnSpanned(false);
            QFont bold = top->font(0);
            bold.setBold(true);
            top->setFont(0, bold);
            for (const HeaderField& h : b.fields) {
                auto* it = new QTreeWidgetItem(top);
                it->setText(0, headerFieldName(h));
                it->setText(1, headerFieldValue(h));
                it->setToolTip(1, headerFieldValue(h));
                it->setText(2, hpackRepresentationText(h));
                if (h.representation == HpackRepresentation::LiteralNeverIndexed || !h.nameKnown ||
                    !h.valueKnown) {
                    it->setForeground(2, QColor(0xd0, 0x40, 0x30));
                }
            }
            if (b.error) {
                auto* it = new QTreeWidgetItem(top);
                it->setText(0, tr("HPACK error"));
                it->setText(1, qs(b.error->message));
                it->setForeground(1, QColor(0xd0, 0x40, 0x30));
            }
            if (b.fromHttp1) {
                auto* it = new QTreeWidgetItem(top);
                it->setText(0, tr("(HTTP/1.1 Upgrade request)"));
            }
            top->setExpanded(true);
        };
        const StreamRecord& r = s->rec;
        if (r.request) addBlock(r.pushed ? tr("Promised request") : tr("Request"), *r.request);
        if (r.requestTrailers) addBlock(tr("Request trailers"), *r.requestTrailers);
        for (const HeaderBlock& b : r.informational) addBlock(tr("Informational"), b);
        if (r.response) addBlock(tr("Response"), *r.response);
        if (r.responseTrailers) addBlock(tr("Response trailers"), *r.responseTrailers);
        // The stream's priority above its summary line, which stays last.
        const int ci = m_store->connectionIndex(s->connId);
        if (ci >= 0) {
            if (const auto pd = priorityDetails(m_store->connections()[ci], *s, base)) {
                auto* pri = new QTreeWidgetItem(m_headers);
                pri->setText(0, tr("Priority"));
                pri->setText(1, qs(pd->summary));
                pri->setToolTip(1, qs(pd->summary));
                for (const std::string& change : pd->changes) {
                    auto* it = new QTreeWidgetItem(pri);
                    it->setText(0, tr("change"));
                    it->setText(1, qs(change));
                }
                pri->setExpanded(true);
            }
        }
        auto* sum = new QTreeWidgetItem(m_headers);
        sum->setText(0, tr("Stream %1").arg(r.id));
        sum->setText(
            1, tr("state %1, end %2%3; request body %4 B in %5 DATA, response body %6 B in %7 DATA")
                   .arg(qs(std::string(streamStateName(r.state))),
                        qs(std::string(streamEndName(r.end))))
                   .arg(r.end == StreamEnd::ResetByClient || r.end == StreamEnd::ResetByServer
                            ? " (" + qs(errorCodeName(r.resetCode)) + ")"
                            : QString())
                   .arg(r.requestBodyBytes)
                   .arg(r.requestDataFrames)
                   .arg(r.responseBodyBytes)
                   .arg(r.responseDataFrames));
    }
    showBody();
}

void DetailsPane::showBody() {
    if (!m_stream) {
        m_body->clear();
        m_bodyNote->clear();
        return;
    }
    const BodyView v = bodyView(*m_stream, m_bodyDir->currentIndex(),
                                static_cast<BodyMode>(m_bodyMode->currentIndex()));
    m_body->setPlainText(v.text);
    m_bodyNote->setText(v.note);
}

void DetailsPane::setConnection(const ConnectionData* c) {
    if (!c) {
        m_connText->clear();
        return;
    }
    const TimestampNs base = m_store->captureStart();
    QString t;
    t += tr("Connection %1: %2 → %3\n")
             .arg(c->info.id)
             .arg(qs(c->info.client.toString()), qs(c->info.server.toString()));
    t += tr("Protocol: %1").arg(qs(c->protocol()));
    if (c->done && !c->summary.detectionDetail.empty())
        t += " (" + qs(c->summary.detectionDetail) + ")";
    t += "\n";
    if (!c->findings.empty()) {
        t += c->findings.size() == 1 ? tr("\nAudit: 1 finding\n")
                                     : tr("\nAudit: %1 findings\n").arg(c->findings.size());
        for (const Finding& f : c->findings) {
            const FindingKindInfo& k = kindInfo(f.kind);
            t += tr("  %1 %2 from the %3, %4 s to %5 s: %6 %7, peak %8 %9 (threshold %10); %11\n"
                    "    %12\n")
                     .arg(qs(std::string(severityName(f.severity()))).toUpper(),
                          qs(std::string(k.title)), qs(std::string(peerName(f.peer))))
                     .arg(relativeSeconds(f.first, base), relativeSeconds(f.last, base))
                     .arg(f.count)
                     .arg(qs(std::string(f.count == 1 ? k.countOne : k.countUnit)))
                     .arg(f.peak)
                     .arg(qs(std::string(k.peakUnit)), qs(f.thresholdText),
                          qs(std::string(k.reference)), qs(f.detail));
        }
        t += "\n";
    }
    t += tr("Frames: %1 (C→S %2, S→C %3), streams %4, anomalies %5\n")
             .arg(c->frames.size())
             .arg(c->done ? c->summary.frames[0] : 0)
             .arg(c->done ? c->summary.frames[1] : 0)
             .arg(c->streams.size())
             .arg(c->anomalies.size());
    if (c->done) {
        const char* side[2] = {"client", "server"};
        for (int d = 0; d < 2; ++d) {
            const auto& st = c->flow.dir[d];
            t += tr("TCP %1: %2 packets, %3 payload bytes, %4 delivered, %5 retransmitted "
                    "segments, %6 gaps (%7 bytes)\n")
                     .arg(QLatin1String(side[d]))
                     .arg(st.packets)
                     .arg(st.payloadBytes)
                     .arg(st.reassembly.deliveredBytes)
                     .arg(st.reassembly.retransmittedSegments)
                     .arg(st.reassembly.gaps)
                     .arg(st.reassembly.gapBytes);
        }
        t += tr("\nSETTINGS\n");
        for (const SettingsRecord& s : c->summary.settingsHistory) {
            QString list;
            for (const Setting& x : s.settings)
                list += QStringLiteral(" %1=%2").arg(qs(settingName(x.id))).arg(x.value);
            t += tr("  %1 s %2%3:%4%5\n")
                     .arg(relativeSeconds(s.ts, base))
                     .arg(s.from == Direction::ClientToServer ? "client" : "server")
                     .arg(s.fromUpgrade ? " (HTTP2-Settings)" : "")
                     .arg(list.isEmpty() ? " (empty)" : list)
                     .arg(s.ackTs ? tr(", ACK after %1").arg(qs(formatDuration(*s.ackTs - s.ts)))
                                  : tr(", never acknowledged"));
        }
        if (!c->summary.pings.empty()) t += tr("\nPING\n");
        for (const PingRecord& p : c->summary.pings) {
            t += tr("  %1 s from %2 %3 %4\n")
                     .arg(relativeSeconds(p.ts, base))
                     .arg(p.from == Direction::ClientToServer ? "client" : "server")
                     .arg(qs(hexString(p.data)))
                     .arg(p.ackTs ? tr("RTT %1").arg(qs(formatDuration(*p.ackTs - p.ts)))
                                  : tr("no ACK"));
        }
        if (!c->summary.goaways.empty()) t += tr("\nGOAWAY\n");
        for (const GoawayRecord& g : c->summary.goaways) {
            t += tr("  %1 s from %2 last_stream_id=%3 %4 %5\n")
                     .arg(relativeSeconds(g.ts, base))
                     .arg(g.from == Direction::ClientToServer ? "client" : "server")
                     .arg(g.lastStreamId)
                     .arg(qs(errorCodeName(g.errorCode)), qs(g.debugData));
        }
        if (!c->summary.stalls.empty()) t += tr("\nFlow-control stalls\n");
        for (const FlowStall& s : c->summary.stalls) {
            t +=
                tr("  %1 s %2 blocked on %3 for %4\n")
                    .arg(relativeSeconds(s.start, base))
                    .arg(s.sender == Direction::ClientToServer ? "client" : "server")
                    .arg(s.streamId ? tr("stream %1").arg(s.streamId) : tr("the connection window"))
                    .arg(s.end ? qs(formatDuration(*s.end - s.start))
                               : tr("the rest of the capture"));
        }
    }
    m_connText->setPlainText(t);
}

}  // namespace h2lens::gui
