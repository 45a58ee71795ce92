#include "export/protobuf_raw.h"

#include <fmt/format.h>

#include "export/body_text.h"

namespace h2lens {

namespace {

class Reader {
  public:
    explicit Reader(ByteSpan b) : m_b(b) {}
    bool done() const { return m_pos >= m_b.size(); }
    std::size_t pos() const { return m_pos; }
    bool varint(std::uint64_t& v) {
        v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_b.size()) return false;
            const std::uint8_t c = m_b[m_pos++];
            v |= std::uint64_t{c & 0x7fu} << shift;
            if (!(c & 0x80)) return true;
        }
        return false;
    }
    bool take(std::size_t n, ByteSpan& out) {
        if (m_b.size() - m_pos < n) return false;
        out = m_b.subspan(m_pos, n);
        m_pos += n;
        return true;
    }

  private:
    ByteSpan m_b;
    std::size_t m_pos = 0;
};

// Decodes fields until the end of `r` or, inside a group, until its END_GROUP.
bool decodeFields(Reader& r, int depth, std::vector<ProtoField>& out, std::string& error,
                  std::optional<std::uint32_t> group) {
    while (!r.done()) {
        const std::size_t at = r.pos();
        std::uint64_t key;
        if (!r.varint(key)) {
            error = fmt::format("truncated field key at byte {}", at);
            return false;
        }
        const std::uint64_t number = key >> 3;
        const auto type = static_cast<std::uint8_t>(key & 7);
        if (number == 0 || number > 0x1fffffff) {
            error = fmt::format("invalid field number {} at byte {}", number, at);
            return false;
        }
        ProtoField f;
        f.number = static_cast<std::uint32_t>(number);
        f.wireType = static_cast<ProtoWireType>(type);
        switch (type) {
            case 0:
                if (!r.varint(f.varint)) {
                    error = fmt::format("truncated varint at byte {}", at);
                    return false;
                }
                break;
            case 1:
            case 5: {
                ByteSpan s;
                const std::size_t n = type == 1 ? 8 : 4;
                if (!r.take(n, s)) {
                    error = fmt::format("truncated fixed{} at byte {}", n * 8, at);
                    return false;
                }
                for (std::size_t i = n; i-- > 0;)
                    f.varint = (f.varint << 8) | s[i];  // little endian
                break;
            }
            case 2: {
                std::uint64_t len;
                ByteSpan s;
                if (!r.varint(len) || len > SIZE_MAX || !r.take(static_cast<std::size_t>(len), s)) {
                    error = fmt::format("truncated length-delimited field at byte {}", at);
                    return false;
                }
                f.bytes.assign(s.begin(), s.end());
                f.shape = ProtoField::Shape::Bytes;
                if (!s.empty() && depth > 0) {
                    ProtoMessage nested = decodeProtobufRaw(s, depth - 1);
                    // Text that happens to parse as fields is more likely text.
                    if (nested.ok && !nested.fields.empty() && !isUtf8Text(s)) {
                        f.shape = ProtoField::Shape::Message;
                        f.children = std::move(nested.fields);
                    }
                }
                if (f.shape == ProtoField::Shape::Bytes && isUtf8Text(s))
                    f.shape = ProtoField::Shape::String;
                break;
            }
            case 3:
                if (depth <= 0) {
                    error = fmt::format("groups nested too deeply at byte {}", at);
                    return false;
                }
                if (!decodeFields(r, depth - 1, f.children, error, f.number)) return false;
                f.shape = ProtoField::Shape::Message;
                break;
            case 4:
                if (group && *group == f.number) return true;
                error = fmt::format("unmatched END_GROUP {} at byte {}", number, at);
                return false;
            default:
                error = fmt::format("invalid wire type {} at byte {}", type, at);
                return false;
        }
        out.push_back(std::move(f));
    }
    if (group) {
        error = fmt::format("group {} not closed", *group);
        return false;
    }
    return true;
}

}  // namespace

ProtoMessage decodeProtobufRaw(ByteSpan bytes, int maxDepth) {
    ProtoMessage m;
    Reader r(bytes);
    m.ok = decodeFields(r, maxDepth, m.fields, m.error, std::nullopt);
    return m;
}

std::string_view protoWireTypeName(ProtoWireType t) {
    switch (t) {
        case ProtoWireType::Varint:
            return "varint";
        case ProtoWireType::Fixed64:
            return "fixed64";
        case ProtoWireType::LengthDelimited:
            return "len";
        case ProtoWireType::StartGroup:
            return "group";
        case ProtoWireType::EndGroup:
            return "end_group";
        case ProtoWireType::Fixed32:
            return "fixed32";
    }
    return "?";
}

}  // namespace h2lens
