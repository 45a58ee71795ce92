#include "models/live_decode.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QStandardPaths>
#include <QTimer>

#include <fcntl.h>
#include <sys/stat.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include "capture/aligned_buffer.h"
#include "capture/pcapng_reader.h"
#include "models/read_pacer.h"

namespace h2lens::gui {

namespace {

constexpr int kChildQueueMiB = 256;

// Reads the pcapng file the child is still writing, block by block, and decodes each block with
// a PcapngReader over memory holding the section's header blocks (SHB, IDBs) followed by that
// block: the reader keeps parsing every field, this class only frames blocks, numbers packets
// and waits at the end of the file until the child writes more or has ended. A file rather than
// a pipe: the child's one write is then the capture the user saves, where a pipe cost a write,
// a read and a second write of every byte (the copy for Save Capture As), and at 1 GB/s on 2
// cores that second write alone was a third of the reader's time.
class LivePcapngSource final : public PacketSource {
  public:
    LivePcapngSource(int fd, std::shared_ptr<const std::atomic<bool>> writerDone, IdleHook idle,
                     const ReadPacer::Limits& pace)
        : m_fd(fd), m_writerDone(std::move(writerDone)), m_idle(std::move(idle)), m_pacer(pace) {}
    ~LivePcapngSource() override { ::close(m_fd); }

    ReadStatus next(Packet& out) override {
        while (!m_ended) {
            if (!readBlock()) break;
            const std::uint8_t* block = m_memory.data() + m_header.size();
            const std::size_t blockSize = m_memory.size() - m_header.size();
            const std::uint32_t type = u32(block);
            if (type == PcapngReader::kMagic) {
                m_header.assign(block, block + blockSize);  // a new section: interfaces follow
                m_memory = m_header;
                continue;
            }
            if (m_header.empty()) {
                fail("the live capture does not start with a pcapng Section Header Block");
                break;
            }
            if (type == 1) {  // Interface Description Block
                m_header.insert(m_header.end(), block, block + blockSize);
                continue;  // m_memory already holds the header with it
            }
            if (type != 2 && type != 3 && type != 6 && type != 10) continue;  // not needed
            m_reader = std::make_unique<PcapngReader>(ByteSpan(m_memory.data(), m_memory.size()));
            const bool packet = m_reader->next(out) == ReadStatus::Packet;
            for (const std::string& line : m_reader->decryptionSecrets()) m_secrets.push_back(line);
            for (CaptureIssue& i : m_reader->takeIssues()) {
                if (i.packetNumber) i.packetNumber = m_packets + 1;
                m_issues.push_back(std::move(i));
            }
            if (type == 2 || type == 3 || type == 6) ++m_packets;  // numbered even when bad
            if (packet) {
                out.number = m_packets;
                if (type == 3 && m_lastTs) out.ts = m_lastTs;  // SPB: no timestamp of its own
                m_lastTs = out.ts;
                return ReadStatus::Packet;
            }
        }
        m_ended = true;
        return ReadStatus::End;
    }
    std::vector<CaptureIssue> takeIssues() override { return std::exchange(m_issues, {}); }
    const std::vector<std::string>& decryptionSecrets() const override { return m_secrets; }
    std::uint64_t bytesRead() const override { return m_bytes; }

  private:
    static constexpr std::size_t kMaxBlock = 64 * 1024 * 1024;
    static constexpr std::size_t kChunk = 1024 * 1024;

    std::uint32_t u32(const std::uint8_t* p) const {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        return m_swap ? __builtin_bswap32(v) : v;
    }

    void fail(std::string message) { m_issues.push_back({m_packets + 1, std::move(message)}); }

