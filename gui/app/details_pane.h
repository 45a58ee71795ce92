#pragma once
// The bottom pane: the selected stream's headers (with HPACK representation), body (text, JSON,
// hex, gRPC; content-encoding undone), its frames with every field, the anomalies ("expert
// info") and a connection summary (settings, pings, GOAWAY, TCP figures).
#include <QTabWidget>

#include "models/capture_store.h"
#include "models/table_models.h"

class QComboBox;
class QLabel;
class QPlainTextEdit;
class QTableView;
class QTreeWidget;

namespace h2lens::gui {

class DetailsPane : public QTabWidget {
    Q_OBJECT
  public:
    DetailsPane(const CaptureStore* store, FramesModel* frames, AnomaliesModel* anomalies,
                QWidget* parent = nullptr);
    void setStream(const StreamData* stream);
    void setConnection(const ConnectionData* conn);
    QTableView* framesView() const { return m_framesView; }
    QTableView* anomaliesView() const { return m_anomaliesView; }
    QTreeWidget* headersTree() const { return m_headers; }
    QPlainTextEdit* bodyText() const { return m_body; }

  private:
    void showBody();
    const CaptureStore* m_store;
    const StreamData* m_stream = nullptr;
    QTreeWidget* m_headers;
    QComboBox* m_bodyDir;
    QComboBox* m_bodyMode;
    QLabel* m_bodyNote;
    QPlainTextEdit* m_body;
    QTableView* m_framesView;
    QTableView* m_anomaliesView;
    QPlainTextEdit* m_connText;
};

}  // namespace h2lens::gui
