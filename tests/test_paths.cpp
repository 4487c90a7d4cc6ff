#include "test_paths.h"

namespace soapgap::test {

const char* data_dir() { return SOAPGAP_TEST_DATA_DIR_PATH; }
const char* cli_path() { return SOAPGAP_CLI_PATH; }

}  // namespace soapgap::test
