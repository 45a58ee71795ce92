#pragma once
// Flow-control send windows of the selected connection (dashed) and stream (solid), both
// directions, over the timeline's time range; zero-window stalls shaded. Step lines are drawn
// with one min/max segment per pixel column, so series of any length redraw in constant time.
#include <QWidget>

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
    QSize sizeHint() const override { return {600, 150}; }

  protected:
    void paintEvent(QPaintEvent*) override;
    bool event(QEvent*) override;

  private:
    double xOf(TimestampNs t) const;
    const CaptureStore* m_store;
    int m_conn = -1;
    std::uint32_t m_streamId = 0;
    WindowChartData m_data;
    TimestampNs m_t0 = 0, m_t1 = 1;
};

}  // namespace h2lens::gui
