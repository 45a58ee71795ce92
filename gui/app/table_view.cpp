#include "app/table_view.h"

#include <QHeaderView>

namespace h2lens::gui {

QTableView* makeTableView(QAbstractItemModel* model, QWidget* parent) {
    auto* v = new QTableView(parent);
    v->setModel(model);
    v->setSelectionBehavior(QAbstractItemView::SelectRows);
    v->setSelectionMode(QAbstractItemView::SingleSelection);
    v->verticalHeader()->hide();
    v->verticalHeader()->setDefaultSectionSize(v->fontMetrics().height() + 4);
    v->horizontalHeader()->setStretchLastSection(true);
    v->horizontalHeader()->setHighlightSections(false);
    v->setAlternatingRowColors(true);
    v->setWordWrap(false);
    v->setShowGrid(false);
    return v;
}

}  // namespace h2lens::gui
