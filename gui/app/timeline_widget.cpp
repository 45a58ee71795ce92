#include "app/timeline_widget.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScrollBar>
#include <QToolTip>
#include <QWheelEvent>
#include <cmath>

#include "h2/names.h"

namespace h2lens::gui {

namespace {

constexpr int kTcpLaneHeight = 16;
constexpr int kConnLaneHeight = 24;
constexpr int kStreamLaneHeight = 20;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString sizeLabel(std::uint32_t n) {
    if (n < 1000) return QString::number(n);
    if (n < 1024 * 1024) return QString::number((n + 512) / 1024) + "k";
    return QString::number(n / (1024.0 * 1024), 'f', 1) + "M";
}

QString dirArrow(Direction d) {
    return d == Direction::ClientToServer ? "C→S" : "S→C";
}

// A "nice" tick step (1, 2, 5 x 10^k ns) giving ticks at least `minPx` apart.
TimestampNs tickStep(double nsPerPx, double minPx) {
    const double raw = nsPerPx * minPx;
    double step = std::pow(10.0, std::floor(std::log10(std::max(raw, 1.0))));
    while (step < raw) {
        if (step * 2 >= raw) return static_cast<TimestampNs>(step * 2);
        if (step * 5 >= raw) return static_cast<TimestampNs>(step * 5);
        step *= 10;
    }
    return std::max<TimestampNs>(1, static_cast<TimestampNs>(step));
}

}  // namespace

// A ruler label: the unit follows the size of the times in view (`magnitude`, the largest
// |time| shown: µs below 1 ms, ms below 1 s, else s) and the decimals the tick step, so
// neighbouring ticks always read differently and never carry useless digits.
QString rulerLabel(TimestampNs rel, TimestampNs step, TimestampNs magnitude) {
    if (rel == 0) return QStringLiteral("0");
    double unit = 1e9;
    const char* name = " s";
    if (magnitude < 1'000) {
        unit = 1;
        name = " ns";
    } else if (magnitude < 1'000'000) {
        unit = 1e3;
        name = " µs";
    } else if (magnitude < 1'000'000'000) {
        unit = 1e6;
        name = " ms";
    }
    int decimals = 0;
    for (double s = static_cast<double>(step) / unit; s < 0.999 && decimals < 9; s *= 10)
        ++decimals;
    return QString::number(static_cast<double>(rel) / unit, 'f', decimals) +
           QString::fromUtf8(name);
}

namespace {}  // namespace

TimelineWidget::TimelineWidget(const CaptureStore* store, QWidget* parent)
    : QWidget(parent), m_store(store), m_vbar(new QScrollBar(Qt::Vertical, this)) {
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumHeight(120);
    connect(m_vbar, &QScrollBar::valueChanged, this, [this] { update(); });
}

void TimelineWidget::setLaneOrder(LaneOrder order) {
    if (order == m_order) return;
    m_order = order;
    const std::uint32_t selStream =
        m_selectedLane >= 0 && m_selectedLane < static_cast<int>(m_data.lanes.size())
            ? m_data.lanes[m_selectedLane].streamId
            : 0;
    const bool hadLane = m_selectedLane >= 0;
    m_data = buildTimeline(*m_store, m_data.connIndex, m_order);
    m_selectedLane = hadLane ? m_data.laneOfStream(selStream) : -1;
    updateScrollBar();
    update();
}

void TimelineWidget::setConnection(int connIndex) {
    m_data = buildTimeline(*m_store, connIndex, m_order);
    m_selectedLane = -1;
    m_selectedFrame.reset();
    m_userZoomed = false;
    m_overviewBinsWidth = -1;
    m_vbar->setValue(0);
    fitStreams();
}

void TimelineWidget::refresh() {
    const int ci = m_data.connIndex;
    if (ci < 0 || ci >= static_cast<int>(m_store->connections().size())) return;
    const ConnectionData& c = m_store->connections()[ci];
    if (c.frames.size() == m_data.framesSeen && c.streams.size() == m_data.streamsSeen &&
        (!c.done || !m_data.pings.empty() || c.summary.pings.empty())) {
        return;
    }
    const std::uint32_t selStream =
        m_selectedLane >= 0 && m_selectedLane < static_cast<int>(m_data.lanes.size())
            ? m_data.lanes[m_selectedLane].streamId
            : 0;
    const bool hadLane = m_selectedLane >= 0;
    m_data = buildTimeline(*m_store, ci, m_order);
    m_overviewBinsWidth = -1;
    m_selectedLane = hadLane ? m_data.laneOfStream(selStream) : -1;
    if (!m_userZoomed) fitStreams();
    updateScrollBar();
    update();
}

double TimelineWidget::xOf(TimestampNs t) const {
    const double w = std::max(1, plotRight() - kLabelWidth);
    return kLabelWidth + static_cast<double>(t - m_t0) * w /
                             static_cast<double>(std::max<TimestampNs>(1, m_t1 - m_t0));
}

TimestampNs TimelineWidget::tOf(double x) const {
    const double w = std::max(1, plotRight() - kLabelWidth);
    return m_t0 +
           static_cast<TimestampNs>((x - kLabelWidth) * static_cast<double>(m_t1 - m_t0) / w);
}

void TimelineWidget::fit() {
    if (m_data.connIndex < 0) {
        m_t0 = 0;
        m_t1 = 1;
    } else {
        const TimestampNs span = std::max<TimestampNs>(m_data.end - m_data.begin, 1000);
        m_t0 = m_data.begin - span / 40;
        m_t1 = m_data.end + span / 25;
    }
    m_userZoomed = false;
    updateScrollBar();
    emitRange();
    update();
}

void TimelineWidget::fitStreams() {
    if (m_data.connIndex < 0) return fit();
    const auto [b, e] = streamActivitySpan(m_data);
    const TimestampNs span = std::max<TimestampNs>(e - b, 1000);
    m_t0 = b - span / 25;
    m_t1 = e + span / 20;
    m_userZoomed = false;
    updateScrollBar();
    emitRange();
    update();
}

double TimelineWidget::overviewX(TimestampNs t) const {
    const double w = std::max(1, plotRight() - kLabelWidth);
    const double span = static_cast<double>(std::max<TimestampNs>(1, m_data.end - m_data.begin));
    return kLabelWidth + static_cast<double>(t - m_data.begin) * w / span;
}

TimestampNs TimelineWidget::overviewT(double x) const {
    const double w = std::max(1, plotRight() - kLabelWidth);
    return m_data.begin +
           static_cast<TimestampNs>((x - kLabelWidth) *
                                    static_cast<double>(m_data.end - m_data.begin) / w);
}

QRectF TimelineWidget::overviewViewRect() const {
    const double x0 = std::clamp(overviewX(m_t0), double(kLabelWidth), double(plotRight()));
    const double x1 = std::clamp(overviewX(m_t1), double(kLabelWidth), double(plotRight()));
    return QRectF(x0, 1, std::max(3.0, x1 - x0), kOverviewHeight - 2);
}

void TimelineWidget::centreOn(TimestampNs t) {
    const TimestampNs half = (m_t1 - m_t0) / 2;
    setTimeRange(t - half, t + half);
}

void TimelineWidget::zoomAt(double factor, TimestampNs anchor) {
    zoom(factor, xOf(anchor));
}

void TimelineWidget::occupy(const QRectF& r) {
    if (m_gridCols <= 0) return;
    const int c0 = std::max(0, static_cast<int>(std::floor(r.left())) / kCell);
    const int c1 = std::min(m_gridCols - 1, static_cast<int>(std::ceil(r.right())) / kCell);
    const int r0 = std::max(0, static_cast<int>(std::floor(r.top())) / kCell);
    const int r1 = std::min(m_gridRows - 1, static_cast<int>(std::ceil(r.bottom())) / kCell);
    for (int y = r0; y <= r1; ++y) {
        for (int x = c0; x <= c1; ++x) m_grid[static_cast<std::size_t>(y * m_gridCols + x)] = 1;
    }
}

bool TimelineWidget::isFree(const QRectF& r) const {
    // Cells wholly inside the box: a label may touch a neighbour, never cover it.
    const int c0 = std::max(0, static_cast<int>(std::ceil(r.left())) / kCell);
    const int c1 = std::min(m_gridCols - 1, static_cast<int>(std::floor(r.right()) - 1) / kCell);
    const int r0 = std::max(0, static_cast<int>(std::ceil(r.top())) / kCell);
    const int r1 = std::min(m_gridRows - 1, static_cast<int>(std::floor(r.bottom()) - 1) / kCell);
    for (int y = r0; y <= r1; ++y) {
        for (int x = c0; x <= c1; ++x) {
            if (m_grid[static_cast<std::size_t>(y * m_gridCols + x)]) return false;
        }
    }
    for (const QRectF& l : m_labels) {
        if (l.intersects(r)) return false;
    }
    return true;
}

bool TimelineWidget::placeLabel(QPainter& p, const std::vector<QRectF>& boxes, const QString& text,
                                int align, const QRectF& clipIn) {
    const QRectF clip =
        !clipIn.isNull() ? clipIn : (p.hasClipping() ? p.clipBoundingRect() : QRectF(rect()));
    for (QRectF box : boxes) {
        if (box.left() < clip.left() || box.right() > clip.right()) continue;
        box = box.intersected(clip);
        if (box.isEmpty() || !isFree(box)) continue;
        m_labels.push_back(box);
        occupy(box);
        p.save();
        p.setClipRect(clip, Qt::IntersectClip);
        p.drawText(box, align, text);
        p.restore();
        return true;
    }
    return false;
}

void TimelineWidget::queueLabel(QPainter& p, int priority, std::vector<QRectF> boxes,
                                const QString& text, int align, const QLineF& ifDropped) {
    PendingLabel l;
    l.priority = priority;
    l.boxes = std::move(boxes);
    l.text = text;
    l.color = p.pen().color();
    l.align = align;
    l.clip = p.hasClipping() ? p.clipBoundingRect() : QRectF(rect());
    l.ifDropped = ifDropped;
    m_pending.push_back(std::move(l));
}

void TimelineWidget::placeQueuedLabels(QPainter& p) {
    std::stable_sort(
        m_pending.begin(), m_pending.end(),
        [](const PendingLabel& a, const PendingLabel& b) { return a.priority < b.priority; });
    for (const PendingLabel& l : m_pending) {
        p.setPen(l.color);
        if (!placeLabel(p, l.boxes, l.text, l.align, l.clip) && !l.ifDropped.isNull()) {
            p.save();
            p.setClipRect(l.clip);
            p.drawLine(l.ifDropped);
            p.restore();
        }
    }
    m_pending.clear();
}

void TimelineWidget::setTimeRange(TimestampNs t0, TimestampNs t1) {
    if (t1 - t0 < 100) t1 = t0 + 100;  // 100 ns is as far as zoom goes
    if (t0 == m_t0 && t1 == m_t1) return;
    m_t0 = t0;
    m_t1 = t1;
    m_userZoomed = true;
    emitRange();
    update();
}

void TimelineWidget::zoom(double factor, double anchorX) {
    const TimestampNs anchor = tOf(anchorX);
    const double a = static_cast<double>(anchor - m_t0) / static_cast<double>(m_t1 - m_t0);
    const double span = static_cast<double>(m_t1 - m_t0) * factor;
    const TimestampNs t0 = anchor - static_cast<TimestampNs>(span * a);
    setTimeRange(t0, t0 + static_cast<TimestampNs>(span));
}

void TimelineWidget::emitRange() {
    Q_EMIT timeRangeChanged(m_t0, m_t1);
}

int TimelineWidget::fixedLanesBottom() {
    return kHeaderHeight + kTcpLaneHeight + kConnLaneHeight;
}

int TimelineWidget::streamLaneHeight() {
    return kStreamLaneHeight;
}

int TimelineWidget::laneHeight(int lane) const {
    if (lane == 0) return kTcpLaneHeight;
    if (lane == 1) return kConnLaneHeight;
    return kStreamLaneHeight;
}

int TimelineWidget::laneTop(int lane) const {
    int y = kHeaderHeight;
    if (lane > 0) y += kTcpLaneHeight;
    if (lane > 1) y += kConnLaneHeight + (lane - 2) * kStreamLaneHeight - m_vbar->value();
    return y;
}

int TimelineWidget::laneAtY(int y) const {
    if (y < kHeaderHeight || m_data.lanes.empty()) return -1;
    if (y < kHeaderHeight + kTcpLaneHeight) return 0;
    if (y < kHeaderHeight + kTcpLaneHeight + kConnLaneHeight) return 1;
    const int rel = y - (kHeaderHeight + kTcpLaneHeight + kConnLaneHeight) + m_vbar->value();
    const int lane = 2 + rel / kStreamLaneHeight;
    return lane < static_cast<int>(m_data.lanes.size()) ? lane : -1;
}

void TimelineWidget::updateScrollBar() {
    const int fixed = kHeaderHeight + kTcpLaneHeight + kConnLaneHeight;
    const int streamLanes = std::max(0, static_cast<int>(m_data.lanes.size()) - 2);
    const int content = streamLanes * kStreamLaneHeight;
    const int view = std::max(0, height() - fixed);
    m_vbar->setRange(0, std::max(0, content - view));
    m_vbar->setPageStep(std::max(1, view));
    m_vbar->setSingleStep(kStreamLaneHeight);
    m_vbar->setVisible(content > view);
    const int extent = style()->pixelMetric(QStyle::PM_ScrollBarExtent);
    m_vbar->setGeometry(width() - extent, fixed, extent, view);
}

void TimelineWidget::resizeEvent(QResizeEvent*) {
    updateScrollBar();
}

void TimelineWidget::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const TimelineColors c = timelineColors(palette());
    p.fillRect(rect(), c.background);
    m_painted = 0;
    m_labels.clear();
    m_pending.clear();
    m_gridCols = width() / kCell + 1;
    m_gridRows = height() / kCell + 1;
    m_grid.assign(static_cast<std::size_t>(m_gridCols * m_gridRows), 0);
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.82));
    p.setFont(small);
    if (m_data.connIndex < 0) {
        p.setPen(c.dimText);
        p.drawText(rect(), Qt::AlignCenter, tr("Select a connection to see its timeline"));
        return;
    }
    const ConnectionData& conn = m_store->connections()[m_data.connIndex];
    const int plotRight = this->plotRight();

    // Vertical grid, then lanes (streams clipped below the fixed lanes), then the axis.
    const TimestampNs step =
        tickStep(static_cast<double>(m_t1 - m_t0) / std::max(1, plotRight - kLabelWidth), 75);
    const TimestampNs base = m_store->captureStart();
    p.setPen(c.grid);
    for (TimestampNs t = ((m_t0 - base) / step) * step + base; t < m_t1; t += step) {
        const double x = xOf(t);
        if (x >= kLabelWidth) p.drawLine(QPointF(x, kHeaderHeight), QPointF(x, height()));
    }
    // Loss and reordering across every lane: a retransmission or gap that stalls several streams
    // shows as one red band through all of them (transport head-of-line blocking).
    for (const TcpMark& m : conn.tcp) {
        if (m.ts < m_t0 || m.ts > m_t1) continue;
        if (m.kind != TcpEvent::Kind::Retransmission && m.kind != TcpEvent::Kind::Gap &&
            m.kind != TcpEvent::Kind::PartialOverlap) {
            continue;
        }
        QColor band = c.loss;
        band.setAlpha(40);
        p.fillRect(QRectF(xOf(m.ts) - 1, kHeaderHeight, 2, height() - kHeaderHeight), band);
    }
    // Audit findings (h2lens audit): the span in which a threshold was crossed, shaded through
    // every lane (orange for a warning, red for an attack) and named at the top.
    for (const Finding& f : conn.findings) {
        if (f.last < m_t0 || f.first > m_t1) continue;
        const double x0 = std::max<double>(kLabelWidth, xOf(f.first));
        const double x1 = std::min<double>(plotRight, std::max(xOf(f.last), x0 + 3));
        QColor band = f.severity() == Severity::Attack ? c.loss : c.s2c;
        band.setAlpha(38);
        p.fillRect(QRectF(x0, kHeaderHeight, x1 - x0, height() - kHeaderHeight), band);
        band.setAlpha(255);
        p.setPen(band);
        const QString name = qs(std::string(kindInfo(f.kind).title));
        p.drawText(QRectF(x0 + 2, kHeaderHeight + 1, std::max(60.0, x1 - x0), 12),
                   Qt::AlignLeft | Qt::AlignTop, name);
    }

    const int fixedBottom = kHeaderHeight + kTcpLaneHeight + kConnLaneHeight;
    p.save();
    p.setClipRect(QRect(0, fixedBottom, width(), height() - fixedBottom));
    const int first = std::max(2, laneAtY(fixedBottom));
    for (int lane = first; lane < static_cast<int>(m_data.lanes.size()); ++lane) {
        const int top = laneTop(lane);
        if (top > height()) break;
        paintLane(p, c, lane, top);
    }
    p.restore();
    for (int lane = 0; lane < std::min<int>(2, static_cast<int>(m_data.lanes.size())); ++lane) {
        paintLane(p, c, lane, laneTop(lane));
    }
    p.setPen(c.grid);
    p.drawLine(0, fixedBottom - 1, width(), fixedBottom - 1);
    p.drawLine(kLabelWidth - 1, kHeaderHeight, kLabelWidth - 1, height());

    // Answered PINGs: a bracket from PING to its ACK with the RTT.
    const int connTop = laneTop(1);
    for (const PingSpan& ps : m_data.pings) {
        if (ps.acked < m_t0 || ps.sent > m_t1) continue;
        const double x0 = xOf(ps.sent), x1 = std::max(xOf(ps.acked), x0 + 2);
        const int y = connTop + kConnLaneHeight - 5;
        p.setPen(QPen(c.dir(ps.from), 1));
        p.drawLine(QPointF(x0, y), QPointF(x1, y));
        p.drawLine(QPointF(x1, y - 3), QPointF(x1, y + 2));
        const QString rtt = tr("rtt %1").arg(qs(formatDuration(ps.acked - ps.sent)));
        const QFontMetricsF fm(p.font());
        const double w = fm.horizontalAdvance(rtt) + 2, fh = fm.height();
        p.save();
        p.setClipRect(QRect(kLabelWidth, connTop, plotRight - kLabelWidth, kConnLaneHeight));
        occupy(QRectF(x0, y - 3, x1 - x0, 6));
        const double ty = connTop + (kConnLaneHeight - fh) / 2;
        if (x1 - x0 > w + 4) {
            queueLabel(p, 2, {QRectF((x0 + x1 - w) / 2, ty, w, fh)}, rtt, Qt::AlignCenter);
        } else {
            queueLabel(p, 2, {QRectF(x1 + 5, ty, w, fh), QRectF(x0 - 5 - w, ty, w, fh)}, rtt,
                       Qt::AlignLeft | Qt::AlignVCenter);
        }
        p.restore();
    }
    placeQueuedLabels(p);

    paintAxis(p, c);
    paintOverview(p, c);

    // Rubber band
    if (m_rubber) {
        QColor fill = c.selection;
        fill.setAlpha(50);
        const int x0 = std::max(kLabelWidth, std::min(m_pressPos.x(), m_mousePos.x()));
        const int x1 = std::max(m_pressPos.x(), m_mousePos.x());
        p.fillRect(QRect(x0, kHeaderHeight, x1 - x0, height() - kHeaderHeight), fill);
        p.setPen(c.selection);
        p.drawRect(QRect(x0, kHeaderHeight, x1 - x0, height() - kHeaderHeight - 1));
        p.setPen(c.text);
        p.drawText(QPoint(x0 + 4, kHeaderHeight + 14), qs(formatDuration(tOf(x1) - tOf(x0))));
    }
    // Selected frame: a hairline through every lane.
    if (m_selectedFrame && *m_selectedFrame < conn.frames.size()) {
        const double x = xOf(conn.frames[*m_selectedFrame].ts);
        if (x >= kLabelWidth && x <= plotRight) {
            p.setPen(QPen(c.selection, 1, Qt::DashLine));
            p.drawLine(QPointF(x, kHeaderHeight), QPointF(x, height()));
        }
    }
}

