#include "models/capture_loader.h"

#include <QEventLoop>
#include <QPointer>
#include <QTimer>
#include <openssl/crypto.h>

#include <QtConcurrent/QtConcurrent>

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "pcap/capture_file.h"

namespace h2lens::gui {

namespace {
constexpr int kYieldingNice = 10;
}  // namespace

CaptureLoader::CaptureLoader(CaptureStore* store, QObject* parent)
    : QObject(parent), m_store(store) {
    m_yieldingPool.setMaxThreadCount(1);
    m_yieldingPool.setExpiryTimeout(-1);  // a new thread would start at the normal priority
}

CaptureLoader::~CaptureLoader() {
    cancel();
    m_future.waitForFinished();
}

void CaptureLoader::load(const QString& path, const DecodeOptions& options) {
    const std::string file = path.toStdString();
    loadSource(path, [file](const IdleHook&) { return openCapture(file); }, options);
}

void CaptureLoader::loadSource(const QString& path, SourceOpener open,
                               const DecodeOptions& options) {
    cancel();
    m_future.waitForFinished();  // the old worker stops within 256 packets
    m_store->clear();
    m_path = path;
    m_running = true;
    m_result = {};
    m_bytesRead = 0;
    const std::uint64_t gen = ++m_generation;
    auto flag = std::make_shared<std::atomic<bool>>(false);
    m_cancel = flag;
    QPointer<CaptureLoader> self(this);
    Q_EMIT started(path);
    QThreadPool* pool = options.yieldToCapture ? &m_yieldingPool : QThreadPool::globalInstance();
    m_future = QtConcurrent::run(pool, [self, gen, flag, open = std::move(open), options] {
        if (options.yieldToCapture) {
            // Per thread on Linux; errno tells a failure from a nice of -1.
            errno = 0;
            const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
            if (errno == 0 && nice < kYieldingNice)
                ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kYieldingNice);
        }
        auto post = [self](auto fn) {
            if (self) QMetaObject::invokeMethod(self.data(), std::move(fn), Qt::QueuedConnection);
        };
        DecodeResult r = decodeSource(open, options, flag.get(), [&](DecodeBatch&& b) {
            auto shared = std::make_shared<DecodeBatch>(std::move(b));
            post([self, gen, shared] {
                if (self) self->onBatch(gen, shared);
            });
        });
        // This thread belongs to Qt's pool and may outlive OpenSSL's atexit cleanup, after which
        // its per-thread state (the error queue) could no longer be freed: release it now.
        OPENSSL_thread_stop();
        auto result = std::make_shared<DecodeResult>(std::move(r));
        post([self, gen, result] {
            if (self) self->onDone(gen, result);
        });
    });
}

void CaptureLoader::cancel() {
    if (m_cancel) m_cancel->store(true);
}

bool CaptureLoader::waitForFinished(int timeoutMs) {
    if (!m_running) return true;
    // A local event loop sleeps until the next batch or the end; polling processEvents() here
    // spun a whole core and starved the worker on a two-core machine.
    QEventLoop loop;
    connect(this, &CaptureLoader::finished, &loop, &QEventLoop::quit);
    QTimer timer;
    if (timeoutMs >= 0) {
        timer.setSingleShot(true);
        connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
        timer.start(timeoutMs);
    }
    if (m_running) loop.exec();
    return !m_running;
}

void CaptureLoader::onBatch(std::uint64_t generation, std::shared_ptr<DecodeBatch> batch) {
    if (generation != m_generation) return;  // a stale load
    const double fraction =
        batch->fileSize ? static_cast<double>(batch->bytesRead) / batch->fileSize : 0.0;
    const quint64 packets = batch->packets;
    m_bytesRead = batch->bytesRead;
    m_store->apply(std::move(*batch));
    Q_EMIT progress(fraction, packets);
}

void CaptureLoader::onDone(std::uint64_t generation, std::shared_ptr<DecodeResult> result) {
    if (generation != m_generation) return;
    m_running = false;
    m_result = std::move(*result);
    QString msg;
    if (!m_result.error.empty()) {
        msg = QString::fromStdString(m_result.error);
    } else if (m_result.cancelled) {
        msg = tr("Cancelled after %1 packets").arg(m_result.stats.packets);
    } else {
        msg = tr("%1 packets decoded in %2 s")
                  .arg(m_result.stats.packets)
                  .arg(m_result.seconds, 0, 'f', 2);
    }
    const KeyLogReport& k = m_result.keylog;
    if (k.followed && m_result.error.empty()) {
        if (!k.error.empty())
            msg += tr(" · key log: %1").arg(QString::fromStdString(k.error));
        else if (!k.seen)
            msg += tr(" · the key log never appeared");
        else
            msg +=
                tr(" · key log: %1 secrets for %2 TLS connections").arg(k.secrets).arg(k.randoms);
    }
    Q_EMIT finished(m_result.error.empty() && !m_result.cancelled, msg);
}

}  // namespace h2lens::gui
