// Tests of the metrics CSV writer (analysis/csv_logger.hpp): the exact text it writes, that each
// row is in the file as soon as write_row returns, RFC 4180 quoting read back by the reader, and
// append mode: header checks with messages naming the file and column, and the repair of a row
// torn by a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "analysis/csv_logger.hpp"
#include "analysis/csv_reader.hpp"
#include "nn/error.hpp"
#include "test_files.hpp"

namespace {

using analysis_test::append_all;
using analysis_test::error_message;
using analysis_test::read_all;
using analysis_test::ScratchDir;
using analysis_test::write_all;
using phantom::CsvMetricsLogger;
using phantom::CsvRow;
using Mode = phantom::CsvMetricsLogger::Mode;

const std::vector<std::string> kColumns = {"iteration", "env_steps", "reward_mean"};

// Writes rows 1..n of a small run (reward = iteration / 2) to a fresh file.
void write_run(const std::string& path, int n) {
  CsvMetricsLogger log(path, kColumns);
  for (int i = 1; i <= n; ++i) {
    log.write_row(
        CsvRow().set("iteration", i).set("env_steps", 100 * i).set("reward_mean", i / 2.0));
  }
}

TEST(CsvMetricsLogger, WritesTheHeaderOnceThenRowsInColumnOrder) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  {
    CsvMetricsLogger log(path, kColumns);
    EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n");
    // Cells are placed by column name, whatever order they were set in; unset cells are empty.
    log.write_row(CsvRow().set("reward_mean", 0.5).set("iteration", 1).set("env_steps", 100));
    log.write_row(CsvRow().set("iteration", 2));
    EXPECT_EQ(log.rows(), 2u);
  }
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,0.5\n2,,\n");
}

TEST(CsvMetricsLogger, EveryRowIsInTheFileWhenWriteRowReturns) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  CsvMetricsLogger log(path, kColumns);
  log.write_row(CsvRow().set("iteration", 1).set("env_steps", 100).set("reward_mean", 1.5));
  // Read through another handle while the logger is still open.
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,1.5\n");
  log.write_row(CsvRow().set("iteration", 2).set("env_steps", 200).set("reward_mean", 2.5));
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,1.5\n2,200,2.5\n");
}

TEST(CsvMetricsLogger, NumbersAreShortestRoundTripTextAndNaNIsEmpty) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  const double third = 1.0 / 3.0;
  const double inf = std::numeric_limits<double>::infinity();
  {
    CsvMetricsLogger log(path, {"d", "f", "i", "big", "nan", "inf", "neg"});
    log.write_row(CsvRow()
                      .set("d", 0.1)
                      .set("f", 0.1f)
                      .set("i", int64_t{-7})
                      .set("big", std::numeric_limits<uint64_t>::max())
                      .set("nan", std::nan(""))
                      .set("inf", inf)
                      .set("neg", -2.5f));
    log.write_row(CsvRow().set("d", third).set("f", std::nanf("")));
  }
  const std::string text = read_all(path);
  EXPECT_EQ(text.substr(0, text.find('\n', text.find('\n') + 1) + 1),
            "d,f,i,big,nan,inf,neg\n0.1,0.1,-7,18446744073709551615,,inf,-2.5\n");
  const phantom::CsvTable table = phantom::read_csv(path);
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.numbers("d")[1], third);  // bit-exact round trip
  EXPECT_TRUE(std::isnan(table.numbers("f")[1]));
  EXPECT_EQ(table.numbers("inf")[0], inf);
}

TEST(CsvMetricsLogger, QuotesWhatNeedsQuotingAndTheReaderReadsItBack) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  const std::vector<std::string> columns = {"plain", "policy,a/reward", "say \"hi\"", "two\nlines",
                                            "cr\rhere"};
  {
    CsvMetricsLogger log(path, columns);
    log.write_row(CsvRow()
                      .set_text("plain", "x")
                      .set_text("policy,a/reward", "1,2")
                      .set_text("say \"hi\"", "\"")
                      .set_text("two\nlines", "a\r\nb")
                      .set_text("cr\rhere", ""));
  }
  EXPECT_EQ(read_all(path).substr(0, read_all(path).find("\nx,")),
            "plain,\"policy,a/reward\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"");
  const phantom::CsvTable table = phantom::read_csv(path);
  EXPECT_EQ(table.header, columns);
  ASSERT_EQ(table.rows.size(), 1u);
  EXPECT_EQ(table.rows[0], (std::vector<std::string>{"x", "1,2", "\"", "a\r\nb", ""}));
}