void TimelineWidget::paintAxis(QPainter& p, const TimelineColors& c) {
    const int plotRight = this->plotRight();
    const int top = kOverviewHeight, bottom = kHeaderHeight;
    p.fillRect(QRect(0, top, width(), kAxisHeight), palette().color(QPalette::Window));
    p.setPen(c.grid);
    p.drawLine(0, bottom - 1, width(), bottom - 1);
    const TimestampNs step =
        tickStep(static_cast<double>(m_t1 - m_t0) / std::max(1, plotRight - kLabelWidth), 75);
    const TimestampNs base = m_store->captureStart();
    const TimestampNs magnitude = std::max(std::abs(m_t0 - base), std::abs(m_t1 - base));
    const QFontMetricsF fm(p.font());
    p.setPen(c.text);
    p.save();
    p.setClipRect(QRect(kLabelWidth, top, plotRight - kLabelWidth + kRightMargin, kAxisHeight));
    const TimestampNs first =
        m_t0 - base >= 0 ? ((m_t0 - base) / step) * step : -(((base - m_t0) / step) + 1) * step;
    for (TimestampNs t = first + base; t < m_t1; t += step) {
        const double x = xOf(t);
        if (x < kLabelWidth || x > plotRight) continue;
        p.drawLine(QPointF(x, bottom - 5), QPointF(x, bottom - 1));
        const QString label = rulerLabel(t - base, step, magnitude);
        placeLabel(p, {QRectF(x + 3, top + 1, fm.horizontalAdvance(label) + 2, kAxisHeight - 6)},
                   label);
    }
    p.restore();
    p.setPen(c.dimText);
    const QString span = tr("view %1").arg(qs(formatDuration(m_t1 - m_t0)));
    p.drawText(QRect(4, top, kLabelWidth - 8, kAxisHeight - 2), Qt::AlignLeft | Qt::AlignVCenter,
               span);
}

