#pragma once
// Colours and geometry shared by the timeline and the window chart, so their time axes line up
// and both follow the light or dark palette.
#include <QColor>
#include <QPalette>
#include <QStyle>
#include <QWidget>

#include "common/direction.h"

namespace h2lens::gui {

inline constexpr int kLabelWidth = 210;  // left column: lane labels / legend
inline constexpr int kAxisHeight = 20;
inline constexpr int kRightMargin = 6;

// Right edge of the plot area. The timeline keeps room for its vertical scroll bar whether it
// shows or not, and the window chart keeps the same room, so both map a time to the same x.
inline int plotRightOf(const QWidget* w) {
    return w->width() - kRightMargin - w->style()->pixelMetric(QStyle::PM_ScrollBarExtent);
}

struct TimelineColors {
    QColor c2s, s2c, span, spanProblem, grid, text, dimText, background, laneAlt, selection, loss,
        reorder, gap, rst, push, goaway, settings;
    QColor dir(Direction d) const { return d == Direction::ClientToServer ? c2s : s2c; }
};

inline bool isDark(const QPalette& p) {
    return p.color(QPalette::Window).lightness() < 128;
}

inline TimelineColors timelineColors(const QPalette& p) {
    const bool dark = isDark(p);
    TimelineColors c;
    c.c2s = dark ? QColor(0x5c, 0xa8, 0xff) : QColor(0x1f, 0x6f, 0xd0);
    c.s2c = dark ? QColor(0xff, 0xa6, 0x3d) : QColor(0xd9, 0x6c, 0x00);
    c.span = dark ? QColor(0x45, 0x4b, 0x55) : QColor(0xdd, 0xe3, 0xec);
    c.spanProblem = dark ? QColor(0x6a, 0x3a, 0x3a) : QColor(0xf6, 0xd5, 0xd2);
    c.grid = dark ? QColor(0x3a, 0x3d, 0x42) : QColor(0xe6, 0xe6, 0xe6);
    c.text = p.color(QPalette::WindowText);
    c.dimText = dark ? QColor(0x9a, 0xa0, 0xa8) : QColor(0x6a, 0x6f, 0x76);
    c.background = p.color(QPalette::Base);
    c.laneAlt = dark ? c.background.lighter(115) : c.background.darker(103);
    c.selection = p.color(QPalette::Highlight);
    c.loss = dark ? QColor(0xff, 0x55, 0x55) : QColor(0xd0, 0x1c, 0x1c);
    c.reorder = dark ? QColor(0xc8, 0x8c, 0xff) : QColor(0x8a, 0x3f, 0xc7);
    c.gap = dark ? QColor(0xee, 0xee, 0xee) : QColor(0x20, 0x20, 0x20);
    c.rst = c.loss;
    c.push = dark ? QColor(0xf0, 0x6e, 0xd8) : QColor(0xb0, 0x2a, 0x9a);
    c.goaway = c.loss;
    c.settings = dark ? QColor(0x6c, 0xd4, 0x8a) : QColor(0x1d, 0x8a, 0x45);
    return c;
}

}  // namespace h2lens::gui
