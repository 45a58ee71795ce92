// Replays fuzz/corpus/pcapng through PcapngReader as an ordinary test, so inputs that once
// crashed stay fixed, and checks what must hold for any input.
#include <filesystem>

#include "capture/capture_test_util.h"
#include "capture/pcapng_reader.h"

using namespace h2lens;
using namespace h2lens::test;

TEST_CASE("The pcapng fuzz corpus replays cleanly", "[capture][pcapng][fuzz]") {
    const auto dir = sourceDir() / "fuzz" / "corpus" / "pcapng";
    REQUIRE(std::filesystem::is_directory(dir));
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        ++files;
        INFO(entry.path().string());
        const Bytes bytes = readFile(entry.path());
        PcapngReader reader{ByteSpan(bytes), PcapngOptions{.maxBlockBytes = 1 << 20}};
        Packet p;
        std::uint64_t lastNumber = 0;
        while (reader.next(p) == ReadStatus::Packet) {
            CHECK(p.number > lastNumber);
            lastNumber = p.number;
            // Packet bytes are views into the input, never past it.
            CHECK(p.data.data() >= bytes.data());
            CHECK(p.data.data() + p.data.size() <= bytes.data() + bytes.size());
        }
        CHECK(reader.next(p) == ReadStatus::End);  // End is sticky
        CHECK(reader.bytesRead() <= bytes.size());
        const auto issues = reader.takeIssues();
        if (entry.path().filename().string().starts_with("bad_")) CHECK(!issues.empty());

        // Deterministic: a second reader sees the same packets and issues.
        PcapngReader first{ByteSpan(bytes), PcapngOptions{.maxBlockBytes = 1 << 20}};
        PcapngReader second{ByteSpan(bytes), PcapngOptions{.maxBlockBytes = 1 << 20}};
        const ReadResult a = readAll(first);
        const ReadResult b = readAll(second);
        CHECK(a.packets == b.packets);
        CHECK(a.issues.size() == issues.size());
        CHECK(b.issues.size() == issues.size());
        if (!a.packets.empty()) CHECK(a.packets.back().number == lastNumber);
    }
    CHECK(files >= 5);
}
