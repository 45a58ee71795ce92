#pragma once
// Flow-control send windows of the selected connection (dashed) and stream (solid), both
// directions, over the timeline's time range; zero-window stalls shaded. One row per series, each
// on its own scale (seriesRange: a 2 GiB connection window and a 64 KiB stream window are both
// readable), with its range in the legend. Hover gives every series' exact value and the frame
// that set it; wheel and drag zoom and pan the timeline (and so this chart). Step lines are drawn
// with one min/max segment per pixel column, so series of any length redraw in constant time.
#include <QWidget>
#include <vector>

#include "app/timeline_style.h"
#include "models/timeline_data.h"

namespace h2lens::gui {

class WindowChart : public QWidget {
    Q_OBJECT
  public:
    explicit WindowChart(const CaptureStore* store, QWidget* parent = nullptr);
    void setSelection(int connIndex, const StreamData* stream);
    void setTimeRange(TimestampNs t0, TimestampNs t1);
    const WindowChartData& data() const { return m_data; }
    QSize sizeHint() const override { return {600, 170}; }

    // What the last paintEvent drew, for tests: per series (data().series order) the pixel rows
    // its line covered inside the plot (top, bottom; both -1 when not drawn), the height of its
    // row, and every text rectangle.
    struct PaintedSeries {
        double top = -1, bottom = -1;
        int rowHeight = 0;
    };
    const std::vector<PaintedSeries>& lastPaintedSeries() const { return m_painted; }
    const std::vector<QRectF>& lastLabelRects() const { return m_labels; }
    // The tooltip text at widget x (exact values, the frame that set each one).
    QString tooltipAt(double x) const;
    // Over the legend: the series of the row at y and its full scale.
    QString legendTooltipAt(double y) const;

  Q_SIGNALS:
    void zoomRequested(double factor, TimestampNs anchor);
    void panRequested(TimestampNs t0, TimestampNs t1);

  protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;

  private:
    double xOf(TimestampNs t) const;
    TimestampNs tOf(double x) const;
    // The frame at `ts` that set series `s`'s window (DATA sent, WINDOW_UPDATE or SETTINGS from
    // the peer), or null.
    const FrameMark* frameThatSet(const WindowSeries& s, TimestampNs ts) const;
    void drawText(QPainter& p, const QRectF& r, int align, const QString& text);
    const CaptureStore* m_store;
    int m_conn = -1;
    std::uint32_t m_streamId = 0;
    WindowChartData m_data;
    TimestampNs m_t0 = 0, m_t1 = 1;
    std::vector<PaintedSeries> m_painted;
    std::vector<QRectF> m_labels;
    int m_pressX = -1;
    TimestampNs m_pressT0 = 0, m_pressT1 = 0;
};

}  // namespace h2lens::gui