TEST(CsvMetricsLogger, AppendKeepsTheRowsAndWritesNoSecondHeader) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_run(path, 2);
  {
    CsvMetricsLogger log(path, kColumns, Mode::kAppend);
    EXPECT_EQ(log.rows(), 2u);
    EXPECT_EQ(log.torn_bytes_dropped(), 0u);
    log.write_row(CsvRow().set("iteration", 3));
    EXPECT_EQ(log.rows(), 3u);
  }
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,0.5\n2,200,1\n3,,\n");
}

TEST(CsvMetricsLogger, AppendToAMissingOrEmptyFileWritesTheHeader) {
  ScratchDir dir;
  const std::string missing = dir.file("missing.csv");
  CsvMetricsLogger(missing, kColumns, Mode::kAppend);
  EXPECT_EQ(read_all(missing), "iteration,env_steps,reward_mean\n");

  const std::string empty = dir.file("empty.csv");
  write_all(empty, "");
  CsvMetricsLogger(empty, kColumns, Mode::kAppend);
  EXPECT_EQ(read_all(empty), "iteration,env_steps,reward_mean\n");
}

TEST(CsvMetricsLogger, AppendCutsOffATornLastRow) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_run(path, 2);
  append_all(path, "3,30");  // the process died in the middle of row 3
  CsvMetricsLogger log(path, kColumns, Mode::kAppend);
  EXPECT_EQ(log.torn_bytes_dropped(), 4u);
  EXPECT_EQ(log.rows(), 2u);
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,0.5\n2,200,1\n");
  log.write_row(CsvRow().set("iteration", 3).set("env_steps", 300).set("reward_mean", 1.5));
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,0.5\n2,200,1\n3,300,1.5\n");
}

TEST(CsvMetricsLogger, AppendCutsOffARowTornInsideAQuotedLineBreak) {
  // The torn part ends with a line break, but one inside quotes: it is still not a whole row.
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_run(path, 1);
  append_all(path, "2,\"two\n");
  CsvMetricsLogger log(path, kColumns, Mode::kAppend);
  EXPECT_EQ(log.torn_bytes_dropped(), 7u);
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,100,0.5\n");
}

TEST(CsvMetricsLogger, AppendRewritesATornHeader) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_all(path, "iteration,env_st");
  CsvMetricsLogger log(path, kColumns, Mode::kAppend);
  EXPECT_EQ(log.torn_bytes_dropped(), 16u);
  EXPECT_EQ(log.rows(), 0u);
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n");
}

TEST(CsvMetricsLogger, AppendLeavesAForeignFileAlone) {
  ScratchDir dir;
  const std::string path = dir.file("notes.csv");
  write_all(path, "my notes");  // no line break, and not the start of our header
  const std::string message =
      error_message<phantom::FormatError>([&] { CsvMetricsLogger(path, kColumns, Mode::kAppend); });
  EXPECT_CONTAINS(message, path);
  EXPECT_EQ(read_all(path), "my notes");
}

TEST(CsvMetricsLogger, AppendWithAnotherHeaderNamesTheFileAndTheFirstDifferingColumn) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_run(path, 1);
  const std::string before = read_all(path);
  auto append_error = [&](std::vector<std::string> columns) {
    return error_message<phantom::ConfigError>(
        [&] { CsvMetricsLogger(path, std::move(columns), Mode::kAppend); });
  };

  std::string message = append_error({"iteration", "steps", "reward_mean"});
  EXPECT_CONTAINS(message, path);
  EXPECT_CONTAINS(message, "column 2 is 'env_steps' in the file, 'steps' expected");

  message = append_error({"iteration", "env_steps", "reward_mean", "loss"});
  EXPECT_CONTAINS(message, "the file has 3 columns; column 4 'loss' is missing");

  message = append_error({"iteration", "env_steps"});
  EXPECT_CONTAINS(message, "column 3 'reward_mean' is extra");

  EXPECT_EQ(read_all(path), before);  // nothing written, nothing cut
}

