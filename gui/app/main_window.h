#pragma once
// The h2lens-gui main window: connections and streams tables (left), timeline and window chart
// (right), details (bottom); a status bar with counts, progress and cancel. One selection (a
// connection, a stream, a frame) is shared by every view: selectFrame()/selectStream() are the
// only ways it changes.
#include <QMainWindow>
#include <optional>

#include "models/capture_loader.h"
#include "models/capture_store.h"
#include "models/export_bridge.h"
#include "models/table_models.h"

class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;
class QTimer;

namespace h2lens::gui {

class CaptureDialog;
class DetailsPane;
class LiveCapture;
class TablesPane;
class TimePane;
class TimelineWidget;
class WindowChart;

class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Loads `path` and puts it first in the recent files; a missing file is reported (status bar,
    // and a message box unless H2LENS_GUI_NO_DIALOGS is set) and dropped from the recent files.
    void openFile(const QString& path);
    // Most recent first, absolute paths, no duplicates, at most kMaxRecentFiles; kept in
    // QSettings ("recentFiles") of the application's organisation and name.
    QStringList recentFiles() const;
    QMenu* recentMenu() const { return m_recentMenu; }
    static constexpr int kMaxRecentFiles = 8;
    // Live capture through a `h2lens live` child (see models/live_decode.h); false with a
    // message box when it cannot start.
    bool startLiveCapture(const QString& interface, const QString& filter);
    void stopLiveCapture();
    LiveCapture* liveCapture() const { return m_live; }
    // TLS key log used for every capture opened or started afterwards (and for exports); a live
    // capture follows it as the client writes it, so it need not exist yet. Shown in the
    // Capture dialog, which can change it too.
    void setKeylogPath(const QString& path);
    QString keylogPath() const { return m_keylogPath; }
    CaptureDialog* captureDialog() const { return m_captureDialog; }
    DecodeOptions decodeOptions() const;
    CaptureLoader* loader() const { return m_loader; }
    const CaptureStore* store() const { return m_store; }

    // The shared selection.
    int selectedConnection() const { return m_conn; }  // -1: none
    std::optional<std::uint32_t> selectedStream() const { return m_stream; }
    // What the next load selects once it has finished (`--select CONN:STREAM`; stream 0: only
    // the connection) instead of its own choice. Without it, a load ends on the connection with
    // the most streams and its most interesting stream (interestingStream()), unless the user
    // selected something while it ran.
    void setInitialSelection(std::uint64_t connId, std::uint32_t streamId);
    void selectConnection(int connIndex);
    void selectStream(std::uint64_t connId, std::uint32_t streamId);
    void selectFrame(int connIndex, std::size_t frameIndex);

    TimelineWidget* timeline() const { return m_timeline; }
    // View > Order lanes by priority (also --lane-order priority).
    void setPriorityLaneOrder(bool on);
    WindowChart* windowChart() const { return m_chart; }
    DetailsPane* details() const { return m_details; }
    QTableView* streamsView() const { return m_streamsView; }
    QTableView* connectionsView() const { return m_connView; }
    StreamFilterProxy* streamProxy() const { return m_proxy; }
    QLineEdit* filterBox() const { return m_filter; }
    // Milliseconds from the start of the last load to its first stream rows (-1: none yet).
    qint64 firstRowsMs() const { return m_firstRowsMs; }

  protected:
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;
    void closeEvent(QCloseEvent*) override;

  private:
    void buildStatusBar();
    void connectLoader();
    void connectSelection();
    void buildMenus();
    void updateRecentMenu();
    void addRecent(const QString& path);
    void removeRecent(const QString& path);
    void updateStatus();
    void onLoadFinished(bool ok, const QString& message);
    void exportTo(ExportFormat format, bool selectionOnly);
    const StreamData* currentStream() const;
    void copyText(bool curl);
    void showCaptureDialog();
    void saveCaptureAs();
    void updateLiveActions();
    // Columns to their content, the connections pane to its rows, the details pane to what is
    // left (after a load; only the columns when the shown connection changes).
    void fitPanes(bool splitters);

    CaptureStore* m_store;
    CaptureLoader* m_loader;
    ConnectionsModel* m_connModel;
    StreamsModel* m_streamsModel;
    StreamFilterProxy* m_proxy;
    FramesModel* m_framesModel;
    AnomaliesModel* m_anomaliesModel;
    QTableView* m_connView;
    QTableView* m_streamsView;
    QLineEdit* m_filter;
    TimelineWidget* m_timeline;
    QAction* m_priorityOrderAction = nullptr;
    WindowChart* m_chart;
    DetailsPane* m_details;
    TablesPane* m_tables = nullptr;
    TimePane* m_timePane = nullptr;
    QSplitter* m_top = nullptr;    // tables | time views
    QSplitter* m_outer = nullptr;  // top over details
    std::optional<std::pair<std::uint64_t, std::uint32_t>> m_initialSelection;
    bool m_userSelected = false;  // the user chose a selection during the current load
    bool m_autoSelecting = false;
    QLabel* m_status;
    QString
        m_liveStats;  // the live child's last --stats line while it captures, then its loss line
    QProgressBar* m_progress;
    QPushButton* m_cancel;
    QMenu* m_recentMenu = nullptr;
    LiveCapture* m_live;
    CaptureDialog* m_captureDialog = nullptr;
    QAction* m_stopCaptureAction = nullptr;
    QAction* m_saveCaptureAction = nullptr;
    bool m_lastLoadLive = false;  // the store holds a live capture (saved via m_live)
    QTimer* m_refresh;
    int m_conn = -1;
    std::optional<std::uint32_t> m_stream;
    bool m_syncing = false;
    qint64 m_loadStartMs = 0;
    qint64 m_firstRowsMs = -1;
    QString m_keylogPath;
    QString m_loadMessage;  // how the last load ended, shown after the counts
};

}  // namespace h2lens::gui
