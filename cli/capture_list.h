#pragma once
// The capture files a multi-file command reads: files as given, directories searched
// recursively for captures (pcap or pcapng by magic number, or a capture extension), in a fixed
// order so every run reads them in the same order.
#include <string>
#include <vector>

namespace h2lens::cli {

struct CaptureListEntry {
    std::string path;  // as given, or the directory as given joined with the path found in it
    bool fromDirectory = false;
};

struct CaptureList {
    std::vector<CaptureListEntry> files;
    bool anyDirectory = false;
    std::vector<std::string> emptyDirectories;  // given, but holding no capture
};

// Each argument in order; a directory's captures sorted by path. A file named on the command line
// is always listed (reading it reports what is wrong); in a directory, a file is listed when its
// first bytes are a pcap or pcapng magic number or its name ends in .pcap, .pcapng or .cap.
// Directories are not entered through symbolic links (no loops). Throws std::runtime_error for a
// directory that cannot be read.
CaptureList listCaptures(const std::vector<std::string>& arguments);

// The first four bytes are a classic pcap (either byte order, micro- or nanoseconds) or a pcapng
// Section Header Block.
bool hasCaptureMagic(const std::string& path);

}  // namespace h2lens::cli
