// The configuration tokenizer.
#include "phantom/config_lexer.hpp"

#include <utility>

#include "nn/error.hpp"

namespace phantom {

namespace {

bool is_symbol_char(char c) {
  switch (c) {
    case '=':
    case ':':
    case ',':
    case '[':
    case ']':
    case '(':
    case ')':
      return true;
    default:
      return false;
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// Characters that end a bare word.
bool ends_word(char c) {
  return is_space(c) || c == '\n' || c == ';' || c == '"' || c == '#' || is_symbol_char(c);
}

// `s` as a quoted string with escapes.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string ConfigToken::describe() const {
  switch (kind) {
    case Kind::word:
    case Kind::symbol:
      return "'" + text + "'";
    case Kind::string:
      return quoted(text);
    case Kind::newline:
      return text == ";" ? "';'" : "end of line";
    case Kind::end:
      break;
  }
  return "end of input";
}

ConfigLexer::ConfigLexer(const std::string& text, std::string source_name)
    : source_name_(std::move(source_name)) {
  tokenize(text);
}

void ConfigLexer::tokenize(const std::string& text) {
  int line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  auto column = [&](std::size_t at) { return static_cast<int>(at - line_start) + 1; };
  while (i < text.size()) {
    char c = text[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\n') {
      tokens_.push_back({ConfigToken::Kind::newline, "\n", line, column(i)});
      ++i;
      ++line;
      line_start = i;
    } else if (c == ';') {  // a line break within a line, for one-line configs
      tokens_.push_back({ConfigToken::Kind::newline, ";", line, column(i)});
      ++i;
    } else if (is_symbol_char(c)) {
      tokens_.push_back({ConfigToken::Kind::symbol, std::string(1, c), line, column(i)});
      ++i;
    } else if (c == '"') {
      ConfigToken token{ConfigToken::Kind::string, "", line, column(i)};
      ++i;
      for (;;) {
        if (i >= text.size() || text[i] == '\n') fail(token, "unterminated string (missing '\"')");
        char s = text[i++];
        if (s == '"') break;
        if (s != '\\') {
          token.text += s;
          continue;
        }
        char e = i < text.size() ? text[i] : '\n';
        if (e == '"' || e == '\\') {
          token.text += e;
        } else if (e == 'n') {
          token.text += '\n';
        } else if (e == 't') {
          token.text += '\t';
        } else {
          ConfigToken at{ConfigToken::Kind::string, "", line, column(i - 1)};
          fail(at, "unknown escape in string (use \\\" \\\\ \\n or \\t)");
        }
        ++i;
      }
      tokens_.push_back(std::move(token));
    } else {
      std::size_t start = i;
      while (i < text.size() && !ends_word(text[i])) ++i;
      tokens_.push_back(
          {ConfigToken::Kind::word, text.substr(start, i - start), line, column(start)});
    }
  }
  tokens_.push_back({ConfigToken::Kind::end, "", line, column(i)});
}

const ConfigToken& ConfigLexer::peek(std::size_t ahead) const {
  std::size_t at = pos_ + ahead;
  return at < tokens_.size() ? tokens_[at] : tokens_.back();
}

const ConfigToken& ConfigLexer::next() {
  const ConfigToken& t = tokens_[pos_];
  if (pos_ + 1 < tokens_.size()) ++pos_;
  return t;
}

bool ConfigLexer::accept_symbol(char c) {
  if (!peek().is_symbol(c)) return false;
  next();
  return true;
}

bool ConfigLexer::accept_keyword(const char* keyword) {
  if (!peek().is_keyword(keyword)) return false;
  next();
  return true;
}

void ConfigLexer::expect_symbol(char c) {
  if (!accept_symbol(c)) fail_expected(std::string("'") + c + "'");
}

const ConfigToken& ConfigLexer::expect_name(const std::string& what) {
  if (!peek().is_name()) fail_expected(what);
  return next();
}

void ConfigLexer::expect_end_of_line() {
  if (peek().kind == ConfigToken::Kind::newline) {
    next();
  } else if (!at_end()) {
    fail_expected("end of line");
  }
}

void ConfigLexer::skip_newlines() {
  while (peek().kind == ConfigToken::Kind::newline) next();
}

std::string ConfigLexer::where(const ConfigToken& at) const {
  return source_name_ + ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
}

void ConfigLexer::fail(const ConfigToken& at, const std::string& message) const {
  throw ConfigError(where(at) + ": " + message);
}

void ConfigLexer::fail_expected(const std::string& what) const {
  fail(peek(), "expected " + what + ", found " + peek().describe());
}

std::string config_quote(const std::string& s) {
  bool bare = !s.empty();
  for (char c : s) bare = bare && !ends_word(c) && c != '\\';
  return bare ? s : quoted(s);
}

}  // namespace phantom
