#include "app/window_chart.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <QWheelEvent>
#include <cmath>

#include "h2/names.h"

namespace h2lens::gui {

namespace {
constexpr int kTop = 4;
constexpr int kBottom = 16;

// Bytes in the unit of `unitOf` (k = 1024), with `decimals`.
QString inUnit(double v, double unitOf, int decimals) {
    constexpr double kKi = 1024, kMi = kKi * 1024, kGi = kMi * 1024;
    const double a = std::abs(unitOf);
    if (a >= kGi) return QString::number(v / kGi, 'f', decimals) + "G";
    if (a >= kMi) return QString::number(v / kMi, 'f', decimals) + "M";
    if (a >= kKi) return QString::number(v / kKi, 'f', decimals) + "k";
    return QString::number(v, 'f', 0);
}

// "0 – 64k", "1023.98M – 1024.00M": both ends in one unit, with as many decimals (up to 3) as
// it takes for them to read differently; a series that never changes shows its one value.
QString rangeText(const SeriesRange& r, bool constant, double value) {
    if (constant) return QStringLiteral("= %1").arg(inUnit(value, value, 1));
    const double unitOf = std::max(std::abs(r.lo), std::abs(r.hi));
    int decimals = 0;
    while (decimals < 3 && inUnit(r.lo, unitOf, decimals) == inUnit(r.hi, unitOf, decimals))
        ++decimals;
    if (inUnit(r.lo, unitOf, decimals) == inUnit(r.hi, unitOf, decimals))  // bytes, then
        return QStringLiteral("%1 – %2").arg(r.lo, 0, 'f', 0).arg(r.hi, 0, 'f', 0);
    return QStringLiteral("%1 – %2").arg(
        r.lo == 0 ? QStringLiteral("0") : inUnit(r.lo, unitOf, decimals),
        inUnit(r.hi, unitOf, decimals));
}

QString qs(std::string_view s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}
}  // namespace

WindowChart::WindowChart(const CaptureStore* store, QWidget* parent)
    : QWidget(parent), m_store(store) {
    setMinimumHeight(90);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(true);
}

void WindowChart::setSelection(int connIndex, const StreamData* stream) {
    m_conn = connIndex;
    m_streamId = stream ? stream->rec.id : 0;
    m_data = connIndex >= 0 ? windowChartData(m_store->connections()[connIndex], stream)
                            : WindowChartData{};
    update();
}

void WindowChart::setTimeRange(TimestampNs t0, TimestampNs t1) {
    m_t0 = t0;
    m_t1 = std::max(t1, t0 + 1);
    update();
}

double WindowChart::xOf(TimestampNs t) const {
    const double w = std::max(1, plotRightOf(this) - kLabelWidth);
    return kLabelWidth + static_cast<double>(t - m_t0) * w / static_cast<double>(m_t1 - m_t0);
}

TimestampNs WindowChart::tOf(double x) const {
    const double w = std::max(1, plotRightOf(this) - kLabelWidth);
    return m_t0 +
           static_cast<TimestampNs>((x - kLabelWidth) * static_cast<double>(m_t1 - m_t0) / w);
}

const FrameMark* WindowChart::frameThatSet(const WindowSeries& s, TimestampNs ts) const {
    if (m_conn < 0) return nullptr;
    const ConnectionData& c = m_store->connections()[m_conn];
    const std::uint32_t sid = s.connectionLevel ? 0 : m_streamId;
    const FrameMark* any = nullptr;
    for (const FrameMark& f : c.frames) {
        if (f.ts != ts) continue;
        const bool fromSender = f.dir == s.sender;
        if (f.type == 0x0 && fromSender && (s.connectionLevel || f.streamId == sid)) return &f;
        if (f.type == 0x8 && !fromSender && f.streamId == sid) return &f;
        if (f.type == 0x4 && !fromSender && !s.connectionLevel) return &f;
        if (!any && (s.connectionLevel || f.streamId == sid)) any = &f;
    }
    return any;
}

QString WindowChart::legendTooltipAt(double y) const {
    int n = 0;
    for (const WindowSeries& s : m_data.series) n += s.points.empty() ? 0 : 1;
    if (n == 0) return {};
    const double rowH = static_cast<double>(height() - kBottom - kTop) / n;
    const int row = static_cast<int>(std::floor((y - kTop) / rowH));
    int k = -1;
    for (const WindowSeries& s : m_data.series) {
        if (s.points.empty() || ++k != row) continue;
        const SeriesRange r = seriesRange(s, m_t0, m_t1);
        return tr("<b>%1</b> send window<br>row scale %2 … %3 bytes%4")
            .arg(QString::fromStdString(s.label))
            .arg(r.lo, 0, 'f', 0)
            .arg(r.hi, 0, 'f', 0)
            .arg(r.zeroBased ? QString() : tr(" (not from 0)"));
    }
    return {};
}

QString WindowChart::tooltipAt(double x) const {
    if (m_conn < 0 || x < kLabelWidth) return {};
    const TimestampNs t = tOf(x);
    const TimestampNs base = m_store->captureStart();
    QString tip = tr("<b>t = %1</b><br>").arg(qs(formatDuration(t - base)));
    bool anyValue = false;
    for (const WindowSeries& s : m_data.series) {
        auto it = std::upper_bound(s.points.begin(), s.points.end(), t,
                                   [](TimestampNs v, const WindowPoint& p) { return v < p.ts; });
        if (it == s.points.begin()) continue;
        const WindowPoint& pt = *std::prev(it);
        anyValue = true;
        tip += tr("%1: <b>%2</b> bytes").arg(QString::fromStdString(s.label)).arg(pt.value);
        QString by;
        if (const FrameMark* f = frameThatSet(s, pt.ts)) {
            by = tr(" by %1 %2")
                     .arg(qs(frameTypeName(f->type)), f->dir == Direction::ClientToServer
                                                          ? QStringLiteral("C→S")
                                                          : QStringLiteral("S→C"));
            if (f->streamId) by += tr(" on stream %1").arg(f->streamId);
            if (f->type == 0x8) by += tr(" (+%1)").arg(f->value);
            if (f->type == 0x0) by += tr(" (%1 bytes)").arg(f->dataLength);
        }
        tip += tr(", set at %1%2<br>").arg(qs(formatDuration(pt.ts - base)), by);
    }
    for (const FlowStall& st : m_data.stalls) {
        if (t >= st.start && (!st.end || t <= *st.end)) {
            tip += tr("<b>stall</b>: %1 blocked on the %2 window<br>")
                       .arg(st.sender == Direction::ClientToServer ? tr("client") : tr("server"))
                       .arg(st.streamId ? tr("stream %1").arg(st.streamId) : tr("connection"));
        }
    }
    return anyValue ? tip : QString();
}

bool WindowChart::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        const QString tip =
            he->pos().x() < kLabelWidth ? legendTooltipAt(he->pos().y()) : tooltipAt(he->pos().x());
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(he->globalPos(), tip, this);
        return true;
    }
    if (e->type() == QEvent::PaletteChange) update();
    return QWidget::event(e);
}

