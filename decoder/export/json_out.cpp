#include "export/json_out.h"

#include <array>
#include <cmath>

#include "export/body_text.h"
#include "export/json_text.h"

namespace h2lens {

void JsonOut::separate() {
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_hasItem.back()) *m_out += ',';
    m_hasItem.back() = true;
}

void JsonOut::open(char c) {
    separate();
    *m_out += c;
    m_hasItem.push_back(false);
}

void JsonOut::close(char c) {
    *m_out += c;
    m_hasItem.pop_back();
}

JsonOut& JsonOut::key(std::string_view k) {
    separate();
    appendJsonString(*m_out, k);
    *m_out += ':';
    m_afterKey = true;
    return *this;
}

void JsonOut::value(std::string_view s) {
    separate();
    appendJsonString(*m_out, s);
}

void JsonOut::value(double d) {
    separate();
    if (!std::isfinite(d)) {
        *m_out += "null";
        return;
    }
    std::array<char, 64> buffer{};  // the size nlohmann's serializer gives it
    const char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), d);
    m_out->append(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

void JsonOut::bytes(ByteSpan b, bool text) {
    separate();
    if (text) {
        appendJsonString(*m_out, asStringView(b));
        return;
    }
    *m_out += '"';
    appendBase64(*m_out, b);
    *m_out += '"';
}

void JsonDom::bytes(ByteSpan b, bool text) {
    place(text ? Json(std::string(asStringView(b))) : Json(base64Encode(b)));
}

Json& JsonDom::place(Json v) {
    if (m_stack.empty()) {
        m_root = std::move(v);
        return m_root;
    }
    Json& top = *m_stack.back();
    if (top.is_array()) {
        top.push_back(std::move(v));
        return top.back();
    }
    Json& slot = top[m_key];
    slot = std::move(v);
    return slot;
}

}  // namespace h2lens
