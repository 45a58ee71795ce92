#pragma once
// File > Capture…: pick an interface (from `h2lens interfaces --json`), type a BPF filter,
// Start/Stop. The capture itself runs in a `h2lens live` child (LiveCapture), so the GUI needs
// no capture rights; the dialog stays open (non-modal) so Stop is at hand.
#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

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

  Q_SIGNALS:
    // The user pressed Start / Stop; the main window starts or stops the capture.
    void startRequested(const QString& interface, const QString& filter);
    void stopRequested();

  public:
    // Called by the main window when the capture state changes.
    void setRunning(bool running);
    void setMessage(const QString& text);

  private:
    LiveCapture* m_live;
    QComboBox* m_iface;
    QLineEdit* m_filter;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_message;
};

}  // namespace h2lens::gui
