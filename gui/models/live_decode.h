#pragma once
// Live capture for the GUI, the way Wireshark uses dumpcap: the GUI never needs capture rights;
// a child process `h2lens live -i IFACE -f FILTER -w -` captures and writes pcapng to a pipe
// that the CaptureLoader decodes as it arrives (rows, timeline and windows update through the
// usual batches). Every byte read is also copied (tee) to a temporary pcapng file so the
// capture can be saved afterwards.
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <memory>

#include "models/capture_loader.h"

namespace h2lens::gui {

// A packet source reading pcapng from `fd` (owned, closed by the source) that copies each byte
// read to `teePath` (created/truncated; empty: no copy) and calls `idle` while it waits for
// input; it ends its input when `idle` returns false. For use on the decoding thread.
std::unique_ptr<PacketSource> openLiveSource(int fd, const std::string& teePath,
                                             const IdleHook& idle);

struct CaptureInterfaceInfo {
    QString name;
    QString description;
    QStringList addresses;
    bool up = false;
    bool loopback = false;
};

class LiveCapture : public QObject {
    Q_OBJECT
  public:
    explicit LiveCapture(CaptureLoader* loader, QObject* parent = nullptr);
    ~LiveCapture() override;

    // The h2lens CLI: next to h2lens-gui (installed), ../cli/h2lens (build tree), else PATH.
    // Empty when not found.
    static QString findH2lens();
    // Runs `h2lens interfaces --json` (blocking, a few seconds at most). On failure returns
    // an empty list and sets `error`.
    static QList<CaptureInterfaceInfo> listInterfaces(QString* error);
    // One sentence on a key log a live capture would follow: "" for no path, else whether it
    // exists yet (a missing one is normal: the client creates it on its first handshake).
    static QString keylogState(const QString& path);

    // Starts the child and the decode (the store is cleared). False with `error` set when the
    // child cannot be started; a child that fails later (bad filter, no rights) is reported
    // by childFinished(). options.keylogPath is followed as the client writes it
    // (DecodeOptions::followKeylog); it need not exist yet.
    bool start(const QString& interface, const QString& filter, const DecodeOptions& options,
               QString* error);
    // Asks the child to stop (SIGINT: it flushes its output and exits); the decode then ends
    // at the end of the pipe and the loader emits finished(). Killed if it lingers.
    void stop();
    bool isRunning() const;

    // The pcapng copy of the last capture ("" before the first start).
    QString capturePath() const { return m_teePath; }
    // Copies the capture to `dest` (overwriting it).
    bool saveAs(const QString& dest, QString* error) const;

  Q_SIGNALS:
    // The child ended; `ok` false when it failed, with its last stderr sentence in `message`.
    void childFinished(bool ok, const QString& message);

  private:
    void onChildFinished(int exitCode, QProcess::ExitStatus status);

    CaptureLoader* m_loader;
    QProcess* m_proc = nullptr;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_teePath;
    bool m_stopRequested = false;
};

}  // namespace h2lens::gui
