#pragma once
// The one look every table of the window shares (compact rows, whole-row selection, no grid,
// text cut at the right so a column's start stays readable), so the panes cannot drift apart.
#include <QAbstractItemModel>
#include <QTableView>
#include <vector>

namespace h2lens::gui {

QTableView* makeTableView(QAbstractItemModel* model, QWidget* parent);

// Room the item delegate leaves around a cell's text (both sides together).
int cellTextMargin(const QTableView* v);

// Sizes every visible column to its header and content. Columns in `numeric` are measured over
// every row (over more than `numericRows` rows: the first and the last numericRows/2, where
// counters and times are widest) and never get less than their widest value; the other columns
// over the first 500 rows, at most `maxTextWidth` wide. When the columns do not fit the viewport,
// the `shrinkable` columns give back width in proportion to what they have above `minTextWidth`.
// Returns the width the table needs to show every column unshrunk (frame and scroll bar included).
int fitColumns(QTableView* v, const std::vector<int>& numeric, const std::vector<int>& shrinkable,
               int maxTextWidth = 320, int minTextWidth = 64, int numericRows = -1);

// Height showing the header and `rows` rows of `v` without a scroll bar.
int heightForRows(const QTableView* v, int rows);

}  // namespace h2lens::gui