    // Appends exactly n bytes to `out` (inserted, so no room is zeroed first); false at the end
    // of the capture or when cancelled.
    bool appendExact(Bytes& out, std::size_t n) {
        while (n > 0) {
            if (m_pos == m_end && !refill()) return false;
            const std::size_t take = std::min(n, m_end - m_pos);
            out.insert(out.end(), m_chunk.get() + m_pos, m_chunk.get() + m_pos + take);
            m_pos += take;
            n -= take;
        }
        return true;
    }

    // Whatever the file holds past what was read (up to kChunk); at its end, waits for the
    // child to write more. The end of the capture is the end of the file once the child has
    // exited: the flag is read before the read that finds nothing, so nothing written before
    // the exit is missed. Reads go around the page cache (O_DIRECT) as the child's writes do,
    // so they start on a 4 KiB boundary: the bytes before m_offset in that block are skipped.
    bool refill() {
        if (!m_chunk) m_chunk = makeAlignedBuffer(kChunk);
        for (;;) {
            const bool done = m_writerDone->load(std::memory_order_acquire);
            if (!done) {
                const auto wait = paceWait();
                if (wait > ReadPacer::Clock::duration::zero()) {
                    // A load may outlast any wait: a cancel must still end the read.
                    if (m_idle && !m_idle()) return cancelled();
                    ::poll(nullptr, 0,
                           static_cast<int>(
                               std::chrono::ceil<std::chrono::milliseconds>(wait).count()));
                    continue;
                }
            }
            const std::uint64_t start = alignDown(m_offset);
            const ssize_t got = ::pread(m_fd, m_chunk.get(), kChunk, static_cast<off_t>(start));
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                fail(fmt::format("cannot read the live capture: {}", std::strerror(errno)));
                return false;
            }
            const auto skip = static_cast<std::size_t>(m_offset - start);
            if (static_cast<std::size_t>(got) > skip) {
                m_bytes += static_cast<std::uint64_t>(got) - skip;
                m_offset = start + static_cast<std::uint64_t>(got);
                m_pos = skip;
                m_end = static_cast<std::size_t>(got);
                m_pacer.readDone(ReadPacer::Clock::now());
                return true;
            }
            if (done) return false;
            if (m_idle && !m_idle()) return cancelled();
            ::poll(nullptr, 0, 10);
        }
    }

    // The idle hook said stop (the user closed the capture): the read ends without an issue,
    // even inside a block.
    bool cancelled() {
        m_cancelled = true;
        return false;
    }

    // How long the next read must wait for the child's burst (ReadPacer); zero: read now.
    ReadPacer::Clock::duration paceWait() {
        struct stat st {};
        if (::fstat(m_fd, &st) != 0) return ReadPacer::Clock::duration::zero();
        return m_pacer.beforeRead(static_cast<std::uint64_t>(st.st_size), ReadPacer::Clock::now());
    }

    // The next whole block, read into m_memory after the section's header blocks (which
    // m_memory always starts with), so a packet block is copied once; false at the end (a
    // partial block is reported).
    bool readBlock() {
        const std::size_t at = m_header.size();
        m_memory.resize(at);
        if (!appendExact(m_memory, 8)) {
            if (m_memory.size() != at && !m_cancelled)
                fail("the live capture ended inside a block header");
            return false;
        }
        std::uint32_t raw;
        std::memcpy(&raw, m_memory.data() + at, 4);
        if (raw == PcapngReader::kMagic) {
            // The byte-order magic follows the length: read it to learn the section's order.
            if (!appendExact(m_memory, 4)) return false;
            std::uint32_t magic;
            std::memcpy(&magic, m_memory.data() + at + 8, 4);
            if (magic == 0x1a2b3c4d) {
                m_swap = false;
            } else if (magic == 0x4d3c2b1a) {
                m_swap = true;
            } else {
                fail("bad byte-order magic in a Section Header Block of the live capture");
                return false;
            }
        }
        const std::uint32_t length = u32(m_memory.data() + at + 4);
        if (length < 12 || length % 4 != 0 || length > kMaxBlock) {
            fail(fmt::format("bad pcapng block length {} in the live capture", length));
            return false;
        }
        if (!appendExact(m_memory, at + length - m_memory.size())) {
            if (!m_cancelled) fail("the live capture ended inside a block");
            return false;
        }
        return true;
    }

