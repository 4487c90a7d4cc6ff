// Absolute paths the tests need, compiled into test_paths.cpp alone (see tests/CMakeLists.txt).
#pragma once

namespace soapgap::test {

const char* data_dir();  // tests/data of the source tree
const char* cli_path();  // the soapgap command-line tool of the build

}  // namespace soapgap::test

#define SOAPGAP_TEST_DATA_DIR (::soapgap::test::data_dir())
#define SOAPGAP_CLI (::soapgap::test::cli_path())
