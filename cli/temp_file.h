#pragma once
// Temporary files for what does not fit in memory (the export's ordered output of several
// captures, the sorted runs of `streams`).
#include <cstdio>

namespace h2lens::cli {

// A new file in $TMPDIR (else /tmp), unlinked at once: gone when closed, whatever happens to
// the process. `prefix` names it while it briefly has a name. Null when it cannot be made.
std::FILE* openUnlinkedTempFile(const char* prefix);

}  // namespace h2lens::cli
