#include "app/table_view.h"

#include <QHeaderView>
#include <QScrollBar>
#include <QStyle>
#include <algorithm>
#include <cmath>

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
    v->setTextElideMode(Qt::ElideRight);
    return v;
}

int cellTextMargin(const QTableView* v) {
    // QStyledItemDelegate (via QCommonStyle) keeps PM_FocusFrameHMargin + 1 on each side.
    return 2 * (v->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, v) + 1);
}

int fitColumns(QTableView* v, const std::vector<int>& numeric, const std::vector<int>& shrinkable,
               int maxTextWidth, int minTextWidth, int numericRows) {
    QAbstractItemModel* m = v->model();
    if (!m) return 0;
    const int cols = m->columnCount();
    const int rows = m->rowCount();
    const QFontMetrics fm = v->fontMetrics();
    const int margin = cellTextMargin(v) + 4;
    std::vector<int> width(static_cast<std::size_t>(cols), 0);
    int total = 0;
    for (int c = 0; c < cols; ++c) {
        if (v->isColumnHidden(c)) continue;
        const bool num = std::find(numeric.begin(), numeric.end(), c) != numeric.end();
        int w = v->horizontalHeader()->sectionSizeHint(c);
        const bool all = num && (numericRows < 0 || rows <= numericRows);
        const int head = all ? rows : (num ? numericRows / 2 : std::min(rows, 500));
        const int tail = all || !num ? 0 : numericRows / 2;
        int content = 0;
        auto measure = [&](int r) {
            content = std::max(
                content, fm.horizontalAdvance(m->index(r, c).data(Qt::DisplayRole).toString()));
        };
        for (int r = 0; r < head; ++r) measure(r);
        for (int r = std::max(head, rows - tail); r < rows; ++r) measure(r);
        content += margin;
        w = std::max(w, num ? content : std::min(content, maxTextWidth));
        width[static_cast<std::size_t>(c)] = w;
        total += w;
    }
    const int chrome = 2 * v->frameWidth() + v->verticalScrollBar()->sizeHint().width();
    const int natural = total + chrome;
    // A view never shown yet (a tab behind another) has no width to share out: no shrinking.
    const int avail = v->isVisible() && v->viewport()->width() > 50
                          ? v->viewport()->width() - chrome + 2 * v->frameWidth()
                          : total;
    int pool = 0;
    for (int c : shrinkable) {
        if (c >= 0 && c < cols && !v->isColumnHidden(c))
            pool += std::max(0, width[static_cast<std::size_t>(c)] - minTextWidth);
    }
    const int excess = std::min(total - avail, pool);
    if (excess > 0 && pool > 0) {
        for (int c : shrinkable) {
            if (c < 0 || c >= cols || v->isColumnHidden(c)) continue;
            int& w = width[static_cast<std::size_t>(c)];
            w -= static_cast<int>(
                std::ceil(static_cast<double>(excess) * std::max(0, w - minTextWidth) / pool));
        }
    }
    for (int c = 0; c < cols; ++c) {
        if (!v->isColumnHidden(c)) v->setColumnWidth(c, width[static_cast<std::size_t>(c)]);
    }
    return natural;
}

int heightForRows(const QTableView* v, int rows) {
    const QHeaderView* h = v->horizontalHeader();
    const int header = h->isHidden() ? 0 : std::max(h->height(), h->sizeHint().height());
    const int row = v->model() && v->model()->rowCount() > 0
                        ? v->rowHeight(0)
                        : v->verticalHeader()->defaultSectionSize();
    return 2 * v->frameWidth() + header + rows * row + 4;
}

}  // namespace h2lens::gui
