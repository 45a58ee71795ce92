#pragma once
// Live capture for the GUI, the way Wireshark uses dumpcap: the GUI never needs capture rights;
// a child process `h2lens live -i IFACE -f FILTER --write-only -w FILE` captures and writes
// pcapng to a temporary file that the CaptureLoader decodes as it grows (rows, timeline and
// windows update through the usual batches); the same file is what File > Save Capture As…
// copies.
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>
#include <atomic>
#include <memory>

#include "models/capture_loader.h"
#include "models/read_pacer.h"

namespace h2lens::gui {

// A packet source reading the pcapng file at `path` as another process writes it: at the end of
// the file it calls `idle` and waits for more; it ends its input at the end of the file once
// `writerDone` is true (set it after the writer exited), or when `idle` returns false. Throws
// when the file cannot be opened. For use on the decoding thread. While the file grows fast the
// reads are paced (`pace`, see read_pacer.h), and `idle` is called at each wait too.
std::unique_ptr<PacketSource> openLiveSource(const std::string& path,
                                             std::shared_ptr<const std::atomic<bool>> writerDone,
                                             const IdleHook& idle,
                                             const ReadPacer::Limits& pace = {});

// For the status line while capturing: how far the window's decode is behind the file the
// child writes ("" within 16 MB: the reads are keeping up). During a burst the reads wait
// (read_pacer.h), so this grows, and shrinks again once the burst is over.
QString windowLagText(qint64 fileBytes, quint64 readBytes);

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
    // at the end of the file and the loader emits finished(). Killed if it lingers.
    void stop();
    bool isRunning() const;

    // The pcapng copy of the last capture ("" before the first start).
    QString capturePath() const { return m_capturePath; }
    // Copies the capture to `dest` (overwriting it).
    bool saveAs(const QString& dest, QString* error) const;

    // The child's last word on losses ("lost nothing: ...", "lost 12 packets: ..."), once it
    // ended; "" before.
    QString lossLine() const { return m_lossLine; }
    // The child's own peaks, from its last summary line: "peak queue 24.4 MB, peak memory
    // 108.8 MB" (what the capture itself held), once it ended; "" before.
    QString childPeaks() const { return m_childPeaks; }

  Q_SIGNALS:
    // The child ended; `ok` false when it failed, with its last stderr sentence in `message`.
    void childFinished(bool ok, const QString& message);
    // Once a second while it captures (`h2lens live --stats`): "3.0 s: 1234 packets/s, 5.6
    // MB/s, decode queue 0.1 MB; dropped so far: 0 by kernel, 0 by interface, 0 by h2lens".
    void captureStats(const QString& text);

  private:
    void onChildFinished(int exitCode, QProcess::ExitStatus status);
    void onChildStderr();

    CaptureLoader* m_loader;
    QProcess* m_proc = nullptr;
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_capturePath;                           // what the child writes and the decode reads
    std::shared_ptr<std::atomic<bool>> m_childDone;  // the child exited (or never started)
    bool m_stopRequested = false;
    QByteArray m_stderr;  // what the child wrote that is not a whole line yet
    QString m_lastLine;   // its last non-empty line, "h2lens: " dropped
    QString m_lossLine;
    QString m_childPeaks;
};

}  // namespace h2lens::gui
