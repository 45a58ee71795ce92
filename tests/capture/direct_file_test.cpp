// DirectFile: the O_DIRECT writer behind `live --direct-io`. Its chunks go out on a writer
// thread from kBuffers aligned buffers, so what must hold is that every byte lands once, in
// order, across many more chunks than buffers, that flush() returns only once the file holds
// all that was appended, that a file system refusing an unaligned direct write falls back to
// the cache without losing bytes, and that a full device is an error rather than a hang.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "capture/capture_test_util.h"
#include "capture/direct_file.h"

using namespace h2lens;
using namespace h2lens::test;
namespace fs = std::filesystem;

namespace {

fs::path tempFile(const std::string& name) {
    return fs::temp_directory_path() / ("h2lens_direct_" + std::to_string(getpid()) + "_" + name);
}

// Real capture bytes, repeated to `size`: capture 05 where ../shared is present, else a sample.
Bytes captureBytes(std::size_t size) {
    fs::path from = sharedDir() / "captures" / "05_many_streams_h2load_nghttpd" / "capture.pcap";
    if (!fs::exists(from)) {
        WARN("../shared absent: the bytes come from samples/h2c_dumpcap.pcapng");
        from = sourceDir() / "samples" / "h2c_dumpcap.pcapng";
    }
    const Bytes one = readFile(from);
    REQUIRE(!one.empty());
    Bytes out;
    out.reserve(size);
    while (out.size() < size)
        out.insert(out.end(), one.begin(),
                   one.begin() + static_cast<long>(std::min(one.size(), size - out.size())));
    return out;
}

}  // namespace

TEST_CASE("DirectFile writes every byte once, in order, across many more chunks than buffers",
          "[capture][direct]") {
    // Ten chunks and three blocks: each buffer is filled and written three times or more.
    const std::size_t total = 10 * DirectFile::kChunk + 3 * DirectFile::kAlign;
    const Bytes bytes = captureBytes(total);
    const fs::path path = tempFile("chunks");
    std::string error;
    auto file = DirectFile::create(path.string(), error);
    REQUIRE(file);
    const bool direct = file->direct();
    // An aligned point inside the sixth chunk: flushed there, the chunk goes out part full
    // and the appends after it continue into a recycled buffer.
    const std::size_t midway = 5 * DirectFile::kChunk + 7 * DirectFile::kAlign;
    std::size_t at = 0;
    std::size_t piece = 1;
    bool flushedMidway = false;
    while (at < total) {
        std::size_t n = std::min(piece, total - at);
        if (!flushedMidway && at < midway) n = std::min(n, midway - at);
        REQUIRE(file->append(bytes.data() + at, n));
        at += n;
        piece = piece * 7 % 100'003 + 1;  // uneven pieces, some across a chunk's end
        if (at == midway) {
            CHECK(file->unaligned() == 0);
            // flush() must return with all of it in the file.
            REQUIRE(file->flush());
            CHECK(fs::file_size(path) == at);
            flushedMidway = true;
        }
    }
    REQUIRE(file->flush());
    CHECK(file->direct() == direct);  // whole blocks only: never a reason to leave O_DIRECT
    file.reset();
    if (!direct) WARN("the file system refuses O_DIRECT here: the file went through the cache");
    CHECK(flushedMidway);
    const Bytes back = readFile(path);
    REQUIRE(back.size() == total);
    CHECK(back == bytes);
    fs::remove(path);
}

TEST_CASE("DirectFile falls back to the page cache when a flush leaves a part block",
          "[capture][direct]") {
    const Bytes bytes = captureBytes(DirectFile::kChunk + 1000);
    const fs::path path = tempFile("tail");
    std::string error;
    auto file = DirectFile::create(path.string(), error);
    REQUIRE(file);
    if (!file->direct()) {
        WARN(
            "skipped: the file system refuses O_DIRECT here, so there is nothing to fall back "
            "from");
        return;
    }
    REQUIRE(file->append(bytes.data(), 1000));
    CHECK(file->unaligned() == 1000);
    // A direct write of 1000 bytes is refused (EINVAL) by most file systems: the file is then
    // written the ordinary way. Some (ext4 on newer kernels) take it through the cache
    // themselves; either way no byte may be lost.
    REQUIRE(file->flush());
    if (file->direct()) WARN("this file system took an unaligned O_DIRECT write itself");
    REQUIRE(file->append(bytes.data() + 1000, bytes.size() - 1000));
    REQUIRE(file->flush());
    file.reset();
    CHECK(readFile(path) == bytes);
    fs::remove(path);
}

TEST_CASE("DirectFile reports a full device instead of waiting for it", "[capture][direct]") {
    if (!fs::exists("/dev/full")) {
        WARN("skipped: no /dev/full");
        return;
    }
    std::string error;
    auto file = DirectFile::create("/dev/full", error);
    REQUIRE(file);
    const Bytes bytes = captureBytes(DirectFile::kChunk);
    bool refused = false;
    // More chunks than buffers: once the writer thread has failed, appends stop at once.
    for (std::size_t i = 0; i < 4 * DirectFile::kBuffers && !refused; ++i)
        refused = !file->append(bytes.data(), bytes.size());
    const bool flushed = file->flush();
    CHECK_FALSE(flushed);
    CHECK(file->error() == std::strerror(ENOSPC));
    CHECK_FALSE(file->append(bytes.data(), 10));
}
