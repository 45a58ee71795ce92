#pragma once
// File > Capture…: pick an interface (from `h2lens interfaces --json`), type a BPF filter,
// Start/Stop. The capture itself runs in a `h2lens live` child (LiveCapture), so the GUI needs
// no capture rights; the dialog stays open (non-modal) so Stop is at hand. It also shows the TLS
// key log the capture will follow (File > TLS Key Log, or typed/chosen here): the file may not
// exist yet, since the client creates it on its first handshake.
#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;

namespace h2lens::gui {

class LiveCapture;

class CaptureDialog : public QDialog {
    Q_OBJECT
  public:
    CaptureDialog(LiveCapture* live, QWidget* parent = nullptr);

    // Re-reads the interface list (runs the child; a second at most).
    void refreshInterfaces();
    QString interfaceName() const;
    QString filter() const;
    // The key log shown (and what keylogChanged() last reported); "" for none.
    QString keylogPath() const;
    // Shows `path` without emitting keylogChanged() (the main window's choice).
    void setKeylogPath(const QString& path);
    // The sentence under the key log path (LiveCapture::keylogState), re-read while shown.
    QString keylogStateText() const;

  Q_SIGNALS:
    // The user pressed Start / Stop; the main window starts or stops the capture.
    void startRequested(const QString& interface, const QString& filter);
    void stopRequested();
    // The user typed or chose another key log here.
    void keylogChanged(const QString& path);

  public:
    // Called by the main window when the capture state changes.
    void setRunning(bool running);
    void setMessage(const QString& text);

  protected:
    void showEvent(QShowEvent*) override;
    void hideEvent(QHideEvent*) override;

  private:
    void updateKeylogState();
    void keylogEdited();

    LiveCapture* m_live;
    QComboBox* m_iface;
    QLineEdit* m_filter;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_message;
    QLineEdit* m_keylog;
    QPushButton* m_keylogBrowse;
    QLabel* m_keylogState;
    QTimer* m_keylogTimer;
    QString m_keylogShown;  // the path keylogChanged() last reported
};

}  // namespace h2lens::gui
