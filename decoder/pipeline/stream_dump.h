#pragma once
// `flows --dump DIR`: each connection's reassembled bytes in DIR/<id>.c2s and DIR/<id>.s2c, so
// they can be compared byte for byte with other tools. Gaps are not written as bytes; they are
// listed in DIR/<id>.gaps ("c2s OFFSET LENGTH" per line) when a connection has any.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "tcp/flow_table.h"

namespace h2lens {

class StreamDumpFactory : public FlowConsumerFactory {
  public:
    // Throws std::runtime_error when DIR cannot be created.
    explicit StreamDumpFactory(std::filesystem::path dir);
    std::unique_ptr<FlowConsumer> create(const FlowRecord& record) override;

  private:
    std::filesystem::path m_dir;
};

}  // namespace h2lens
