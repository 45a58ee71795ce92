#include "app/tables_pane.h"

#include <QLineEdit>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <vector>

#include "app/table_view.h"
#include "models/table_models.h"

namespace h2lens::gui {

namespace {
const std::vector<int> kStreamNumbers = {StreamsModel::Conn,          StreamsModel::Stream,
                                         StreamsModel::Status,        StreamsModel::RequestBytes,
                                         StreamsModel::ResponseBytes, StreamsModel::Start,
                                         StreamsModel::Duration};
const std::vector<int> kStreamTexts = {StreamsModel::Method, StreamsModel::Authority,
                                       StreamsModel::Path, StreamsModel::ContentType,
                                       StreamsModel::End};
const std::vector<int> kConnNumbers = {ConnectionsModel::Id, ConnectionsModel::Streams,
                                       ConnectionsModel::Bytes, ConnectionsModel::Anomalies};
const std::vector<int> kConnTexts = {ConnectionsModel::Protocol, ConnectionsModel::Client,
                                     ConnectionsModel::Server};
constexpr int kMaxConnectionRows = 10;
}  // namespace

TablesPane::TablesPane(ConnectionsModel* connections, StreamFilterProxy* streams, QWidget* parent)
    : QSplitter(Qt::Vertical, parent) {
    m_connView = makeTableView(connections, this);
    m_connView->setSortingEnabled(false);
    // Widths until the first load sizes them to their content.
    m_connView->setColumnWidth(ConnectionsModel::Id, 30);
    m_connView->setColumnWidth(ConnectionsModel::Client, 128);
    m_connView->setColumnWidth(ConnectionsModel::Server, 128);
    m_connView->setColumnWidth(ConnectionsModel::Protocol, 150);
    m_connView->setColumnWidth(ConnectionsModel::Streams, 60);
    m_connView->setColumnWidth(ConnectionsModel::Bytes, 80);

    auto* streamsPage = new QWidget(this);
    auto* sl = new QVBoxLayout(streamsPage);
    sl->setContentsMargins(0, 0, 0, 0);
    sl->setSpacing(2);
    m_filter = new QLineEdit(streamsPage);
    m_filter->setPlaceholderText(
        tr("Filter streams: text, status:404, status:5xx, method:POST, path:/api, "
           "header:name=value, end:reset, !term"));
    m_filter->setClearButtonEnabled(true);
    sl->addWidget(m_filter);
    m_streamsView = makeTableView(streams, streamsPage);
    m_streamsView->setSortingEnabled(true);
    m_streamsView->sortByColumn(StreamsModel::Start, Qt::AscendingOrder);
    m_streamsView->setContextMenuPolicy(Qt::ActionsContextMenu);
    const int widths[] = {36, 44, 50, 92, 150, 42, 92, 52, 62, 66, 72, 80};
    for (int i = 0; i < StreamsModel::ColumnCount; ++i) m_streamsView->setColumnWidth(i, widths[i]);
    sl->addWidget(m_streamsView);

    addWidget(m_connView);
    addWidget(streamsPage);
    setStretchFactor(0, 1);
    setStretchFactor(1, 4);
    setSizes({110, 480});
}

int TablesPane::fitColumns() {
    const int needed = h2lens::gui::fitColumns(m_streamsView, kStreamNumbers, kStreamTexts);
    h2lens::gui::fitColumns(m_connView, kConnNumbers, kConnTexts);
    return needed;
}

void TablesPane::fitConnectionsHeight() {
    const QList<int> s = sizes();
    const int total = s.value(0) + s.value(1);
    if (total <= 0) return;
    const int rows = std::clamp(m_connView->model()->rowCount(), 1, kMaxConnectionRows);
    const int conn = std::min(heightForRows(m_connView, rows), total / 2);
    setSizes({conn, total - conn});
}

int TablesPane::contentHeight() const {
    const int rows = std::clamp(m_connView->model()->rowCount(), 1, kMaxConnectionRows);
    return heightForRows(m_connView, rows) + m_filter->sizeHint().height() +
           heightForRows(m_streamsView, m_streamsView->model()->rowCount()) + 12;
}

}  // namespace h2lens::gui
