#pragma once
// The right pane of the main window: the timeline over the window chart, on one time axis (the
// chart follows the timeline's range; wheel and drag on the chart zoom and pan the timeline).
#include <QSplitter>

namespace h2lens::gui {

class CaptureStore;
class TimelineWidget;
class WindowChart;

class TimePane : public QSplitter {
    Q_OBJECT
  public:
    TimePane(const CaptureStore* store, QWidget* parent);
    TimelineWidget* timeline() const { return m_timeline; }
    WindowChart* chart() const { return m_chart; }

    // Height that shows every lane of the timeline and the chart at its preferred height.
    int contentHeight() const;
    // The timeline as tall as its lanes need, the chart (at least its preferred height) the rest.
    void fitTimeline();

  private:
    int timelineHeight() const;
    TimelineWidget* m_timeline;
    WindowChart* m_chart;
};

}  // namespace h2lens::gui