void TimelineWidget::paintOverview(QPainter& p, const TimelineColors& c) {
    const int plotRight = this->plotRight();
    p.fillRect(QRect(0, 0, width(), kOverviewHeight), c.laneAlt);
    p.setPen(c.dimText);
    p.drawText(QRect(4, 0, kLabelWidth - 8, kOverviewHeight), Qt::AlignLeft | Qt::AlignVCenter,
               tr("whole connection %1").arg(qs(formatDuration(m_data.end - m_data.begin))));
    const ConnectionData& conn = m_store->connections()[m_data.connIndex];
    const int cols = std::max(1, plotRight - kLabelWidth);
    // The density bars change with the data and the width only: drawn once into an image.
    if (m_overviewBinsWidth != cols || m_overviewColour != c.dimText) {
        std::vector<int> bins(static_cast<std::size_t>(cols), 0);
        for (const FrameMark& f : conn.frames) {
            const int x = static_cast<int>(overviewX(f.ts)) - kLabelWidth;
            ++bins[static_cast<std::size_t>(std::clamp(x, 0, cols - 1))];
        }
        m_overviewBinsWidth = cols;
        m_overviewColour = c.dimText;
        m_overview = QImage(cols, kOverviewHeight, QImage::Format_ARGB32_Premultiplied);
        m_overview.fill(Qt::transparent);
        QPainter ip(&m_overview);
        const int most = std::max(1, *std::max_element(bins.begin(), bins.end()));
        const double scale = (kOverviewHeight - 3) / std::log1p(most);
        for (int x = 0; x < cols; ++x) {
            const int n = bins[static_cast<std::size_t>(x)];
            if (!n) continue;
            const double h = std::max(1.0, std::log1p(n) * scale);
            ip.fillRect(QRectF(x, kOverviewHeight - 1 - h, 1, h), c.dimText);
        }
    }
    p.drawImage(kLabelWidth, 0, m_overview);
    QColor fill = c.selection;
    fill.setAlpha(60);
    const QRectF v = overviewViewRect();
    p.fillRect(v, fill);
    p.setPen(QPen(c.selection, 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(v);
    p.setPen(c.grid);
    p.drawLine(0, kOverviewHeight - 1, width(), kOverviewHeight - 1);
}

void TimelineWidget::paintLane(QPainter& p, const TimelineColors& c, int lane, int top) {
    const TimelineLane& l = m_data.lanes[lane];
    const ConnectionData& conn = m_store->connections()[m_data.connIndex];
    const int h = laneHeight(lane);
    const int plotRight = this->plotRight();
    if (lane == m_selectedLane) {
        QColor sel = c.selection;
        sel.setAlpha(45);
        p.fillRect(QRect(0, top, plotRight, h), sel);
    } else if (lane % 2 == 1) {
        p.fillRect(QRect(0, top, kLabelWidth - 1, h), c.laneAlt);
    }
    // Priority: a bar at the label's edge, darker for a more favoured stream; in priority order
    // the label is indented by its depth in the RFC 7540 tree.
    int indent = 0;
    if (l.priority) {
        QColor tint = c.selection;
        tint.setAlphaF(0.15 + 0.85 * priorityStrength(*l.priority));
        p.fillRect(QRect(0, top + 1, 4, h - 2), tint);
        if (m_order == LaneOrder::Priority) indent = 10 * std::min(l.depth, 8);
    }
    // Label
    p.setPen(l.kind == LaneKind::Stream ? (l.problem ? c.loss : c.text) : c.dimText);
    const QString label =
        p.fontMetrics().elidedText(qs(l.label), Qt::ElideRight, kLabelWidth - 10 - indent);
    p.drawText(QRect(6 + indent, top, kLabelWidth - 10 - indent, h),
               Qt::AlignLeft | Qt::AlignVCenter, label);

    p.save();
    p.setClipRect(QRect(kLabelWidth, top, plotRight - kLabelWidth, h), Qt::IntersectClip);
    if (l.kind == LaneKind::Stream && l.close >= m_t0 && l.open <= m_t1) {
        const double x0 = std::max<double>(kLabelWidth - 2, xOf(l.open));
        const double x1 = std::min<double>(plotRight + 2, std::max(xOf(l.close), x0 + 2));
        p.fillRect(QRectF(x0, top + 3, x1 - x0, h - 6), l.problem ? c.spanProblem : c.span);
        if (!l.closed) {  // still open at the end of the capture: fade out
            p.setPen(QPen(c.dimText, 1, Qt::DotLine));
            p.drawLine(QPointF(x1, top + h / 2),
                       QPointF(std::min<double>(plotRight, x1 + 20), top + h / 2));
        }
    }
    auto [from, to] = visibleMarks(conn, l, m_t0 - (m_t1 - m_t0) / 200, m_t1 + (m_t1 - m_t0) / 200);
    // Level of detail: one mark per pixel column and direction; runs inside one column are
    // skipped by binary search.
    double lastX[2] = {-1e9, -1e9};
    const double nsPerPx = static_cast<double>(m_t1 - m_t0) / std::max(1, plotRight - kLabelWidth);
    std::size_t i = from;
    while (i < to) {
        const TimestampNs t = markTime(conn, l, i);
        const double x = xOf(t);
        int d = 0;
        if (l.kind == LaneKind::Tcp) {
            d = static_cast<int>(conn.tcp[l.marks[i]].dir);
        } else {
            const FrameMark& f = conn.frames[l.marks[i]];
            d = static_cast<int>(f.dir);
        }
        if (std::floor(x) == std::floor(lastX[d])) {
            // Same pixel column as the last mark of this direction. When the next mark is of the
            // other direction, step over this one; else jump to the next column.
            auto dirAt = [&](std::size_t k) {
                return l.kind == LaneKind::Tcp ? static_cast<int>(conn.tcp[l.marks[k]].dir)
                                               : static_cast<int>(conn.frames[l.marks[k]].dir);
            };
            if (i + 1 < to && dirAt(i + 1) != d) {
                ++i;
                continue;
            }
            const TimestampNs next = std::max(tOf(std::floor(x) + 1.0), t + 1);
            i = std::max(visibleMarks(conn, l, next, next).first, i + 1);
            continue;
        }
        lastX[d] = x;
        ++m_painted;
        if (l.kind == LaneKind::Tcp) {
            paintTcpMark(p, c, conn.tcp[l.marks[i]], x, top, h);
        } else {
            const FrameMark& f = conn.frames[l.marks[i]];
            // Room for a size label: the next mark of the lane is far enough away.
            bool room = false;
            if (f.type == 0x0 && nsPerPx > 0) {
                const double nextX = i + 1 < l.marks.size() ? xOf(markTime(conn, l, i + 1)) : 1e9;
                room = nextX - x > 26;
            }
            paintFrameMark(p, c, f, x, top, h, room);
            if (m_selectedFrame && *m_selectedFrame == l.marks[i]) {
                p.setPen(QPen(c.selection, 2));
                p.setBrush(Qt::NoBrush);
                p.drawRect(QRectF(x - 4, top + 1, 8, h - 2));
            }
        }
        ++i;
    }
    p.restore();
}

void TimelineWidget::paintFrameMark(QPainter& p, const TimelineColors& c, const FrameMark& f,
                                    double x, int top, int h, bool roomForLabel) {
    const bool up = f.dir == Direction::ClientToServer;  // C->S above the midline, S->C below
    const double mid = top + h / 2.0;
    const double half = h / 2.0 - 1.5;
    const QColor col = c.dir(f.dir);
    p.setPen(Qt::NoPen);
    QRectF box(x - 1, mid - 1, 2, 2);  // what the mark covers: no label goes there
    switch (static_cast<FrameType>(f.type)) {
        case FrameType::Headers:
        case FrameType::Continuation: {
            box = QRectF(x - 3.5, up ? mid - half : mid, 7, half);
            QPainterPath tri;
            const double tip = up ? mid - half : mid + half;
            tri.moveTo(x - 3.5, mid);
            tri.lineTo(x + 3.5, mid);
            tri.lineTo(x, tip);
            tri.closeSubpath();
            p.setBrush(f.type == 0x9 ? col.lighter(130) : col);
            p.drawPath(tri);
            break;
        }
        case FrameType::Data: {
            const double frac = std::min(1.0, std::max(0.18, f.dataLength / 16384.0));
            const double len = half * frac;
            box = QRectF(x - 1, up ? mid - len : mid, 2.5, len);
            p.fillRect(box, col);
            if (roomForLabel) {
                p.setPen(col);
                const QString t = sizeLabel(f.dataLength);
                const QFontMetricsF fm(p.font());
                const double w = fm.horizontalAdvance(t) + 1;
                const double y = up ? mid - fm.height() : mid;
                queueLabel(p, 3,
                           {QRectF(x + 3, y, w, fm.height()), QRectF(x + 7, y, w, fm.height())}, t,
                           Qt::AlignLeft | Qt::AlignVCenter);
            }
            break;
        }
        case FrameType::RstStream:
            box = QRectF(x - 4.5, mid - 5, 9, 10);
            p.setPen(QPen(c.rst, 2));
            p.drawLine(QPointF(x - 3.5, mid - 4), QPointF(x + 3.5, mid + 4));
            p.drawLine(QPointF(x - 3.5, mid + 4), QPointF(x + 3.5, mid - 4));
            break;
        case FrameType::PushPromise: {
            box = QRectF(x - 4, mid - 5, 8, 10);
            QPolygonF dia;
            dia << QPointF(x, mid - 5) << QPointF(x + 4, mid) << QPointF(x, mid + 5)
                << QPointF(x - 4, mid);
            p.setBrush(c.push);
            p.drawPolygon(dia);
            break;
        }
        case FrameType::Settings: {
            const QRectF r(x - 3.5, up ? mid - 8 : mid + 1, 7, 7);
            box = r;
            if (f.flags & 0x1) {
                p.setPen(QPen(col, 1));
                p.setBrush(Qt::NoBrush);
            } else {
                p.setBrush(col);
            }
            p.drawRect(r);
            break;
        }
        case FrameType::Ping: {
            const QRectF r(x - 3.5, up ? mid - 8 : mid + 1, 7, 7);
            box = r;
            if (f.flags & 0x1) {
                p.setPen(QPen(col, 1));
                p.setBrush(Qt::NoBrush);
            } else {
                p.setBrush(col);
            }
            p.drawEllipse(r);
            break;
        }
        case FrameType::Goaway:
            box = QRectF(x - 1.5, top + 1, 3, h - 2);
            p.fillRect(box, c.goaway);
            p.setPen(c.goaway);
            {
                const QString t = QStringLiteral("GOAWAY");
                const QFontMetricsF fm(p.font());
                const double w = fm.horizontalAdvance(t) + 1, fh = fm.height();
                queueLabel(p, 0, {QRectF(x + 3, top, w, fh), QRectF(x - 3 - w, top, w, fh)}, t,
                           Qt::AlignLeft | Qt::AlignTop);
            }
            break;
        case FrameType::WindowUpdate: {
            QColor w = col;
            w.setAlpha(150);
            box = QRectF(x - 0.5, up ? mid - 3 : mid, 1, 3);
            p.fillRect(box, w);
            break;
        }
        default: {  // PRIORITY and the rest: a small dot on the midline
            QColor w = c.dimText;
            p.fillRect(QRectF(x - 1, mid - 1, 2, 2), w);
            break;
        }
    }
    if ((f.type == 0x0 || f.type == 0x1) && (f.flags & 0x1)) {  // END_STREAM: a flag at the tip
        const double y0 = up ? mid - half : mid + half;
        p.setPen(QPen(c.text, 1));
        p.drawLine(QPointF(x + 1.5, mid), QPointF(x + 1.5, y0));
        p.fillRect(QRectF(x + 1.5, up ? y0 : y0 - 3, 4, 3), c.text);
        occupy(QRectF(x + 1, up ? y0 : mid, 5, half));
    }
    occupy(box);
    if (f.malformed) {
        p.setPen(QPen(c.loss, 1));
        p.setBrush(Qt::NoBrush);
        p.drawEllipse(QPointF(x, mid), 5, 5);
    }
}

void TimelineWidget::paintTcpMark(QPainter& p, const TimelineColors& c, const TcpMark& m, double x,
                                  int top, int h) {
    switch (m.kind) {
        case TcpEvent::Kind::Retransmission:
        case TcpEvent::Kind::PartialOverlap:
        case TcpEvent::Kind::OverlapMismatch:
            occupy(QRectF(x - 2, top + 2, 5, h - 4));
            p.fillRect(QRectF(x - 1, top + 2, 2.5, h - 4), c.loss);
            break;
        case TcpEvent::Kind::OutOfOrder:
            occupy(QRectF(x - 2, top + 2, 5, h - 4));
            p.fillRect(QRectF(x - 1, top + 2, 2.5, h - 4), c.reorder);
            break;
        case TcpEvent::Kind::Gap:
            occupy(QRectF(x - 2, top + 2, 5, h - 4));
            p.fillRect(QRectF(x - 2, top + 2, 5, h - 4), c.gap);
            break;
        case TcpEvent::Kind::DataAfterFin:
            p.fillRect(QRectF(x - 1, top + 3, 2, h - 6), c.loss);
            break;
        case TcpEvent::Kind::Syn:
        case TcpEvent::Kind::Fin:
        case TcpEvent::Kind::Rst: {
            const char* t =
                m.kind == TcpEvent::Kind::Syn ? "S" : (m.kind == TcpEvent::Kind::Fin ? "F" : "R");
            p.setPen(m.kind == TcpEvent::Kind::Rst ? c.loss : c.dimText);
            const QFontMetricsF fm(p.font());
            const double w = fm.horizontalAdvance(QString::fromLatin1(t)) + 1;
            const double fh = std::min<double>(fm.height(), h);
            queueLabel(p, 1, {QRectF(x - w / 2, top + (h - fh) / 2, w, fh)}, QString::fromLatin1(t),
                       Qt::AlignCenter, QLineF(x, top + 3, x, top + h - 3));  // no room: a tick
            break;
        }
    }
}

TimelineWidget::Hit TimelineWidget::hitTest(QPoint pos) const {
    Hit h;
    h.lane = laneAtY(pos.y());
    if (h.lane < 0 || m_data.connIndex < 0 || pos.x() < kLabelWidth) return h;
    const ConnectionData& conn = m_store->connections()[m_data.connIndex];
    const TimelineLane& l = m_data.lanes[h.lane];
    auto [from, to] = visibleMarks(conn, l, tOf(pos.x() - 6), tOf(pos.x() + 6));
    double best = 7;
    const double mid = laneTop(h.lane) + laneHeight(h.lane) / 2.0;
    for (std::size_t i = from; i < to; ++i) {
        double d = std::abs(xOf(markTime(conn, l, i)) - pos.x());
        if (l.kind != LaneKind::Tcp) {
            // Prefer the direction on the half of the lane under the cursor.
            const bool up = conn.frames[l.marks[i]].dir == Direction::ClientToServer;
            if (up != (pos.y() < mid)) d += 2;
        }
        if (d < best) {
            best = d;
            h.mark = i;
        }
    }
    return h;
}

QString TimelineWidget::tooltipFor(const Hit& h) const {
    if (h.lane < 0) return {};
    const ConnectionData& conn = m_store->connections()[m_data.connIndex];
    const TimelineLane& l = m_data.lanes[h.lane];
    const TimestampNs base = m_store->captureStart();
    if (!h.mark) {
        if (l.kind != LaneKind::Stream) return qs(l.label);
        QString tip =
            tr("<b>stream %1</b><br>%2<br>open %3 → %4 (%5)")
                .arg(l.streamId)
                .arg(qs(l.label).toHtmlEscaped())
                .arg(qs(formatDuration(l.open - base)), qs(formatDuration(l.close - base)),
                     qs(formatDuration(l.close - l.open)));
        if (l.priority) tip += tr("<br>priority: %1").arg(qs(priorityText(*l.priority)));
        return tip;
    }
    if (l.kind == LaneKind::Tcp) {
        const TcpMark& m = conn.tcp[l.marks[*h.mark]];
        return tr("<b>TCP %1</b> %2<br>t = %3<br>packet %4, offset %5, %6 bytes")
            .arg(QString::fromUtf8(tcpEventName(m.kind).data(),
                                   static_cast<int>(tcpEventName(m.kind).size())))
            .arg(dirArrow(m.dir), qs(formatDuration(m.ts - base)))
            .arg(m.packet)
            .arg(m.offset)
            .arg(m.length);
    }
    const FrameMark& f = conn.frames[l.marks[*h.mark]];
    QString s = tr("<b>%1</b> %2 stream %3<br>t = %4<br>length %5")
                    .arg(qs(frameTypeName(f.type)), dirArrow(f.dir))
                    .arg(f.streamId)
                    .arg(qs(formatDuration(f.ts - base)))
                    .arg(f.length);
    if (f.flags) s += tr(", flags %1").arg(qs(frameFlagNames(f.type, f.flags)));
    const std::string detail = frameDetailText(conn, f);
    if (!detail.empty()) s += "<br>" + qs(detail).toHtmlEscaped();
    if (f.type == 0x6 && (f.flags & 1)) {
        for (const PingSpan& ps : m_data.pings) {
            if (ps.acked == f.ts) s += tr("<br>RTT %1").arg(qs(formatDuration(ps.acked - ps.sent)));
        }
    }
    return s;
}

bool TimelineWidget::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        const QString tip = tooltipFor(hitTest(he->pos()));
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(he->globalPos(), tip, this);
        return true;
    }
    if (e->type() == QEvent::PaletteChange) update();
    return QWidget::event(e);
}

