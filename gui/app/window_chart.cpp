#include "app/window_chart.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <cmath>

namespace h2lens::gui {

namespace {
constexpr int kRightMargin = 6;
constexpr int kTop = 6;
constexpr int kBottom = 16;

QString shortBytes(double v) {
    const double a = std::abs(v);
    if (a >= 1024 * 1024)
        return QString::number(v / (1024 * 1024), 'f', a >= 10 * 1024 * 1024 ? 0 : 1) + "M";
    if (a >= 1024) return QString::number(v / 1024, 'f', 0) + "k";
    return QString::number(v, 'f', 0);
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
    const double w = std::max(1, width() - kLabelWidth - kRightMargin);
    return kLabelWidth + static_cast<double>(t - m_t0) * w / static_cast<double>(m_t1 - m_t0);
}

bool WindowChart::event(QEvent* e) {
    if (e->type() == QEvent::ToolTip) {
        auto* he = static_cast<QHelpEvent*>(e);
        QString tip;
        const double w = std::max(1, width() - kLabelWidth - kRightMargin);
        const TimestampNs t =
            m_t0 + static_cast<TimestampNs>((he->pos().x() - kLabelWidth) * (m_t1 - m_t0) / w);
        for (const WindowSeries& s : m_data.series) {
            auto it =
                std::upper_bound(s.points.begin(), s.points.end(), t,
                                 [](TimestampNs v, const WindowPoint& p) { return v < p.ts; });
            if (it == s.points.begin()) continue;
            tip += QStringLiteral("%1: %2 bytes<br>")
                       .arg(QString::fromStdString(s.label))
                       .arg(std::prev(it)->value);
        }
        for (const FlowStall& st : m_data.stalls) {
            if (t >= st.start && (!st.end || t <= *st.end)) {
                tip +=
                    tr("<b>stall</b>: %1 blocked on the %2 window<br>")
                        .arg(st.sender == Direction::ClientToServer ? tr("client") : tr("server"))
                        .arg(st.streamId ? tr("stream %1").arg(st.streamId) : tr("connection"));
            }
        }
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(he->globalPos(), tip, this);
        return true;
    }
    if (e->type() == QEvent::PaletteChange) update();
    return QWidget::event(e);
}

void WindowChart::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const TimelineColors c = timelineColors(palette());
    p.fillRect(rect(), c.background);
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * 0.82));
    p.setFont(small);
    const int plotRight = width() - kRightMargin;
    const int top = kTop, bottom = height() - kBottom;
    p.setPen(c.grid);
    p.drawLine(kLabelWidth - 1, 0, kLabelWidth - 1, height());
    if (m_conn < 0) {
        p.setPen(c.dimText);
        p.drawText(rect().adjusted(kLabelWidth, 0, 0, 0), Qt::AlignCenter,
                   tr("Flow-control windows"));
        return;
    }
    // Value range over every point (windows may go negative after a SETTINGS change).
    // When a stream is selected and the connection window dwarfs it (clients often open the
    // connection window to 1 GiB), the scale follows the stream and the connection lines are
    // clipped at the top, with a note.
    double lo = 0, hi = 65535, streamHi = 0, connHi = 0;
    for (const WindowSeries& s : m_data.series) {
        for (const WindowPoint& pt : s.points) {
            lo = std::min<double>(lo, pt.value);
            (s.connectionLevel ? connHi : streamHi) =
                std::max<double>(s.connectionLevel ? connHi : streamHi, pt.value);
        }
    }
    const bool clipConn = streamHi > 0 && connHi > 4 * streamHi;
    hi = std::max(hi, clipConn ? streamHi : std::max(streamHi, connHi));
    hi *= 1.05;
    auto yOf = [&](double v) {
        return bottom - (std::min(v, hi) - lo) * (bottom - top) / (hi - lo);
    };

    // Stalls: shaded columns, labelled by who stalled.
    for (const FlowStall& st : m_data.stalls) {
        const TimestampNs end = st.end.value_or(m_t1);
        if (end < m_t0 || st.start > m_t1) continue;
        const double x0 = std::max<double>(kLabelWidth, xOf(st.start));
        const double x1 = std::min<double>(plotRight, std::max(xOf(end), x0 + 2));
        QColor shade = c.loss;
        shade.setAlpha(st.streamId ? 45 : 30);
        p.fillRect(QRectF(x0, top, x1 - x0, bottom - top), shade);
    }
    // Grid lines at 0 and hi
    p.setPen(c.grid);
    for (double v : {0.0, (hi / 1.05) / 2, hi / 1.05}) {
        p.drawLine(QPointF(kLabelWidth, yOf(v)), QPointF(plotRight, yOf(v)));
        p.setPen(c.dimText);
        p.drawText(QRectF(kLabelWidth - 52, yOf(v) - 7, 48, 14), Qt::AlignRight | Qt::AlignVCenter,
                   shortBytes(v));
        p.setPen(c.grid);
    }
    // Series: step lines with per-pixel min/max
    p.setRenderHint(QPainter::Antialiasing, false);
    p.save();
    p.setClipRect(QRect(kLabelWidth, 0, plotRight - kLabelWidth, height()));
    for (const WindowSeries& s : m_data.series) {
        if (s.points.empty()) continue;
        QPen pen(c.dir(s.sender), s.connectionLevel ? 1.2 : 1.8,
                 s.connectionLevel ? Qt::DashLine : Qt::SolidLine);
        p.setPen(pen);
        auto it = std::upper_bound(s.points.begin(), s.points.end(), m_t0,
                                   [](TimestampNs v, const WindowPoint& pt) { return v < pt.ts; });
        if (it != s.points.begin()) --it;
        QPolygonF line;
        double lastCol = -1e9;
        double colMin = 0, colMax = 0, last = it->value;
        for (; it != s.points.end(); ++it) {
            const double x = std::max<double>(kLabelWidth - 1, xOf(it->ts));
            if (std::floor(x) == lastCol) {
                colMin = std::min<double>(colMin, it->value);
                colMax = std::max<double>(colMax, it->value);
                last = it->value;
                continue;
            }
            if (lastCol > -1e8) {
                if (colMin != colMax) {
                    line << QPointF(lastCol, yOf(colMin)) << QPointF(lastCol, yOf(colMax));
                }
                line << QPointF(lastCol, yOf(last));
            }
            line << QPointF(x, yOf(last));  // step: hold the previous value up to x
            lastCol = std::floor(x);
            colMin = colMax = last = it->value;
            line << QPointF(x, yOf(last));
            if (x > plotRight) break;
        }
        line << QPointF(plotRight + 1, yOf(last));
        p.drawPolyline(line);
    }
    p.restore();
    // Legend in the label column
    int y = top + 2;
    for (const WindowSeries& s : m_data.series) {
        QPen pen(c.dir(s.sender), s.connectionLevel ? 1.2 : 1.8,
                 s.connectionLevel ? Qt::DashLine : Qt::SolidLine);
        p.setPen(pen);
        p.drawLine(6, y + 6, 22, y + 6);
        p.setPen(s.points.empty() ? c.dimText : c.text);
        p.drawText(QRect(26, y, kLabelWidth - 84, 13), Qt::AlignLeft | Qt::AlignVCenter,
                   p.fontMetrics().elidedText(QString::fromStdString(s.label), Qt::ElideRight,
                                              kLabelWidth - 84));
        y += 14;
    }
    if (!m_data.stalls.empty()) {
        QColor shade = c.loss;
        shade.setAlpha(60);
        p.fillRect(QRect(6, y + 2, 16, 9), shade);
        p.setPen(c.text);
        p.drawText(QRect(26, y, kLabelWidth - 84, 13), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("zero-window stall (%1)").arg(m_data.stalls.size()));
    }
    if (clipConn) {
        p.setPen(c.dimText);
        p.drawText(QRect(6, y + 14, kLabelWidth - 60, 13), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("conn window off scale (max %1)").arg(shortBytes(connHi)));
    }
    p.setPen(c.dimText);
    p.drawText(QRect(kLabelWidth + 4, bottom + 1, plotRight - kLabelWidth, kBottom - 1),
               Qt::AlignLeft | Qt::AlignVCenter,
               tr("send windows (bytes): dashed = connection, solid = stream; blue = client → "
                  "server, orange = server → client"));
}

}  // namespace h2lens::gui
