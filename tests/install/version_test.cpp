// The version is written once (project(VERSION) in CMakeLists.txt); the generated header, the
// pkg-config file and the CMake package version all come from it, and CHANGELOG.md has an entry
// for it.
#include "phantom/version.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace {

std::string read_file(const char* path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string major_minor_patch() {
  return std::to_string(phantom::version_major) + "." + std::to_string(phantom::version_minor) +
         "." + std::to_string(phantom::version_patch);
}

TEST(Version, StringIsMajorMinorPatch) {
  EXPECT_EQ(std::string(phantom::version_string), major_minor_patch());
  EXPECT_EQ(std::string(PHANTOM_VERSION_STRING), major_minor_patch());
  EXPECT_EQ(PHANTOM_VERSION_MAJOR, phantom::version_major);
  EXPECT_EQ(PHANTOM_VERSION_MINOR, phantom::version_minor);
  EXPECT_EQ(PHANTOM_VERSION_PATCH, phantom::version_patch);
}

TEST(Version, PkgConfigAndCMakePackageSayTheSame) {
  std::string pc = read_file(PHANTOM_TEST_PC_FILE);
  EXPECT_NE(pc.find("\nVersion: " + major_minor_patch() + "\n"), std::string::npos)
      << PHANTOM_TEST_PC_FILE << ":\n"
      << pc;
  std::string cmake = read_file(PHANTOM_TEST_CMAKE_VERSION_FILE);
  EXPECT_NE(cmake.find("set(PACKAGE_VERSION \"" + major_minor_patch() + "\")"), std::string::npos)
      << PHANTOM_TEST_CMAKE_VERSION_FILE;
}

TEST(Version, ChangelogHasAnEntryForIt) {
  std::string changelog = read_file(PHANTOM_TEST_CHANGELOG);
  EXPECT_NE(changelog.find("\n## [" + major_minor_patch() + "]"), std::string::npos)
      << PHANTOM_TEST_CHANGELOG << " has no \"## [" << major_minor_patch() << "]\" section";
  EXPECT_NE(changelog.find("\n## [Unreleased]"), std::string::npos)
      << PHANTOM_TEST_CHANGELOG << " has no \"## [Unreleased]\" section";
}

}  // namespace