void TimelineWidget::mousePressEvent(QMouseEvent* e) {
    m_pressPos = m_mousePos = e->pos();
    m_pressButton = e->button();
    m_panT0 = m_t0;
    m_panT1 = m_t1;
    m_panScroll = m_vbar->value();
    m_rubber = false;
    m_dragged = false;
    m_overviewDrag = false;
    if (e->button() == Qt::LeftButton && e->pos().y() < kOverviewHeight &&
        e->pos().x() >= kLabelWidth && m_data.connIndex >= 0) {
        // The overview strip: grabbing the frame drags it; elsewhere the view jumps there first.
        m_overviewDrag = true;
        const QRectF frame = overviewViewRect();
        m_overviewGrab = frame.contains(QPointF(e->pos().x(), frame.center().y()))
                             ? e->pos().x() - frame.center().x()
                             : 0;
        if (m_overviewGrab == 0) centreOn(overviewT(e->pos().x()));
        return;
    }
    // Left drag pans (shift: zooms to the rubber band), middle drag pans, right drag zooms.
    m_panning = e->button() == Qt::MiddleButton ||
                (e->button() == Qt::LeftButton && !(e->modifiers() & Qt::ShiftModifier));
}

void TimelineWidget::mouseMoveEvent(QMouseEvent* e) {
    m_mousePos = e->pos();
    if (m_overviewDrag) {
        centreOn(overviewT(e->pos().x() - m_overviewGrab));
        return;
    }
    const bool moved =
        std::abs(e->pos().x() - m_pressPos.x()) > 4 || std::abs(e->pos().y() - m_pressPos.y()) > 4;
    if ((m_pressButton == Qt::LeftButton || m_pressButton == Qt::RightButton) && !m_panning) {
        if (!m_rubber && std::abs(e->pos().x() - m_pressPos.x()) > 4 &&
            m_pressPos.x() >= kLabelWidth) {
            m_rubber = true;
        }
        if (m_rubber) update();
    } else if (m_panning && (moved || m_dragged)) {
        m_dragged = true;  // no click selection on release
        setCursor(Qt::ClosedHandCursor);
        const double w = std::max(1, plotRight() - kLabelWidth);
        const TimestampNs dt = static_cast<TimestampNs>((e->pos().x() - m_pressPos.x()) *
                                                        static_cast<double>(m_panT1 - m_panT0) / w);
        m_t0 = m_panT0 - dt;
        m_t1 = m_panT1 - dt;
        m_userZoomed = true;
        m_vbar->setValue(m_panScroll - (e->pos().y() - m_pressPos.y()));
        emitRange();
        update();
    }
}

