#pragma once
#include <string>

namespace due {
// The toolkit's configuration schema: every key any tool reads, with its default. One document for all
// stages so a single experiment file (pipelines/*.yaml) configures the whole workflow. Each stage's section
// lives in libcommon/cli/schema/NN-<stage>.yaml; the build joins them (cmake/EmbedConfigSchema.cmake).
const std::string& toolkit_config_schema();
}  // namespace due
