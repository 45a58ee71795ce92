#include "temp_file.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace h2lens::cli {

std::FILE* openUnlinkedTempFile(const char* prefix) {
    const char* dir = std::getenv("TMPDIR");
    std::string name = std::string(dir && *dir ? dir : "/tmp") + "/" + prefix + ".XXXXXX";
    const int fd = mkstemp(name.data());
    if (fd < 0) return nullptr;
    unlink(name.c_str());
    std::FILE* file = fdopen(fd, "w+b");
    if (file == nullptr) close(fd);
    return file;
}

}  // namespace h2lens::cli