void TimelineWidget::mouseReleaseEvent(QMouseEvent* e) {
    if (m_overviewDrag) {
        m_overviewDrag = false;
        m_pressButton = Qt::NoButton;
        return;
    }
    if (m_panning && m_dragged) {  // end of a pan
        unsetCursor();
        m_dragged = false;
        m_panning = false;
        m_pressButton = Qt::NoButton;
        return;
    }
    if (m_rubber) {
        const int x0 = std::max(kLabelWidth, std::min(m_pressPos.x(), e->pos().x()));
        const int x1 = std::max(m_pressPos.x(), e->pos().x());
        m_rubber = false;
        if (x1 - x0 > 3) setTimeRange(tOf(x0), tOf(x1));
        update();
    } else if (m_pressButton == Qt::LeftButton) {
        const Hit h = hitTest(e->pos());
        if (h.lane >= 0) {
            const TimelineLane& l = m_data.lanes[h.lane];
            m_selectedLane = h.lane;
            if (h.mark && l.kind != LaneKind::Tcp) {
                m_selectedFrame = l.marks[*h.mark];
                Q_EMIT frameActivated(m_data.connIndex, *m_selectedFrame);
            } else if (l.kind == LaneKind::Stream || l.kind == LaneKind::Connection) {
                Q_EMIT streamActivated(m_data.connIndex, l.streamId);
            }
            update();
        }
    }
    m_pressButton = Qt::NoButton;
    m_panning = false;
}