    int m_fd;
    std::shared_ptr<const std::atomic<bool>> m_writerDone;
    IdleHook m_idle;
    ReadPacer m_pacer;
    bool m_swap = false;
    bool m_ended = false;
    bool m_cancelled = false;
    std::uint64_t m_bytes = 0;
    std::uint64_t m_packets = 0;
    TimestampNs m_lastTs = 0;
    AlignedBuffer m_chunk;       // the last read: [m_pos, m_end) not taken
    std::uint64_t m_offset = 0;  // where the file's next byte is
    std::size_t m_pos = 0;
    std::size_t m_end = 0;
    Bytes m_header;  // SHB + IDBs of the current section
    // m_header, then the block being decoded: what m_reader reads (the last packet's data
    // points into it)
    Bytes m_memory;
    std::unique_ptr<PcapngReader> m_reader;
    std::vector<std::string> m_secrets;
    std::vector<CaptureIssue> m_issues;
};

// The last non-empty line of the child's stderr, "h2lens: " dropped.
QString lastSentence(const QByteArray& err) {
    const QList<QByteArray> lines = err.trimmed().split('\n');
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
        QString s = QString::fromUtf8(it->trimmed());
        if (s.isEmpty()) continue;
        if (s.startsWith(QLatin1String("h2lens: "))) s = s.mid(8);
        return s;
    }
    return {};
}

}  // namespace

std::unique_ptr<PacketSource> openLiveSource(const std::string& path,
                                             std::shared_ptr<const std::atomic<bool>> writerDone,
                                             const IdleHook& idle, const ReadPacer::Limits& pace) {
    // O_DIRECT where the file system takes it: new page-cache pages for every byte read
    // cost this VM as much CPU as the decode (bench/README.md).
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (fd < 0 && errno == EINVAL) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error(fmt::format("cannot open {}: {}", path, strerror(errno)));
    return std::make_unique<LivePcapngSource>(fd, std::move(writerDone), idle, pace);
}

QString windowLagText(qint64 fileBytes, quint64 readBytes) {
    constexpr quint64 kShown = 16'000'000;
    if (fileBytes <= 0 || static_cast<quint64>(fileBytes) < readBytes + kShown) return {};
    const quint64 behind = static_cast<quint64>(fileBytes) - readBytes;
    return QCoreApplication::translate("LiveCapture", " · the window reads %1 MB behind")
        .arg(static_cast<double>(behind) / 1e6, 0, 'f', 0);
}

LiveCapture::LiveCapture(CaptureLoader* loader, QObject* parent)
    : QObject(parent), m_loader(loader) {}

LiveCapture::~LiveCapture() {
    if (m_proc && m_proc->state() != QProcess::NotRunning) {
        m_proc->disconnect(this);
        m_proc->kill();
        m_proc->waitForFinished(2000);
    }
    if (m_childDone) m_childDone->store(true, std::memory_order_release);
}

QString LiveCapture::findH2lens() {
    const QString dir = QCoreApplication::applicationDirPath();
    for (const QString& p :
         {dir + QStringLiteral("/h2lens"), dir + QStringLiteral("/../cli/h2lens")}) {
        QFileInfo fi(p);
        if (fi.isFile() && fi.isExecutable()) return fi.canonicalFilePath();
    }
    return QStandardPaths::findExecutable(QStringLiteral("h2lens"));
}