void WindowChart::wheelEvent(QWheelEvent* e) {
    const int dy = e->angleDelta().y();
    if (dy == 0 || e->position().x() < kLabelWidth) return;
    Q_EMIT zoomRequested(std::pow(0.8, dy / 120.0), tOf(e->position().x()));
}

void WindowChart::mousePressEvent(QMouseEvent* e) {
    if (e->button() != Qt::LeftButton && e->button() != Qt::MiddleButton) return;
    m_pressX = e->pos().x();
    m_pressT0 = m_t0;
    m_pressT1 = m_t1;
}

void WindowChart::mouseMoveEvent(QMouseEvent* e) {
    if (m_pressX < 0) return;
    const double w = std::max(1, plotRightOf(this) - kLabelWidth);
    const auto dt = static_cast<TimestampNs>((e->pos().x() - m_pressX) *
                                             static_cast<double>(m_pressT1 - m_pressT0) / w);
    Q_EMIT panRequested(m_pressT0 - dt, m_pressT1 - dt);
}

void WindowChart::mouseReleaseEvent(QMouseEvent*) {
    m_pressX = -1;
}

void WindowChart::drawText(QPainter& p, const QRectF& r, int align, const QString& text) {
    m_labels.push_back(p.boundingRect(r, align, text));
    p.drawText(r, align, text);
}

void WindowChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const TimelineColors c = timelineColors(palette());
    p.fillRect(rect(), c.background);
    m_painted.assign(m_data.series.size(), PaintedSeries{});
    m_labels.clear();
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.82));
    p.setFont(small);
    const QFontMetricsF fm(small);
    const int plotRight = plotRightOf(this);
    const int top = kTop, bottom = height() - kBottom;
    p.setPen(c.grid);
    p.drawLine(kLabelWidth - 1, 0, kLabelWidth - 1, height());
    if (m_conn < 0 || m_data.series.empty()) {
        p.setPen(c.dimText);
        p.drawText(rect().adjusted(kLabelWidth, 0, 0, 0), Qt::AlignCenter,
                   tr("Flow-control windows"));
        return;
    }
    // Stalls: shaded columns through every row.
    for (const FlowStall& st : m_data.stalls) {
        const TimestampNs end = st.end.value_or(m_t1);
        if (end < m_t0 || st.start > m_t1) continue;
        const double x0 = std::max<double>(kLabelWidth, xOf(st.start));
        const double x1 = std::min<double>(plotRight, std::max(xOf(end), x0 + 2));
        QColor shade = c.loss;
        shade.setAlpha(st.streamId ? 45 : 30);
        p.fillRect(QRectF(x0, top, x1 - x0, bottom - top), shade);
    }
    // One row per series that has values (a direction that never sent has none).
    int n = 0;
    for (const WindowSeries& s : m_data.series) n += s.points.empty() ? 0 : 1;
    const double rowH = static_cast<double>(bottom - top) / std::max(1, n);
    int row = -1;
    for (int si = 0; si < static_cast<int>(m_data.series.size()); ++si) {
        const WindowSeries& s = m_data.series[static_cast<std::size_t>(si)];
        if (s.points.empty()) continue;
        ++row;
        const double rowTop = top + row * rowH;
        const double yHi = rowTop + 2, yLo = rowTop + rowH - 3;
        m_painted[static_cast<std::size_t>(si)].rowHeight = static_cast<int>(rowH);
        p.setPen(c.grid);
        if (row > 0) p.drawLine(QPointF(0, rowTop), QPointF(plotRight, rowTop));
        const QPen pen(c.dir(s.sender), s.connectionLevel ? 1.2 : 1.8,
                       s.connectionLevel ? Qt::DashLine : Qt::SolidLine);
        // Legend: sample line, name, the row's range.
        const double ly = rowTop + std::min(rowH / 2, 9.0);
        p.setPen(pen);
        p.drawLine(QPointF(6, ly), QPointF(22, ly));
        p.setPen(c.text);
        const QString name = QString::fromStdString(s.label);
        const double nameW = fm.horizontalAdvance(name) + 2;
        drawText(p, QRectF(26, ly - fm.height() / 2, nameW, fm.height()),
                 Qt::AlignLeft | Qt::AlignVCenter, name);
        const SeriesRange r = seriesRange(s, m_t0, m_t1);
        auto heldAt =
            std::upper_bound(s.points.begin(), s.points.end(), m_t0,
                             [](TimestampNs v, const WindowPoint& pt) { return v < pt.ts; });
        if (heldAt != s.points.begin()) --heldAt;
        bool constant = true;
        for (auto k = heldAt; k != s.points.end() && k->ts <= m_t1; ++k)
            constant = constant && k->value == heldAt->value;
        const QString range = rangeText(r, constant, static_cast<double>(heldAt->value)) +
                              (r.zeroBased || constant ? QString() : QStringLiteral(" ↕"));
        const double rangeW = fm.horizontalAdvance(range) + 2;
        p.setPen(c.dimText);
        // The range beside the name, or under it when it does not fit there; else in the tooltip.
        if (26 + nameW + 6 + rangeW <= kLabelWidth - 6) {
            drawText(p, QRectF(kLabelWidth - 6 - rangeW, ly - fm.height() / 2, rangeW, fm.height()),
                     Qt::AlignRight | Qt::AlignVCenter, range);
        } else if (ly + fm.height() / 2 + fm.height() <= rowTop + rowH &&
                   26 + rangeW <= kLabelWidth - 6) {
            drawText(p, QRectF(26, ly + fm.height() / 2, rangeW, fm.height()),
                     Qt::AlignLeft | Qt::AlignVCenter, range);
        }
        auto yOf = [&](double v) {
            const double f = (std::clamp(v, r.lo, r.hi) - r.lo) / (r.hi - r.lo);
            return yLo - f * (yLo - yHi);
        };
        if (r.zeroBased && r.lo < 0) {
            p.setPen(QPen(c.grid, 1, Qt::DotLine));
            p.drawLine(QPointF(kLabelWidth, yOf(0)), QPointF(plotRight, yOf(0)));
        }
        // Step line with per-pixel min/max.
        p.save();
        p.setClipRect(QRect(kLabelWidth, static_cast<int>(rowTop), plotRight - kLabelWidth,
                            static_cast<int>(rowH) + 1));
        p.setPen(pen);
        auto it = std::upper_bound(s.points.begin(), s.points.end(), m_t0,
                                   [](TimestampNs v, const WindowPoint& pt) { return v < pt.ts; });
        if (it != s.points.begin()) --it;
        QPolygonF line;
        double col = -1e9;  // the pixel column being gathered
        double colMin = 0, colMax = 0, held = static_cast<double>(it->value);
        auto flush = [&] {  // the column's range, ending on its last value
            if (col < -1e8) return;
            if (colMin != colMax) line << QPointF(col, yOf(colMin)) << QPointF(col, yOf(colMax));
            line << QPointF(col, yOf(held));
        };
        for (; it != s.points.end(); ++it) {
            const double x = std::floor(std::max<double>(kLabelWidth - 1, xOf(it->ts)));
            const double v = static_cast<double>(it->value);
            if (x == col) {
                colMin = std::min(colMin, v);
                colMax = std::max(colMax, v);
                held = v;
                continue;
            }
            flush();
            if (x > plotRight) {
                col = -1e9;
                break;
            }
            line << QPointF(x, yOf(held));  // step: hold the previous value up to x
            col = x;
            colMin = colMax = held = v;
            line << QPointF(x, yOf(v));
        }
        flush();
        line << QPointF(plotRight + 1, yOf(held));
        p.drawPolyline(line);
        p.restore();
        PaintedSeries& ps = m_painted[static_cast<std::size_t>(si)];
        for (const QPointF& pt : line) {
            ps.top = ps.top < 0 ? pt.y() : std::min(ps.top, pt.y());
            ps.bottom = std::max(ps.bottom, pt.y());
        }
    }
    p.setPen(c.dimText);
    // The longest caption that fits (the legend's line styles say the rest).
    const QString stalls =
        m_data.stalls.empty() ? QString() : tr(" (%1)").arg(m_data.stalls.size());
    const QRectF capRect(kLabelWidth + 4, bottom + 1, plotRight - kLabelWidth - 4, kBottom - 1);
    QString caption;
    for (const QString& text :
         {tr("send windows (bytes), one scale per row (↕: not from 0) · dashed: connection, "
             "solid: stream · shaded: stall%1"),
          tr("send windows, one scale per row (↕: not from 0) · shaded: stall%1"),
          tr("one scale per row (↕: not from 0) · shaded: stall%1")}) {
        caption = text.arg(stalls);
        if (fm.horizontalAdvance(caption) <= capRect.width()) break;
    }
    drawText(p, capRect, Qt::AlignLeft | Qt::AlignVCenter,
             fm.elidedText(caption, Qt::ElideRight, capRect.width()));
}

}  // namespace h2lens::gui