void TimelineWidget::mouseDoubleClickEvent(QMouseEvent* e) {
    // Double-click a stream: zoom to its lifetime.
    const int lane = laneAtY(e->pos().y());
    if (lane >= 2) {
        const TimelineLane& l = m_data.lanes[lane];
        const TimestampNs span = std::max<TimestampNs>(l.close - l.open, 1000);
        setTimeRange(l.open - span / 20, l.close + span / 20);
    } else if (lane >= 0) {
        fit();
    }
}

void TimelineWidget::wheelEvent(QWheelEvent* e) {
    const QPoint delta = e->angleDelta();
    if (e->position().x() < kLabelWidth || (e->modifiers() & Qt::ShiftModifier)) {
        m_vbar->setValue(m_vbar->value() - delta.y() / 120 * 3 * kStreamLaneHeight);
        return;
    }
    if (delta.x() != 0 && std::abs(delta.x()) > std::abs(delta.y())) {
        const TimestampNs dt = (m_t1 - m_t0) * delta.x() / 1200;
        setTimeRange(m_t0 - dt, m_t1 - dt);
        return;
    }
    if (delta.y() == 0) return;
    zoom(std::pow(0.8, delta.y() / 120.0), e->position().x());
}

void TimelineWidget::keyPressEvent(QKeyEvent* e) {
    const double centre = (kLabelWidth + width()) / 2.0;
    const TimestampNs span = m_t1 - m_t0;
    const bool ctrl = e->modifiers() & Qt::ControlModifier;
    switch (e->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal:
            zoom(0.7, centre);
            return;
        case Qt::Key_Minus:
            zoom(1 / 0.7, centre);
            return;
        case Qt::Key_F:
            fitStreams();
            return;
        case Qt::Key_0:
            fit();
            return;
        case Qt::Key_Left:
            if (ctrl || !m_selectedFrame)
                setTimeRange(m_t0 - span / 8, m_t1 - span / 8);
            else
                stepMark(-1);
            return;
        case Qt::Key_Right:
            if (ctrl || !m_selectedFrame)
                setTimeRange(m_t0 + span / 8, m_t1 + span / 8);
            else
                stepMark(+1);
            return;
        case Qt::Key_Up:
        case Qt::Key_Down: {
            const int n = static_cast<int>(m_data.lanes.size());
            if (n < 2) return;
            int lane = m_selectedLane < 1 ? 1 : m_selectedLane + (e->key() == Qt::Key_Up ? -1 : 1);
            lane = std::clamp(lane, 1, n - 1);
            m_selectedLane = lane;
            m_selectedFrame.reset();
            ensureLaneVisible(lane);
            Q_EMIT streamActivated(m_data.connIndex, m_data.lanes[lane].streamId);
            update();
            return;
        }
        case Qt::Key_PageUp:
            m_vbar->setValue(m_vbar->value() - m_vbar->pageStep());
            return;
        case Qt::Key_PageDown:
            m_vbar->setValue(m_vbar->value() + m_vbar->pageStep());
            return;
        default:
            QWidget::keyPressEvent(e);
    }
}

