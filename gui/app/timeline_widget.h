#pragma once
// The timeline of the selected connection: an overview strip of the whole connection (the part
// in view framed; click or drag it to move the view), a time ruler, a TCP lane, a connection
// lane and one lane per stream (TimelineData). It opens zoomed to the streams (late PINGs or a
// GOAWAY do not squash them); wheel zooms around the cursor, a left drag pans, a shift+left or
// right drag zooms to the rubber band, F fits the streams, 0 the whole connection; clicking a
// mark selects that frame everywhere. Text labels (DATA sizes, RTTs, GOAWAY, TCP S/F/R, ruler)
// are placed only where they collide with no other label; tooltips give the full text.
// Painting is level-of-detail: only visible lanes are drawn and, within a lane, at most one mark
// per pixel column per direction (binary search skips the rest), so a redraw costs about
// (visible lanes x width) whatever the number of frames.
#include <QImage>
#include <QWidget>
#include <initializer_list>
#include <optional>
#include <vector>

#include "app/timeline_style.h"
#include "models/timeline_data.h"

class QScrollBar;

namespace h2lens::gui {

// A ruler label for `rel` ns after the capture start, ticks `step` apart, the largest |time| in
// view `magnitude`: "0", "250 µs", "12.5 ms", "150.00005 s".
QString rulerLabel(TimestampNs rel, TimestampNs step, TimestampNs magnitude);

class TimelineWidget : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineWidget(const CaptureStore* store, QWidget* parent = nullptr);

    void setConnection(int connIndex);
    int connection() const { return m_data.connIndex; }
    // Stream lanes by first frame or by the priority the client asked for (the RFC 7540 tree,
    // indented, or RFC 9218 urgency); lanes of streams with a priority get a tint by strength.
    void setLaneOrder(LaneOrder order);
    LaneOrder laneOrder() const { return m_order; }
    // Rebuilds the lanes when the connection got frames or streams since the last build.
    void refresh();
    void selectStream(std::uint32_t streamId, bool scrollTo = true);
    void selectFrame(std::optional<std::size_t> frameIndex, bool scrollTo = true);
    std::optional<std::size_t> selectedFrame() const { return m_selectedFrame; }
    int selectedLane() const { return m_selectedLane; }  // -1: none

    // The whole connection in view.
    void fit();
    // The streams in view (streamActivitySpan); what a connection opens with.
    void fitStreams();
    void zoom(double factor, double anchorX);
    void zoomAt(double factor, TimestampNs anchor);
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
    // Text labels drawn in the plot by the last paintEvent (ruler, lanes, RTTs), as painted.
    const std::vector<QRectF>& lastLabelRects() const { return m_labels; }
    // The overview strip's frame around the part in view (widget coordinates).
    QRectF overviewViewRect() const;
    // Lane geometry: where the stream lanes start (below the header, TCP and connection lanes)
    // and how tall each is.
    static int fixedLanesBottom();
    static int streamLaneHeight();
    static constexpr int kOverviewHeight = 14;
    static constexpr int kHeaderHeight = kOverviewHeight + kAxisHeight;

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
    int plotRight() const { return plotRightOf(this); }
    double overviewX(TimestampNs t) const;
    TimestampNs overviewT(double x) const;
    void centreOn(TimestampNs t);
    // Labels go where nothing is: every painted mark and placed label occupies cells of a grid
    // (kCell px); a label is drawn in the first of its candidate boxes whose cells are all free
    // (inside the painter's clip), or dropped. Lane labels are queued while the marks are painted
    // and placed afterwards by priority (GOAWAY, TCP S/F/R, RTT, DATA sizes), so a mark painted
    // later never lands on a label.
    struct PendingLabel {
        int priority = 0;  // lower first
        std::vector<QRectF> boxes;
        QString text;
        QColor color;
        int align = Qt::AlignLeft | Qt::AlignVCenter;
        QRectF clip;
        QLineF ifDropped;  // drawn instead when no box is free (null: nothing)
    };
    bool placeLabel(QPainter& p, const std::vector<QRectF>& boxes, const QString& text,
                    int align = Qt::AlignLeft | Qt::AlignVCenter, const QRectF& clip = QRectF());
    void queueLabel(QPainter& p, int priority, std::vector<QRectF> boxes, const QString& text,
                    int align, const QLineF& ifDropped = QLineF());
    void placeQueuedLabels(QPainter& p);
    void occupy(const QRectF& r);
    bool isFree(const QRectF& r) const;
    static constexpr int kCell = 2;
    void paintOverview(QPainter& p, const TimelineColors& c);
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
    LaneOrder m_order = LaneOrder::FirstFrame;
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
    bool m_overviewDrag = false;
    double m_overviewGrab = 0;  // pointer x minus the frame's centre when it was grabbed
    bool m_dragged = false;     // a pan moved: the release is no click
    std::vector<QRectF> m_labels;
    std::vector<PendingLabel> m_pending;
    std::vector<std::uint8_t> m_grid;  // occupied cells, row-major
    int m_gridCols = 0, m_gridRows = 0;
    QImage m_overview;  // the overview strip's frame density bars (cached)
    QColor m_overviewColour;
    int m_overviewBinsWidth = -1;
    TimestampNs m_panT0 = 0, m_panT1 = 0;
    int m_panScroll = 0;
    QPoint m_mousePos;
    std::size_t m_painted = 0;
};

}  // namespace h2lens::gui
