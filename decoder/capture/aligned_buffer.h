#pragma once
// Memory for O_DIRECT reads and writes: the kernel moves those bytes straight between the disk
// and the caller's memory, so the buffer, the file offset and the length must all be multiples
// of the device's logical block. 4 KiB covers every disk and file system Linux runs on today
// (512-byte devices accept it too), so the writer and its live readers share one constant.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace h2lens {

inline constexpr std::size_t kDirectIoAlign = 4096;

struct FreeAligned {
    void operator()(std::uint8_t* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<std::uint8_t[], FreeAligned>;

// `bytes` of uninitialised memory on a kDirectIoAlign boundary; throws std::bad_alloc.
inline AlignedBuffer makeAlignedBuffer(std::size_t bytes) {
    void* p = nullptr;
    if (posix_memalign(&p, kDirectIoAlign, bytes) != 0) throw std::bad_alloc();
    return AlignedBuffer(static_cast<std::uint8_t*>(p));
}

// The start of the aligned block holding `offset`.
inline std::uint64_t alignDown(std::uint64_t offset) {
    return offset & ~std::uint64_t{kDirectIoAlign - 1};
}

}  // namespace h2lens
