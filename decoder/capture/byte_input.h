#pragma once
// A forward-only byte input with look-ahead, over a FILE* (files, pipes, stdin) or a memory
// buffer. Parsers peek at a whole record, then consume it; the span returned by peek() stays
// valid until the next peek() or consume(). Reads from a FILE* are large (1 MiB) and the
// buffer only grows when a single record is larger than that, so the hot path never allocates.
//
// A regular file is read ahead on a thread of its own: read(2) copying the file into memory
// is a third of the time `streams` spends on a capture of large segments, and the decode need
// not wait for it. That thread fills 1 MiB chunks, at most kAheadChunks ahead (memory stays
// bounded); a record cut by a chunk's end is completed by copying its first part into the room
// kept before the next chunk's bytes, so bytes are copied once, by the kernel.
#include <cstdint>
#include <cstdio>
#include <memory>

#include "common/bytes.h"

namespace h2lens {

// Reads up to `size` bytes from `file`. A regular file goes through stdio (large buffered
// reads); a pipe, socket or terminal is read with read(2), which returns what has arrived, so a
// live stream (`h2lens live -w - | h2lens frames -`) is decoded as it comes instead of waiting
// for a full buffer. The stream must not have stdio-buffered bytes (openCapture makes such
// inputs unbuffered before reading the magic). Returns 0 at the end; `error` is set on failure.
std::size_t readAvailable(std::FILE* file, bool regularFile, void* buf, std::size_t size,
                          int& error);

class ByteInput {
  public:
    // Reads from `file`, first replaying `prefix` (bytes already taken from it, e.g. a magic
    // number read to detect the format). Closes `file` on destruction when `ownsFile`.
    ByteInput(std::FILE* file, bool ownsFile, Bytes prefix = {});
    // Reads from memory that must outlive this object. No copy is made.
    explicit ByteInput(ByteSpan memory);
    ~ByteInput();
    ByteInput(const ByteInput&) = delete;
    ByteInput& operator=(const ByteInput&) = delete;

    // Up to `n` bytes starting at the current position; fewer only at the end of the input
    // (or after a read error, see readError()).
    ByteSpan peek(std::size_t n);
    // Moves past `n` bytes; n must not exceed what the last peek() returned.
    void consume(std::size_t n);

    std::uint64_t position() const { return m_consumed; }
    // Size of the underlying regular file or buffer; 0 when unknown (pipes, stdin).
    std::uint64_t totalSize() const { return m_totalSize; }
    // errno-style error from the last failed fread, 0 if none.
    int readError() const { return m_readError; }

  private:
    static constexpr std::size_t kReadChunk = 1 << 20;
    // Room before a chunk's bytes for the part of a record the previous chunk held: packets
    // are at most 256 KiB in most captures; larger records take the copying path.
    static constexpr std::size_t kChunkRoom = 256 << 10;
    static constexpr std::size_t kAheadChunks = 2;
    class ReadAhead;

    ByteSpan peekAhead(std::size_t n);

    std::FILE* m_file = nullptr;
    bool m_ownsFile = false;
    ByteSpan m_memory;  // memory mode when m_file is null
    Bytes m_buffer;     // file mode: bytes [m_begin, m_end) are read but not consumed
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    bool m_eof = false;
    bool m_regularFile = false;
    int m_readError = 0;
    std::uint64_t m_consumed = 0;
    std::uint64_t m_totalSize = 0;
    std::unique_ptr<ReadAhead> m_ahead;  // regular files only
};

}  // namespace h2lens
