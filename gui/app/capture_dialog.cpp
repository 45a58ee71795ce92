#include "app/capture_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include "models/live_decode.h"

namespace h2lens::gui {

CaptureDialog::CaptureDialog(LiveCapture* live, QWidget* parent) : QDialog(parent), m_live(live) {
    setWindowTitle(tr("Capture"));
    m_iface = new QComboBox(this);
    m_iface->setMinimumWidth(320);
    auto* refresh = new QPushButton(tr("Refresh"), this);
    auto* ifaceRow = new QHBoxLayout;
    ifaceRow->addWidget(m_iface, 1);
    ifaceRow->addWidget(refresh);
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(tr("BPF filter, e.g. tcp port 8080 (empty: everything)"));
    m_filter->setClearButtonEnabled(true);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_keylog = new QLineEdit(this);
    m_keylog->setObjectName(QStringLiteral("keylogEdit"));
    m_keylog->setPlaceholderText(tr("NSS key log (SSLKEYLOGFILE) for TLS; empty: none"));
    m_keylog->setClearButtonEnabled(true);
    m_keylogBrowse = new QPushButton(tr("Choose…"), this);
    auto* keylogRow = new QHBoxLayout;
    keylogRow->addWidget(m_keylog, 1);
    keylogRow->addWidget(m_keylogBrowse);
    m_keylogState = new QLabel(this);
    m_keylogState->setWordWrap(true);
    m_keylogState->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // The client may create the file at any time: the sentence follows it while shown.
    m_keylogTimer = new QTimer(this);
    m_keylogTimer->setInterval(1000);
    connect(m_keylogTimer, &QTimer::timeout, this, &CaptureDialog::updateKeylogState);

    auto* form = new QFormLayout;
    form->addRow(tr("&Interface:"), ifaceRow);
    form->addRow(tr("&Filter:"), m_filter);
    form->addRow(tr("TLS &key log:"), keylogRow);
    form->addRow(QString(), m_keylogState);

    auto* buttons = new QDialogButtonBox(this);
    m_start = buttons->addButton(tr("&Start"), QDialogButtonBox::AcceptRole);
    m_stop = buttons->addButton(tr("S&top"), QDialogButtonBox::ActionRole);
    auto* close = buttons->addButton(QDialogButtonBox::Close);
    m_start->setDefault(true);
    m_stop->setEnabled(false);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    connect(refresh, &QPushButton::clicked, this, &CaptureDialog::refreshInterfaces);
    connect(m_start, &QPushButton::clicked, this, [this] {
        if (m_iface->currentIndex() < 0) return;
        keylogEdited();  // a path typed but not yet confirmed is the one to use
        Q_EMIT startRequested(interfaceName(), filter());
    });
    connect(m_filter, &QLineEdit::returnPressed, m_start, &QPushButton::click);
    connect(m_stop, &QPushButton::clicked, this, &CaptureDialog::stopRequested);
    connect(close, &QPushButton::clicked, this, &QDialog::hide);
    connect(m_keylog, &QLineEdit::editingFinished, this, &CaptureDialog::keylogEdited);
    connect(m_keylog, &QLineEdit::textChanged, this, &CaptureDialog::updateKeylogState);
    connect(m_keylogBrowse, &QPushButton::clicked, this, [this] {
        // AnyFile: the key log a client is about to write need not exist yet.
        QFileDialog dlg(this, tr("NSS key log (SSLKEYLOGFILE) for TLS decryption"), keylogPath(),
                        tr("Key logs (*.log *.txt *.keys);;All files (*)"));
        dlg.setFileMode(QFileDialog::AnyFile);
        dlg.setAcceptMode(QFileDialog::AcceptOpen);
        if (dlg.exec() != QDialog::Accepted || dlg.selectedFiles().isEmpty()) return;
        m_keylog->setText(dlg.selectedFiles().first());
        keylogEdited();
    });
    updateKeylogState();
}

QString CaptureDialog::keylogPath() const {
    return m_keylog->text().trimmed();
}

void CaptureDialog::setKeylogPath(const QString& path) {
    m_keylogShown = path;
    m_keylog->setText(path);
    updateKeylogState();
}

QString CaptureDialog::keylogStateText() const {
    return m_keylogState->text();
}

void CaptureDialog::updateKeylogState() {
    m_keylogState->setText(LiveCapture::keylogState(keylogPath()));
}

void CaptureDialog::keylogEdited() {
    const QString path = keylogPath();
    updateKeylogState();
    if (path == m_keylogShown) return;
    m_keylogShown = path;
    Q_EMIT keylogChanged(path);
}

void CaptureDialog::showEvent(QShowEvent* e) {
    QDialog::showEvent(e);
    updateKeylogState();
    m_keylogTimer->start();
}

void CaptureDialog::hideEvent(QHideEvent* e) {
    m_keylogTimer->stop();
    QDialog::hideEvent(e);
}

void CaptureDialog::refreshInterfaces() {
    const QString current = interfaceName();
    m_iface->clear();
    QString error;
    const QList<CaptureInterfaceInfo> list = LiveCapture::listInterfaces(&error);
    for (const CaptureInterfaceInfo& i : list) {
        QString label = i.name;
        if (!i.addresses.isEmpty()) label += QStringLiteral("  (%1)").arg(i.addresses.join(u' '));
        if (!i.description.isEmpty()) label += QStringLiteral(" — ") + i.description;
        if (!i.up) label += tr(" [down]");
        m_iface->addItem(label, i.name);
    }
    const int keep = m_iface->findData(current);
    if (keep >= 0) m_iface->setCurrentIndex(keep);
    setMessage(list.isEmpty() ? error : QString());
    m_start->setEnabled(!list.isEmpty() && !m_live->isRunning());
}

QString CaptureDialog::interfaceName() const {
    return m_iface->currentData().toString();
}

QString CaptureDialog::filter() const {
    return m_filter->text().trimmed();
}

void CaptureDialog::setRunning(bool running) {
    m_start->setEnabled(!running && m_iface->count() > 0);
    m_stop->setEnabled(running);
    m_iface->setEnabled(!running);
    m_filter->setEnabled(!running);
    // A running capture follows the key log it started with.
    m_keylog->setEnabled(!running);
    m_keylogBrowse->setEnabled(!running);
}

void CaptureDialog::setMessage(const QString& text) {
    m_message->setText(text);
}

}  // namespace h2lens::gui
