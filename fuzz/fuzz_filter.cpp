// libFuzzer target for the stream filter language (CLI -Y, the GUI's filter box): user input.
// Input layout: the filter text up to the first NUL, then the bytes a stream is made of:
// :status, :method, :path and one header value, separated by NULs, and a duration in ms (byte).
// Checks: parsing never throws or loops, a filter with errors matches nothing, an empty filter
// matches everything.
// tests/filter/stream_filter_test.cpp replays fuzz/corpus/filter through this function.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/stream_filter.h"

namespace {

std::vector<std::string_view> split(std::string_view s) {
    std::vector<std::string_view> out;
    for (;;) {
        const std::size_t nul = s.find('\0');
        out.push_back(s.substr(0, nul));
        if (nul == std::string_view::npos) break;
        s.remove_prefix(nul + 1);
    }
    return out;
}

h2lens::HeaderField field(std::string_view name, std::string_view value) {
    h2lens::HeaderField f;
    f.name = std::string(name);
    f.value = std::string(value);
    return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace h2lens;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto parts = split(input);
    const StreamFilter filter = StreamFilter::parse(parts[0]);

    StreamRecord s;
    s.id = 1;
    auto part = [&](std::size_t i) { return i < parts.size() ? parts[i] : std::string_view(); };
    HeaderBlock request, response;
    request.fields = {field(":method", part(2)), field(":path", part(3)), field("x-fuzz", part(4))};
    response.fields = {field(":status", part(1))};
    s.request = request;
    s.response = response;
    if (!part(5).empty()) {
        s.requestStart = 0;
        s.closed = static_cast<TimestampNs>(static_cast<unsigned char>(part(5)[0])) * 1'000'000;
    }
    FilterTarget target{0, &s, {part(4)}};
    const bool matched = filter.matches(target);
    if (!filter.errors().empty() && matched) __builtin_trap();
    if (filter.empty() && !matched) __builtin_trap();
    return 0;
}
