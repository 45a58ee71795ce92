#pragma once
// Follows an NSS key log file that another program is still writing: curl, Firefox and Chrome
// append one line per secret as their handshakes happen (TLS 1.3 secrets during the handshake,
// a TLS 1.2 CLIENT_RANDOM only after the ServerHello). Each poll() adds to a KeyLog the complete
// lines appended since the previous poll.
//
// * Cheap when nothing changed: one stat() (size, mtime, inode).
// * An unfinished last line waits for its newline (pollFinal() takes it at the end).
// * A file that shrank, was replaced (another inode) or whose bytes already read changed (it was
//   rewritten in place) is read again from the start; lines seen again only overwrite
//   themselves in the KeyLog.
// * A file that does not exist (yet) is not an error: curl creates it on first use.
// Memory: one read chunk (kReadChunk) and one unfinished line; a "line" longer than
// kMaxLineLength is not a key log line and is skipped up to its newline (counted).
#include <sys/types.h>
#include <cstddef>
#include <cstdint>
#include <string>

#include "tls/key_log.h"

namespace h2lens {

class KeyLogFile {
  public:
    static constexpr std::size_t kReadChunk = 64 * 1024;
    static constexpr std::size_t kMaxLineLength = 4096;  // real lines are < 300 bytes

    enum class Status : std::uint8_t {
        Missing,    // no such file (yet)
        Unchanged,  // nothing new since the last poll
        Read,       // new bytes were read (they may have held no complete line yet)
        Error,      // it exists but cannot be read: error() says why
    };

    explicit KeyLogFile(std::string path) : m_path(std::move(path)) {}

    Status poll(KeyLog& keys) { return read(keys, false); }
    // The same, and a last line without a newline counts too (the capture is over).
    Status pollFinal(KeyLog& keys) { return read(keys, true); }

    const std::string& path() const { return m_path; }
    // One sentence, set when poll() returned Error.
    const std::string& error() const { return m_error; }
    // Bytes of the file read so far (an unfinished last line included).
    std::uint64_t offset() const { return m_offset; }
    // Times the file was read again from the start (truncated, replaced, rewritten).
    std::uint64_t restarts() const { return m_restarts; }
    std::uint64_t skippedLongLines() const { return m_skippedLongLines; }

  private:
    Status read(KeyLog& keys, bool final);
    void restart();
    void consume(KeyLog& keys, std::string_view text, bool final);

    std::string m_path;
    std::string m_error;
    // Identity and state of the file as last read.
    bool m_known = false;
    dev_t m_dev = 0;
    ino_t m_ino = 0;
    std::int64_t m_mtimeNs = 0;
    std::uint64_t m_size = 0;
    std::uint64_t m_offset = 0;  // bytes read; the last m_carry.size() of them are m_carry
    std::string m_tail;          // the bytes before the carried line, to notice a rewrite
    std::string m_carry;         // an unfinished line, read but not yet added
    bool m_skipping = false;     // inside an over-long line: drop up to the next newline
    std::uint64_t m_restarts = 0;
    std::uint64_t m_skippedLongLines = 0;
};

}  // namespace h2lens
