#include "export/finding_json.h"

namespace h2lens {

nlohmann::ordered_json findingJson(const Finding& f, TimestampNs base) {
    const FindingKindInfo& k = kindInfo(f.kind);
    nlohmann::ordered_json j;
    j["peer"] = peerName(f.peer);
    j["peer_address"] = f.peerEndpoint().toString();
    j["kind"] = k.name;
    j["title"] = k.title;
    j["severity"] = severityName(f.severity());
    j["reference"] = k.reference;
    j["count"] = f.count;
    j["count_unit"] = f.count == 1 ? k.countOne : k.countUnit;
    j["peak"] = f.peak;
    j["peak_unit"] = k.peakUnit;
    j["threshold"] = f.threshold;
    j["threshold_text"] = f.thresholdText;
    j["first"] = static_cast<double>(f.first - base) / 1e9;
    j["last"] = static_cast<double>(f.last - base) / 1e9;
    j["first_time"] = static_cast<double>(f.first) / 1e9;
    j["last_time"] = static_cast<double>(f.last) / 1e9;
    j["detail"] = f.detail;
    return j;
}

}  // namespace h2lens