QList<CaptureInterfaceInfo> LiveCapture::listInterfaces(QString* error) {
    QList<CaptureInterfaceInfo> out;
    const QString exe = findH2lens();
    if (exe.isEmpty()) {
        if (error) *error = tr("the h2lens program was not found next to h2lens-gui or on PATH");
        return out;
    }
    QProcess p;
    p.start(exe, {QStringLiteral("interfaces"), QStringLiteral("--json")});
    if (!p.waitForFinished(5000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        p.kill();
        if (error) {
            const QString why = lastSentence(p.readAllStandardError());
            *error =
                why.isEmpty() ? tr("`h2lens interfaces` failed: %1").arg(p.errorString()) : why;
        }
        return out;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(p.readAllStandardOutput());
    for (const QJsonValue& v : doc.array()) {
        const QJsonObject o = v.toObject();
        CaptureInterfaceInfo i;
        i.name = o.value(QLatin1String("name")).toString();
        i.description = o.value(QLatin1String("description")).toString();
        i.up = o.value(QLatin1String("up")).toBool();
        i.loopback = o.value(QLatin1String("loopback")).toBool();
        for (const QJsonValue& a : o.value(QLatin1String("addresses")).toArray())
            i.addresses << a.toString();
        if (!i.name.isEmpty()) out << i;
    }
    if (out.isEmpty() && error) *error = tr("no capture interfaces found");
    return out;
}

QString LiveCapture::keylogState(const QString& path) {
    if (path.isEmpty()) return tr("No TLS key log: TLS connections stay encrypted.");
    const QFileInfo fi(path);
    if (!fi.exists()) {
        return tr("Key log %1 does not exist yet; it is read as soon as the client creates it "
                  "(SSLKEYLOGFILE=%1).")
            .arg(path);
    }
    if (!fi.isFile() || !fi.isReadable())
        return tr("Key log %1 is not a readable file; it is tried again as the capture runs.")
            .arg(path);
    return tr("Key log %1 (%2 bytes so far) is followed as the client appends to it.")
        .arg(path)
        .arg(fi.size());
}

bool LiveCapture::start(const QString& interface, const QString& filter,
                        const DecodeOptions& options, QString* error) {
    if (isRunning()) {
        if (error) *error = tr("a capture is already running");
        return false;
    }
    const QString exe = findH2lens();
    if (exe.isEmpty()) {
        if (error) *error = tr("the h2lens program was not found next to h2lens-gui or on PATH");
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        if (error) *error = tr("cannot create a temporary directory: %1").arg(m_dir->errorString());
        return false;
    }
    m_capturePath = m_dir->filePath(QStringLiteral("live.pcapng"));
    // Created here so the decode can open it before the child does; the child's -w truncates
    // this same file, before anything is in it to read.
    if (QFile f(m_capturePath); !f.open(QIODevice::WriteOnly)) {
        if (error) *error = tr("cannot create %1: %2").arg(m_capturePath, f.errorString());
        return false;
    }
    m_childDone = std::make_shared<std::atomic<bool>>(false);

    delete m_proc;
    m_proc = new QProcess(this);
    m_stopRequested = false;
    // --stats: a line a second on stderr for the status bar, and the loss line at the end.
    // --write-only: the window decodes the file; a second decode in the child would take the
    // CPU the capture needs (at 1 GB/s on 2 cores, only half the streams then reached the window).
    QStringList args{
        QStringLiteral("live"), QStringLiteral("-i"), interface, QStringLiteral("-q"),
        QStringLiteral("--stats"), QStringLiteral("--write-only"),
        // New page-cache pages were slower than a 1 GB/s load on a VM (bench/README.md)
        QStringLiteral("--direct-io"), QStringLiteral("-w"), m_capturePath,
        // A burst faster than the disk (2.3 GB/s on loopback against 2.0-2.7 GB/s of writes
        // here) waits in memory; 128 MiB overflowed at 20,000 requests of 64 KiB.
        QStringLiteral("--queue-size"), QString::number(kChildQueueMiB)};
    if (!filter.trimmed().isEmpty()) args << QStringLiteral("-f") << filter.trimmed();
    m_proc->setProgram(exe);
    m_proc->setArguments(args);
    m_proc->setStandardOutputFile(QProcess::nullDevice());
    m_stderr.clear();
    m_lastLine.clear();
    m_lossLine.clear();
    m_childPeaks.clear();
    connect(m_proc, &QProcess::readyReadStandardError, this, &LiveCapture::onChildStderr);
    connect(m_proc, &QProcess::finished, this, &LiveCapture::onChildFinished);
    connect(m_proc, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart) return;
        m_childDone->store(true, std::memory_order_release);  // the decode ends at the file's end
        Q_EMIT childFinished(false, tr("cannot run h2lens: %1").arg(m_proc->errorString()));
    });

    DecodeOptions o = options;
    o.checkClockEveryPacket = true;
    o.followKeylog = true;  // the client writes it while we capture
    o.yieldToCapture = true;
    const std::string path = m_capturePath.toStdString();
    m_loader->loadSource(
        tr("live: %1").arg(interface),
        [path, done = std::shared_ptr<const std::atomic<bool>>(m_childDone)](const IdleHook& idle) {
            return openLiveSource(path, done, idle);
        },
        o);
    m_proc->start();
    return true;
}