TEST(CsvMetricsLogger, AppendRejectsAMalformedFile) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_all(path, "iteration,env_steps,reward_mean\n1,2\n");
  const std::string message =
      error_message<phantom::FormatError>([&] { CsvMetricsLogger(path, kColumns, Mode::kAppend); });
  EXPECT_CONTAINS(message, path);
  EXPECT_CONTAINS(message, "line 2");
}

TEST(CsvMetricsLogger, OverwriteReplacesAnExistingFile) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  write_run(path, 3);
  CsvMetricsLogger log(path, {"a"});
  EXPECT_EQ(read_all(path), "a\n");
}

TEST(CsvMetricsLogger, RejectsNoColumnsAndRepeatedColumns) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] { CsvMetricsLogger(path, {}); }), path);
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] {
                    CsvMetricsLogger(path, {"a", "b", "a"});
                  }),
                  "column 'a' is given twice");
}

TEST(CsvMetricsLogger, ARowWithAnUnknownColumnIsRejectedWhole) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  CsvMetricsLogger log(path, kColumns);
  const std::string message = error_message<phantom::ValueError>(
      [&] { log.write_row(CsvRow().set("iteration", 1).set("reward_man", 2.0)); });
  EXPECT_CONTAINS(message, "'reward_man'");
  EXPECT_CONTAINS(message, path);
  EXPECT_EQ(log.rows(), 0u);
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n");
  EXPECT_TRUE(log.has_column("reward_mean"));
  EXPECT_FALSE(log.has_column("reward_man"));
}

TEST(CsvMetricsLogger, CanBeMoved) {
  ScratchDir dir;
  const std::string path = dir.file("metrics.csv");
  CsvMetricsLogger first(path, kColumns);
  CsvMetricsLogger second = std::move(first);
  second.write_row(CsvRow().set("iteration", 1));
  EXPECT_EQ(read_all(path), "iteration,env_steps,reward_mean\n1,,\n");
}

TEST(CsvMetricsLogger, ReportsAFileItCannotCreate) {
  ScratchDir dir;
  const std::string path = dir.file("no/such/dir/metrics.csv");
  const std::string message =
      error_message<phantom::Error>([&] { CsvMetricsLogger(path, kColumns); });
  EXPECT_CONTAINS(message, path);
}

TEST(CsvMetricsLogger, ReportsAFailedWrite) {
  // Linux's /dev/full accepts the open and fails every write with "No space left on device".
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string message =
      error_message<phantom::Error>([] { CsvMetricsLogger("/dev/full", kColumns); });
  EXPECT_CONTAINS(message, "metrics CSV '/dev/full': cannot write the header");
}

TEST(AppendCsvField, QuotesOnlyWhenNeeded) {
  auto field = [](const std::string& s) {
    std::string out;
    phantom::append_csv_field(out, s);
    return out;
  };
  EXPECT_EQ(field("reward mean"), "reward mean");
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(field("a\nb"), "\"a\nb\"");
  // At the start of a file, an unquoted field starting with a byte order mark would read as the
  // file's mark followed by the rest of the field.
  EXPECT_EQ(field("\xEF\xBB\xBF"
                  "a"),
            "\"\xEF\xBB\xBF"
            "a\"");
  EXPECT_EQ(field("a\xEF\xBB\xBF"), "a\xEF\xBB\xBF");
}

// Found by fuzzing (csv_reader): a file starting with two byte order marks reads as a first
// column whose name is the second mark; written back with append_csv_field, that name was taken
// for the file's mark and the column came back empty. Every parsed table now writes back as
// itself.
TEST(AppendCsvField, AParsedTableWritesBackAsItselfWhateverItsFirstField) {
  for (const std::string& text : {std::string("\xEF\xBB\xBF\xEF\xBB\xBF\n"),
                                  std::string("\xEF\xBB\xBF\xEF\xBB\xBF"
                                              "a,b\n1,2\n"),
                                  std::string("\"\xEF\xBB\xBF"
                                              "a\",b\n1,2\n")}) {
    const phantom::CsvTable table = phantom::parse_csv(text, "in");
    std::string written;
    for (std::size_t i = 0; i < table.header.size(); ++i) {
      if (i > 0) written += ',';
      phantom::append_csv_field(written, table.header[i]);
    }
    written += '\n';
    for (const auto& row : table.rows) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (i > 0) written += ',';
        phantom::append_csv_field(written, row[i]);
      }
      written += '\n';
    }
    const phantom::CsvTable again = phantom::parse_csv(written, "written");
    EXPECT_EQ(again.header, table.header) << "from " << text;
    EXPECT_EQ(again.rows, table.rows) << "from " << text;
  }
}

}  // namespace

