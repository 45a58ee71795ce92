#pragma once
// The left pane of the main window: the connections table over the streams filter box and the
// streams table. Sizing to content lives here (fitColumns, fitConnectionsHeight); what a
// selection in either table means is the main window's business.
#include <QSplitter>

class QLineEdit;
class QTableView;

namespace h2lens::gui {

class ConnectionsModel;
class StreamFilterProxy;

class TablesPane : public QSplitter {
    Q_OBJECT
  public:
    TablesPane(ConnectionsModel* connections, StreamFilterProxy* streams, QWidget* parent);
    QTableView* connectionsView() const { return m_connView; }
    QTableView* streamsView() const { return m_streamsView; }
    QLineEdit* filterBox() const { return m_filter; }

    // Both tables' columns to their content (table_view.h: numbers never cut); returns the width
    // the streams table needs to show its columns unshrunk.
    int fitColumns();
    // The connections table as tall as its rows (up to 10), the streams the rest (at least half).
    void fitConnectionsHeight();
    // Height that shows every connection (up to 10), the filter and every stream row.
    int contentHeight() const;

  private:
    QTableView* m_connView;
    QLineEdit* m_filter;
    QTableView* m_streamsView;
};

}  // namespace h2lens::gui