void LiveCapture::stop() {
    if (!isRunning()) return;
    m_stopRequested = true;
    const qint64 pid = m_proc->processId();
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGINT);
    QPointer<QProcess> proc(m_proc);
    QTimer::singleShot(3000, this, [proc] {
        if (proc && proc->state() != QProcess::NotRunning) proc->kill();
    });
}

bool LiveCapture::isRunning() const {
    return m_proc && m_proc->state() != QProcess::NotRunning;
}

bool LiveCapture::saveAs(const QString& dest, QString* error) const {
    if (m_capturePath.isEmpty() || !QFile::exists(m_capturePath)) {
        if (error) *error = tr("there is no live capture to save");
        return false;
    }
    if (QFileInfo(dest).absoluteFilePath() == QFileInfo(m_capturePath).absoluteFilePath())
        return true;
    QFile::remove(dest);
    if (!QFile::copy(m_capturePath, dest)) {
        if (error) *error = tr("cannot write %1").arg(dest);
        return false;
    }
    return true;
}

void LiveCapture::onChildStderr() {
    m_stderr += m_proc->readAllStandardError();
    for (qsizetype nl; (nl = m_stderr.indexOf('\n')) >= 0;) {
        QString line = QString::fromUtf8(m_stderr.left(nl)).trimmed();
        m_stderr.remove(0, nl + 1);
        if (line.startsWith(QLatin1String("h2lens: "))) line = line.mid(8).trimmed();
        if (line.isEmpty()) continue;
        m_lastLine = line;
        if (line.contains(QLatin1String(" packets/s, ")) &&
            line.contains(QLatin1String("dropped so far"))) {
            Q_EMIT captureStats(line);
        } else if (line.startsWith(QLatin1String("lost "))) {
            m_lossLine = line;
        } else if (const qsizetype at = line.indexOf(QLatin1String("peak queue ")); at >= 0) {
            m_childPeaks = line.mid(at);
        }
    }
}

void LiveCapture::onChildFinished(int exitCode, QProcess::ExitStatus status) {
    m_childDone->store(true, std::memory_order_release);  // all it wrote is in the file now
    onChildStderr();
    const QString rest = lastSentence(m_stderr);  // a last line without its newline
    const QString why = rest.isEmpty() ? m_lastLine : rest;
    const bool ok = (status == QProcess::NormalExit && exitCode == 0) ||
                    (m_stopRequested && status == QProcess::NormalExit);
    QString msg;
    if (!ok) {
        msg = !why.isEmpty() ? why
              : status == QProcess::CrashExit
                  ? tr("h2lens live ended abnormally")
                  : tr("h2lens live exited with status %1").arg(exitCode);
    }
    Q_EMIT childFinished(ok, msg);
}

}  // namespace h2lens::gui
