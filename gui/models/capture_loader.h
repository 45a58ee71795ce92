#pragma once
// Runs decodeCapture() on a worker thread (QtConcurrent) and hands each DecodeBatch to the
// GUI thread by value (a queued call), where it is applied to the CaptureStore. Each load has a
// generation number: batches of a cancelled or replaced load are dropped on arrival.
#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>
#include <atomic>
#include <memory>

#include "models/capture_store.h"
#include "models/decode_job.h"

namespace h2lens::gui {

class CaptureLoader : public QObject {
    Q_OBJECT
  public:
    CaptureLoader(CaptureStore* store, QObject* parent = nullptr);
    ~CaptureLoader() override;

    // Clears the store and starts decoding `path`; a load in progress is cancelled first.
    void load(const QString& path, const DecodeOptions& options = {});
    // The same for any packet source (a live capture: see LiveCapture); `label` is what
    // path() and started() report.
    void loadSource(const QString& label, SourceOpener open, const DecodeOptions& options = {});
    void cancel();
    bool isRunning() const { return m_running; }
    // Blocks (processing events) until the current load ended; for tests and --screenshot.
    bool waitForFinished(int timeoutMs = -1);

    QString path() const { return m_path; }
    const DecodeResult& lastResult() const { return m_result; }
    // Bytes of the capture the decode has read so far (as of the last batch applied).
    quint64 bytesRead() const { return m_bytesRead; }

  Q_SIGNALS:
    void started(const QString& path);
    // Fraction read so far (0..1), packets so far.
    void progress(double fraction, quint64 packets);
    void finished(bool ok, const QString& message);

  private:
    void onBatch(std::uint64_t generation, std::shared_ptr<DecodeBatch> batch);
    void onDone(std::uint64_t generation, std::shared_ptr<DecodeResult> result);

    CaptureStore* m_store;
    QString m_path;
    std::uint64_t m_generation = 0;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    bool m_running = false;
    DecodeResult m_result;
    quint64 m_bytesRead = 0;
    // The one thread of DecodeOptions::yieldToCapture decodes: it keeps its lower priority
    // (an unprivileged thread cannot raise it again), so it does nothing else.
    QThreadPool m_yieldingPool;
    QFuture<void> m_future;
};

}  // namespace h2lens::gui
