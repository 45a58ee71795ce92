#pragma once
// Two ways to write one JSON shape with the same code: JsonOut appends compact text as it goes
// (an NDJSON stream line: no tree, nothing allocated per field, bodies copied once, straight from
// the transcript), JsonDom builds the nlohmann::ordered_json tree the document and the GUI keep.
// The shape functions are templates over either (transcript_json.cpp), so the two cannot drift;
// JsonOut's bytes are what appendJson() writes for JsonDom's tree (tests/export/json_out_test.cpp).
#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "export/transcript_json.h"

namespace h2lens {

class JsonOut {
  public:
    explicit JsonOut(std::string& out) : m_out(&out) { m_hasItem.push_back(false); }

    JsonOut& key(std::string_view k);
    void beginObject() { open('{'); }
    void endObject() { close('}'); }
    void beginArray() { open('['); }
    void endArray() { close(']'); }

    void value(std::string_view s);
    void value(const char* s) { value(std::string_view(s)); }
    void value(const std::string& s) { value(std::string_view(s)); }
    void value(bool b) {
        separate();
        *m_out += b ? "true" : "false";
    }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    void value(T v) {
        separate();
        const fmt::format_int text(v);
        m_out->append(text.data(), text.size());
    }
    // nlohmann's shortest round-trip form (Grisu2), "null" when not finite, as its dump() writes.
    void value(double d);
    void null() {
        separate();
        *m_out += "null";
    }
    // Body bytes: as a string when `text`, else base64.
    void bytes(ByteSpan b, bool text);

  private:
    void separate();
    void open(char c);
    void close(char c);

    std::string* m_out;
    std::vector<bool> m_hasItem;  // per open container: whether it has a member yet
    bool m_afterKey = false;
};

class JsonDom {
  public:
    JsonDom& key(std::string_view k) {
        m_key.assign(k);
        return *this;
    }
    void beginObject() { m_stack.push_back(&place(Json::object())); }
    void endObject() { m_stack.pop_back(); }
    void beginArray() { m_stack.push_back(&place(Json::array())); }
    void endArray() { m_stack.pop_back(); }

    void value(std::string_view s) { place(Json(std::string(s))); }
    void value(const char* s) { place(Json(std::string(s))); }
    void value(const std::string& s) { place(Json(s)); }
    void value(bool b) { place(Json(b)); }
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    void value(T v) {
        place(Json(v));
    }
    void value(double d) { place(Json(d)); }
    void null() { place(Json(nullptr)); }
    void bytes(ByteSpan b, bool text);

    Json take() { return std::move(m_root); }

  private:
    Json& place(Json v);

    Json m_root;
    std::vector<Json*> m_stack;  // open containers; a parent is not touched while a child is open
    std::string m_key;
};

}  // namespace h2lens
