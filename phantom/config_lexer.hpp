// The tokenizer shared by the text forms of configuration (policy mappings, env configs).
//
// Both formats are line based: one entry per line (or per `;`, for a one-line config on a command
// line), `#` starts a comment that runs to the end of the line, and a line may end after a comma
// to continue the entry on the next line. The tokenizer knows nothing of either grammar; it turns
// the text into
//
//   word     a run of characters other than whitespace, `"`, `#`, `;` and the symbols below
//            (so "S1", "ShopAgent", "0.5", "-1e3" and "my-agent.1" are single words)
//   string   a double-quoted string; escapes \" \\ \n \t (for names with spaces or symbols)
//   symbol   one of  = : , [ ] ( )
//   newline  the end of a line, or a `;` (significant: it ends an entry)
//   end      the end of the text
//
// each with its line and column (1-based, in bytes), so a parser reports errors as
// "<source>:<line>:<column>: expected ..., found ...". The whole text is tokenized up front:
// configuration files are small, and lookahead is then free.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace phantom {

/// One token of configuration text (see the top of this file).
struct ConfigToken {
  enum class Kind { word, string, symbol, newline, end };

  Kind kind = Kind::end;
  /// The word, the string's unescaped contents, or the symbol character.
  std::string text;
  int line = 1;
  int column = 1;

  bool is_symbol(char c) const { return kind == Kind::symbol && text[0] == c; }
  /// A bare word equal to `keyword` (a quoted string is never a keyword).
  bool is_keyword(const char* keyword) const { return kind == Kind::word && text == keyword; }
  /// A word or a string: anything that can be a name or a value.
  bool is_name() const { return kind == Kind::word || kind == Kind::string; }
  /// For "found ..." in messages: "'S1'", "\"a b\"", "'='", "';'", "end of line", "end of input".
  std::string describe() const;
};

/// Tokenizes configuration text and gives a parser lookahead, expectations and positioned errors.
class ConfigLexer {
 public:
  /// Tokenizes all of `text`; throws ConfigError at an unterminated string or a bad escape.
  /// `source_name` (a file name, "<command line>"...) prefixes every error message.
  ConfigLexer(const std::string& text, std::string source_name);

  const std::string& source_name() const { return source_name_; }
  /// The token `ahead` positions after the next one (0: the next token). Past the end: end.
  const ConfigToken& peek(std::size_t ahead = 0) const;
  /// Consumes and returns the next token (the end token stays put).
  const ConfigToken& next();
  bool at_end() const { return peek().kind == ConfigToken::Kind::end; }

  /// Consumes the next token if it is the symbol `c`.
  bool accept_symbol(char c);
  /// Consumes the next token if it is the bare word `keyword`.
  bool accept_keyword(const char* keyword);
  /// Consumes the symbol `c` or fails with "expected '<c>'".
  void expect_symbol(char c);
  /// Consumes a word or string or fails with "expected <what>".
  const ConfigToken& expect_name(const std::string& what);
  /// Consumes a newline, or accepts the end of input; else fails with "expected end of line".
  void expect_end_of_line();
  /// Skips newline tokens (blank lines, comment lines, or a line break after a comma).
  void skip_newlines();

  /// "<source>:<line>:<column>" of a token.
  std::string where(const ConfigToken& at) const;
  /// Throws ConfigError "<source>:<line>:<column>: <message>".
  [[noreturn]] void fail(const ConfigToken& at, const std::string& message) const;
  /// Throws ConfigError "<where next token>: expected <what>, found <next token>".
  [[noreturn]] void fail_expected(const std::string& what) const;

 private:
  void tokenize(const std::string& text);

  std::string source_name_;
  std::vector<ConfigToken> tokens_;  // always ends with an end token
  std::size_t pos_ = 0;
};

/// `s` as a bare word when it would read back as that word, else as a quoted string with
/// escapes. Writers use it for every name and value so that to_text() output always parses.
std::string config_quote(const std::string& s);

}  // namespace phantom