// A UTF-8 byte order mark marks the file, not its first column. A file that starts with one
// (saved by a spreadsheet program) is accepted in append mode, and the mark stays.
TEST(CsvMetricsLogger, AppendAcceptsAndKeepsAByteOrderMark) {
  ScratchDir dir;
  const std::string path = dir.file("bom.csv");
  write_all(path, "\xEF\xBB\xBFiteration,env_steps,reward_mean\n1,100,0.5\n");
  {
    CsvMetricsLogger log(path, kColumns, Mode::kAppend);
    EXPECT_EQ(log.rows(), 1u);
    log.write_row(CsvRow().set("iteration", 2).set("env_steps", 200).set("reward_mean", 1.0));
  }
  EXPECT_EQ(read_all(path), "\xEF\xBB\xBFiteration,env_steps,reward_mean\n1,100,0.5\n2,200,1\n");
  EXPECT_EQ(phantom::read_csv(path).header, kColumns);
}

// Reproducer: a first column given with a byte order mark was written as is, read back without
// it, and then refused in append mode ("the header differs"). It is the file's mark: written
// once, never part of the name, and the same columns append to the file.
TEST(CsvMetricsLogger, AFirstColumnWithAByteOrderMarkWritesTheFilesMark) {
  ScratchDir dir;
  const std::string path = dir.file("bom.csv");
  const std::vector<std::string> columns = {"\xEF\xBB\xBFiteration", "loss"};
  CsvMetricsLogger(path, columns).write_row(CsvRow().set("\xEF\xBB\xBFiteration", 1));
  EXPECT_EQ(read_all(path), "\xEF\xBB\xBFiteration,loss\n1,\n");
  EXPECT_EQ(phantom::read_csv(path).header, (std::vector<std::string>{"iteration", "loss"}));
  {
    CsvMetricsLogger again(path, columns, Mode::kAppend);
    EXPECT_EQ(again.rows(), 1u);
    again.write_row(CsvRow().set("\xEF\xBB\xBFiteration", 2));
  }
  CsvMetricsLogger(path, {"iteration", "loss"}, Mode::kAppend)
      .write_row(CsvRow().set("iteration", 3));
  EXPECT_EQ(read_all(path), "\xEF\xBB\xBFiteration,loss\n1,\n2,\n3,\n");
  // With and without the mark, the names are the same column.
  EXPECT_CONTAINS(error_message<phantom::ConfigError>([&] {
                    CsvMetricsLogger(path, {"\xEF\xBB\xBFx", "x"});
                  }),
                  "column 'x' is given twice");
}

// A header torn after the mark (or inside it) is written again; the mark is written once.
TEST(CsvMetricsLogger, AppendRewritesAHeaderTornAfterTheByteOrderMark) {
  ScratchDir dir;
  const std::string path = dir.file("torn.csv");
  write_all(path, "\xEF\xBB\xBFitera");
  { CsvMetricsLogger log(path, kColumns, Mode::kAppend); }
  EXPECT_EQ(read_all(path), "\xEF\xBB\xBFiteration,env_steps,reward_mean\n");
  write_all(path, "\xEF\xBB");
  { CsvMetricsLogger log(path, {"\xEF\xBB\xBFiteration"}, Mode::kAppend); }
  EXPECT_EQ(read_all(path), "\xEF\xBB\xBFiteration\n");
  write_all(path, "\xEF\xBB\xBFloss");
  EXPECT_THROW(CsvMetricsLogger(path, kColumns, Mode::kAppend), phantom::FormatError);
}
