// docs/TUTORIAL.md shows the code of examples/tutorial/, which is compiled and run by the tests.
// Each of its code blocks is preceded by a line `<!-- from examples/tutorial/<file> -->`, and
// this test checks that the block appears in that file word for word, so that the tutorial can
// only show code that builds and runs.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Block {
  std::string file;  // relative to the source tree
  std::string code;
  int line = 0;  // of the block's opening fence in the tutorial
};

// The code blocks of `markdown` that follow a "<!-- from FILE -->" line.
std::vector<Block> quoted_blocks(const std::string& markdown) {
  const std::string marker = "<!-- from ";
  std::vector<Block> blocks;
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < markdown.size();) {
    const std::size_t end = markdown.find('\n', start);
    lines.push_back(markdown.substr(start, end == std::string::npos ? end : end - start));
    start = end == std::string::npos ? markdown.size() : end + 1;
  }
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind(marker, 0) != 0) continue;
    Block b;
    const std::size_t close = lines[i].find(" -->");
    b.file = lines[i].substr(marker.size(), close - marker.size());
    b.line = static_cast<int>(i + 2);
    EXPECT_EQ(lines[i + 1], "```cpp") << "line " << i + 2 << ": a code block must follow";
    std::size_t j = i + 2;
    for (; j < lines.size() && lines[j] != "```"; ++j) b.code += lines[j] + "\n";
    EXPECT_LT(j, lines.size()) << "the block at line " << b.line << " is not closed";
    blocks.push_back(b);
    i = j;
  }
  return blocks;
}

TEST(Tutorial, EveryCodeBlockIsInTheCompiledExample) {
  const std::string root = PHANTOM_SOURCE_DIR;
  const std::vector<Block> blocks = quoted_blocks(read_file(root + "/docs/TUTORIAL.md"));
  EXPECT_GE(blocks.size(), 10u) << "the tutorial's code blocks are marked with their file";
  for (const Block& b : blocks) {
    EXPECT_EQ(b.file.rfind("examples/tutorial/", 0), 0u) << b.file;
    const std::string source = read_file(root + "/" + b.file);
    EXPECT_NE(source.find(b.code), std::string::npos)
        << "docs/TUTORIAL.md, the block at line " << b.line << " is not in " << b.file
        << " as shown:\n"
        << b.code;
  }
}

TEST(Tutorial, EveryCodeBlockSaysWhereItIsFrom) {
  const std::string markdown = read_file(std::string(PHANTOM_SOURCE_DIR) + "/docs/TUTORIAL.md");
  std::size_t fences = 0;
  for (std::size_t at = markdown.find("```cpp"); at != std::string::npos;
       at = markdown.find("```cpp", at + 1)) {
    ++fences;
  }
  EXPECT_EQ(fences, quoted_blocks(markdown).size())
      << "a C++ block without a '<!-- from examples/tutorial/... -->' line is not checked";
}

}  // namespace
