#include "app/time_pane.h"

#include <algorithm>

#include "app/timeline_widget.h"
#include "app/window_chart.h"

namespace h2lens::gui {

TimePane::TimePane(const CaptureStore* store, QWidget* parent) : QSplitter(Qt::Vertical, parent) {
    m_timeline = new TimelineWidget(store, this);
    m_chart = new WindowChart(store, this);
    addWidget(m_timeline);
    addWidget(m_chart);
    setStretchFactor(0, 3);
    setStretchFactor(1, 1);
    setSizes({450, 160});
    connect(m_timeline, &TimelineWidget::timeRangeChanged, m_chart, &WindowChart::setTimeRange);
    connect(m_chart, &WindowChart::zoomRequested, m_timeline, &TimelineWidget::zoomAt);
    connect(m_chart, &WindowChart::panRequested, m_timeline, &TimelineWidget::setTimeRange);
}

int TimePane::timelineHeight() const {
    const int lanes = static_cast<int>(m_timeline->data().lanes.size());
    return m_timeline->fixedLanesBottom() +
           std::max(0, lanes - 2) * m_timeline->streamLaneHeight() + 8;
}

int TimePane::contentHeight() const {
    return timelineHeight() + m_chart->sizeHint().height() + 8;
}

void TimePane::fitTimeline() {
    const QList<int> s = sizes();
    const int total = s.value(0) + s.value(1);
    if (total <= 0) return;
    const int chart = std::max(m_chart->sizeHint().height(), total - timelineHeight());
    setSizes({total - chart, chart});
}

}  // namespace h2lens::gui
