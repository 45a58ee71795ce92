#pragma once
// The timeline of the selected connection: a time axis, a TCP lane, a connection lane and one
// lane per stream (TimelineData). Wheel zooms around the cursor, a left-drag zooms to the
// rubber band, a middle/right drag pans, F fits; clicking a mark selects that frame everywhere.
// Painting is level-of-detail: only visible lanes are drawn and, within a lane, at most one mark
// per pixel column per direction (binary search skips the rest), so a redraw costs about
// (visible lanes x width) whatever the number of frames.
#include <QWidget>
#include <optional>

#include "app/timeline_style.h"
#include "models/timeline_data.h"

class QScrollBar;

namespace h2lens::gui {

class TimelineWidget : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineWidget(const CaptureStore* store, QWidget* parent = nullptr);

    void setConnection(int connIndex);
    int connection() const { return m_data.connIndex; }
    // Rebuilds the lanes when the connection got frames or streams since the last build.
    void refresh();
    void selectStream(std::uint32_t streamId, bool scrollTo = true);
    void selectFrame(std::optional<std::size_t> frameIndex, bool scrollTo = true);
    std::optional<std::size_t> selectedFrame() const { return m_selectedFrame; }
    int selectedLane() const { return m_selectedLane; }  // -1: none

    void fit();
    void zoom(double factor, double anchorX);
    void setTimeRange(TimestampNs t0, TimestampNs t1);
    TimestampNs viewStart() const { return m_t0; }
    TimestampNs viewEnd() const { return m_t1; }

    const TimelineData& data() const { return m_data; }
    // Marks painted by the last paintEvent (for the level-of-detail test).
    std::size_t lastPaintedMarks() const { return m_painted; }
    // x of a time in widget coordinates (for tests and the window chart).
    double xOf(TimestampNs t) const;
    // Where lane `lane` is drawn now (scrolling included).
    QRect laneRect(int lane) const { return QRect(0, laneTop(lane), width(), laneHeight(lane)); }
    // Frames per lane kept by level-of-detail at most: one per pixel column and direction.

  Q_SIGNALS:
    void timeRangeChanged(TimestampNs t0, TimestampNs t1);
    void frameActivated(int connIndex, std::size_t frameIndex);
    void streamActivated(int connIndex, std::uint32_t streamId);

  protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void keyPressEvent(QKeyEvent*) override;
    bool event(QEvent*) override;

  private:
    struct Hit {
        int lane = -1;
        std::optional<std::size_t> mark;  // index into the lane's marks
    };
    TimestampNs tOf(double x) const;
    int laneTop(int lane) const;
    int laneHeight(int lane) const;
    int laneAtY(int y) const;
    Hit hitTest(QPoint p) const;
    QString tooltipFor(const Hit& h) const;
    void updateScrollBar();
    void emitRange();
    void paintAxis(QPainter& p, const TimelineColors& c);
    void paintLane(QPainter& p, const TimelineColors& c, int lane, int top);
    void paintFrameMark(QPainter& p, const TimelineColors& c, const FrameMark& f, double x, int top,
                        int h, bool roomForLabel);
    void paintTcpMark(QPainter& p, const TimelineColors& c, const TcpMark& m, double x, int top,
                      int h);
    void ensureLaneVisible(int lane);
    void stepMark(int delta);

    const CaptureStore* m_store;
    TimelineData m_data;
    QScrollBar* m_vbar;
    TimestampNs m_t0 = 0, m_t1 = 1;
    bool m_userZoomed = false;
    int m_selectedLane = -1;
    std::optional<std::size_t> m_selectedFrame;
    // Mouse state
    QPoint m_pressPos;
    Qt::MouseButton m_pressButton = Qt::NoButton;
    bool m_rubber = false;
    bool m_panning = false;
    TimestampNs m_panT0 = 0, m_panT1 = 0;
    int m_panScroll = 0;
    QPoint m_mousePos;
    std::size_t m_painted = 0;
};

}  // namespace h2lens::gui
