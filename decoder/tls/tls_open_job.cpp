#include "tls/tls_open_job.h"

#include <algorithm>

namespace h2lens {

void TlsOpenJob::run(AeadOpener& opener) {
    const TlsRecord r = view();
    plainBuffer =
        std::make_unique_for_overwrite<std::uint8_t[]>(std::max<std::size_t>(r.fragment.size(), 1));
    result = protection->open(opener, seq, r, plainBuffer.get(), plaintext, contentType);
}

TlsRecord TlsOpenJob::view() const {
    return tlsRecordView(record);
}

TlsRecord tlsRecordView(ByteSpan all) {
    TlsRecord r;
    r.type = all[0];
    r.version = loadBe16(&all[1]);
    r.header = all.first(TlsRecordReader::kHeaderLength);
    r.fragment = all.subspan(TlsRecordReader::kHeaderLength);
    return r;
}

AeadOpener& AeadOpenerCache::get(const std::shared_ptr<const RecordProtection>& protection) {
    for (auto it = m_entries.rbegin(); it != m_entries.rend(); ++it) {
        if (it->protection == protection) return *it->opener;
    }
    if (m_entries.size() >= kMaxEntries) m_entries.erase(m_entries.begin());
    m_entries.push_back(
        Entry{protection, std::make_unique<AeadOpener>(protection->aead, protection->key)});
    return *m_entries.back().opener;
}

}  // namespace h2lens