void TimelineWidget::stepMark(int delta) {
    if (m_selectedLane < 0 || !m_selectedFrame) return;
    const TimelineLane& l = m_data.lanes[m_selectedLane];
    if (l.kind == LaneKind::Tcp) return;
    auto it =
        std::find(l.marks.begin(), l.marks.end(), static_cast<std::uint32_t>(*m_selectedFrame));
    if (it == l.marks.end()) return;
    const auto pos = (it - l.marks.begin()) + delta;
    if (pos < 0 || pos >= static_cast<long>(l.marks.size())) return;
    m_selectedFrame = l.marks[pos];
    const TimestampNs t = m_store->connections()[m_data.connIndex].frames[*m_selectedFrame].ts;
    if (t < m_t0 || t > m_t1) setTimeRange(t - (m_t1 - m_t0) / 2, t + (m_t1 - m_t0) / 2);
    Q_EMIT frameActivated(m_data.connIndex, *m_selectedFrame);
    update();
}

void TimelineWidget::ensureLaneVisible(int lane) {
    if (lane < 2) return;
    const int fixed = kAxisHeight + kTcpLaneHeight + kConnLaneHeight;
    const int y = (lane - 2) * kStreamLaneHeight;
    const int view = height() - fixed;
    // Out of view: brought to the middle (a lane put at the very edge is easily missed).
    if (y < m_vbar->value() || y + kStreamLaneHeight > m_vbar->value() + view)
        m_vbar->setValue(y + kStreamLaneHeight / 2 - view / 2);
}

void TimelineWidget::selectStream(std::uint32_t streamId, bool scrollTo) {
    const int lane = m_data.laneOfStream(streamId);
    m_selectedLane = lane;
    if (lane >= 0 && scrollTo) ensureLaneVisible(lane);
    update();
}

void TimelineWidget::selectFrame(std::optional<std::size_t> frameIndex, bool scrollTo) {
    m_selectedFrame = frameIndex;
    if (frameIndex && m_data.connIndex >= 0) {
        const ConnectionData& conn = m_store->connections()[m_data.connIndex];
        if (*frameIndex < conn.frames.size()) {
            const FrameMark& f = conn.frames[*frameIndex];
            m_selectedLane = m_data.laneOfStream(f.streamId);
            if (scrollTo) {
                ensureLaneVisible(m_selectedLane);
                if (f.ts < m_t0 || f.ts > m_t1) {
                    const TimestampNs half = (m_t1 - m_t0) / 2;
                    setTimeRange(f.ts - half, f.ts + half);
                }
            }
        }
    }
    update();
}

}  // namespace h2lens::gui
