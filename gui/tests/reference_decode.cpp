#include "reference_decode.h"

#include <stdexcept>

#include <filesystem>

#include "pcap/capture_file.h"
#include "pipeline/http2_session.h"

namespace h2lens::test {

namespace {

class Recorder final : public H2Listener {
  public:
    explicit Recorder(Reference& r) : m_ref(r) {}
    void onFrame(const FrameEvent& ev) override {
        const Frame& f = *ev.frame;
        m_ref.frames.push_back({ev.conn->id, f.streamId, f.type, f.flags, ev.dir, f.ts, f.length});
        if (f.frameType() == FrameType::Data && !f.data.empty()) {
            m_ref.bodies[static_cast<int>(ev.dir)][{ev.conn->id, f.streamId}].append(
                reinterpret_cast<const char*>(f.data.data()), f.data.size());
        }
    }
    void onStreamDone(const ConnectionInfo& c, const StreamRecord& s) override {
        m_ref.streams.push_back({c.id, s});
    }
    void onAnomaly(const ConnectionInfo&, const Anomaly& a) override {
        m_ref.anomalies.push_back(a);
    }
    void onConnectionDone(const ConnectionInfo& c, const ConnectionSummary& s) override {
        m_ref.connections.push_back({c, s});
    }

  private:
    Reference& m_ref;
};

}  // namespace

Reference referenceDecode(const std::string& path, const std::string& keylog) {
    Reference ref;
    Limits limits;
    Recorder rec(ref);
    KeyLog keys;
    std::string error;
    if (!keylog.empty() && !keys.loadFile(keylog, error))
        throw std::runtime_error("key log: " + error);
    Http2SessionFactory factory(limits, &rec, &keys);
    Analyzer analyzer(limits, &factory);
    auto src = openCapture(path);
    Packet p;
    while (src->next(p) == ReadStatus::Packet) analyzer.ingest(p);
    analyzer.finish();
    ref.flows.assign(analyzer.flows().records().begin(), analyzer.flows().records().end());
    return ref;
}

std::string sourcePath(const std::string& rel) {
    return std::string(H2LENS_SOURCE_DIR) + "/" + rel;
}

std::string sharedPath(const std::string& rel) {
    const std::string p = std::string(H2LENS_SHARED_DIR) + "/" + rel;
    return std::filesystem::exists(p) ? p : std::string();
}

}  // namespace h2lens::test
