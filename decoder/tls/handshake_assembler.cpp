#include "tls/handshake_assembler.h"

#include <algorithm>

namespace h2lens {

void HandshakeAssembler::reset() {
    m_headerHave = 0;
    m_length = 0;
    m_bodyHave = 0;
    m_skipping = false;
    m_body.clear();
}

void HandshakeAssembler::feed(ByteSpan bytes, const Callback& onMessage) {
    while (!bytes.empty()) {
        if (m_headerHave < 4) {
            const std::size_t take = std::min<std::size_t>(4 - m_headerHave, bytes.size());
            std::copy_n(bytes.begin(), take, m_header + m_headerHave);
            m_headerHave += take;
            bytes = bytes.subspan(take);
            if (m_headerHave < 4) return;
            m_length = loadBe24(m_header + 1);
            m_bodyHave = 0;
            m_skipping = m_length > m_maxMessage;
            m_body.clear();
            // A message wholly inside this chunk needs no copy.
            if (!m_skipping && bytes.size() >= m_length) {
                HandshakeMessage msg{m_header[0], m_length, bytes.first(m_length), false};
                bytes = bytes.subspan(m_length);
                m_headerHave = 0;
                onMessage(msg);
                continue;
            }
        }
        const std::size_t take = std::min<std::size_t>(m_length - m_bodyHave, bytes.size());
        if (!m_skipping) m_body.insert(m_body.end(), bytes.begin(), bytes.begin() + take);
        m_bodyHave += static_cast<std::uint32_t>(take);
        bytes = bytes.subspan(take);
        if (m_bodyHave < m_length) return;
        HandshakeMessage msg{m_header[0], m_length, {}, m_skipping};
        Bytes body = std::move(m_body);
        if (!m_skipping) msg.body = body;
        m_headerHave = 0;
        m_body.clear();
        onMessage(msg);
    }
}

}  // namespace h2lens
