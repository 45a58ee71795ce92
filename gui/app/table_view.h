#pragma once
// The one look every table of the window shares (compact rows, whole-row selection, no grid), so
// the panes cannot drift apart.
#include <QAbstractItemModel>
#include <QTableView>

namespace h2lens::gui {

QTableView* makeTableView(QAbstractItemModel* model, QWidget* parent);

}  // namespace h2lens::gui
