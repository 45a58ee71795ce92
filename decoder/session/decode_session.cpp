#include "session/decode_session.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include "parallel/tls_open_pool.h"
#include "pcap/capture_file.h"
#include "pipeline/http2_session.h"
#include "pipeline/secrets_feed.h"

namespace h2lens {

unsigned tlsWorkersFor(int tlsThreads) {
    if (tlsThreads > 0) return TlsOpenPool::workersFor(static_cast<unsigned>(tlsThreads));
    if (tlsThreads < 0 && std::thread::hardware_concurrency() > 1) {
        return TlsOpenPool::workersFor(0);
    }
    return 0;
}

DecodeSession::DecodeSession(const SessionOptions& options, H2Listener& listener,
                             const FactoryWrapper& wrap)
    : m_limits(options.limits) {
    if (options.followKeyLog && !options.keyLogPath.empty()) {
        m_keys.setGrowing(true);
        m_keys.setMaxRandoms(kMaxFollowedRandoms);
        m_keyLogFile.emplace(options.keyLogPath);
    } else if (!options.keyLogPath.empty()) {
        std::string error;
        if (!m_keys.loadFile(options.keyLogPath, error)) throw std::runtime_error(error);
    }
    m_tally.next = &listener;
    m_http2 = std::make_unique<Http2SessionFactory>(m_limits, &m_tally, &m_keys);
    // Records opened ahead are opened with the keys there are when they are framed; with a key
    // log still being written they must wait for keys instead.
    if (const unsigned workers = options.followKeyLog ? 0 : tlsWorkersFor(options.tlsThreads)) {
        m_tlsPool = std::make_unique<TlsOpenPool>(workers);
        m_http2->setTlsOpenService(m_tlsPool.get());
    }
    FlowConsumerFactory& front = wrap ? wrap(*m_http2) : *m_http2;
    m_analyzer = std::make_unique<Analyzer>(m_limits, &front);
    m_secrets = std::make_unique<SecretsFeed>(m_keys, *m_analyzer);
}

DecodeSession::DecodeSession(const SessionOptions& options, FlowConsumerFactory* consumers)
    : m_limits(options.limits) {
    if (!options.keyLogPath.empty() || options.tlsThreads > 0) {
        throw std::logic_error("a TCP-only decode has nothing to decrypt");
    }
    m_analyzer = std::make_unique<Analyzer>(m_limits, consumers);
    m_secrets = std::make_unique<SecretsFeed>(m_keys, *m_analyzer);
}

// The analyzer flushes the factory, which may still hold work for the pool: the analyzer goes
// first, the pool last (member order alone would do it, but the order is the point).
DecodeSession::~DecodeSession() {
    m_secrets.reset();
    m_analyzer.reset();
    m_http2.reset();
    m_tlsPool.reset();
}

void DecodeSession::ingest(const Packet& packet, const PacketSource* source) {
    if (source) m_secrets->update(*source);
    m_analyzer->ingest(packet);
}

void DecodeSession::finish() {
    if (m_finished) return;
    m_finished = true;
    // Sessions still waiting for keys get their last chance before their connections end.
    if (m_keyLogFile) pollKeyLog(true);
    m_analyzer->finish();
}

std::vector<Issue> DecodeSession::takeIssues() {
    return m_analyzer->takeIssues();
}

void DecodeSession::addIssue(Issue issue) {
    m_analyzer->addIssue(std::move(issue));
}

KeyLogFile::Status DecodeSession::pollKeyLog(bool final) {
    if (!m_keyLogFile) return KeyLogFile::Status::Missing;
    // Work put off (records opened ahead) must see the key log as it was when its packets came.
    m_analyzer->flush();
    return final ? m_keyLogFile->pollFinal(m_keys) : m_keyLogFile->poll(m_keys);
}

SessionRunResult DecodeSession::run(const std::string& path, const SessionRunHooks& hooks) {
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto source = openCapture(path);
    SessionRunResult result;
    auto report = [&](std::vector<Issue> issues) {
        for (const Issue& issue : issues) {
            ++result.issues;
            if (hooks.issue) hooks.issue(issue);
        }
    };
    auto reportSource = [&] {
        std::vector<Issue> issues = source->takeIssues();
        report(std::move(issues));
    };
    Packet packet;
    std::uint64_t n = 0;
    while (source->next(packet) == ReadStatus::Packet) {
        ingest(packet, source.get());
        if ((++n & 0xfff) == 0) {
            if (hooks.progress) hooks.progress(source->bytesRead(), source->fileSize());
            if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) {
                result.cancelled = true;
                break;
            }
        }
        reportSource();
        report(takeIssues());
    }
    reportSource();
    if (!result.cancelled) finish();
    report(takeIssues());
    result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    result.fileBytes = source->bytesRead();
    result.readFailed = source->readFailed();
    return result;
}

}  // namespace h2lens
