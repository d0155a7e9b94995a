// A strict XML 1.0 well-formedness parser for tests, written independently of the SVG writer
// (analysis/svg_plot.cpp) so that it checks the writer rather than mirroring it. It reads
// elements, attributes, character data, the five predefined entities and character references,
// comments, processing instructions, CDATA sections and the <?xml ?> declaration; it rejects
// mismatched or unclosed tags, a raw '<' or '&' in text or attribute values, unknown entities,
// duplicate attributes, "--" inside a comment, control characters, a DOCTYPE (not needed here),
// and anything but comments, processing instructions and whitespace around the one root element.
//
//   xml_test::Element svg = xml_test::parse(text);           // throws xml_test::ParseError
//   for (const xml_test::Element* p : svg.find_all("polyline", "series")) p->attr("points");
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/utf8.hpp"

namespace xml_test {

/// Not well-formed XML; the message gives the line and what was wrong.
class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One element: its name, attributes (entities decoded, in document order), child elements and
/// the character data directly inside it (entities decoded, CDATA included, concatenated).
struct Element {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<Element> children;
  std::string text;

  bool has(const std::string& attribute) const {
    for (const auto& a : attributes)
      if (a.first == attribute) return true;
    return false;
  }
  /// An attribute's value; throws std::runtime_error if there is none.
  const std::string& attr(const std::string& attribute) const {
    for (const auto& a : attributes)
      if (a.first == attribute) return a.second;
    throw std::runtime_error("<" + name + "> has no attribute '" + attribute + "'");
  }
  /// Whether the space-separated class attribute holds `cls`.
  bool has_class(const std::string& cls) const {
    if (!has("class")) return false;
    const std::string& all = attr("class");
    std::size_t start = 0;
    while (start <= all.size()) {
      std::size_t end = all.find(' ', start);
      if (end == std::string::npos) end = all.size();
      if (all.compare(start, end - start, cls) == 0 && end - start == cls.size()) return true;
      start = end + 1;
    }
    return false;
  }
  /// Every element below this one (not itself), depth first in document order, for which
  /// `match` is true.
  std::vector<const Element*> find_if(const std::function<bool(const Element&)>& match) const {
    std::vector<const Element*> found;
    collect(match, found);
    return found;
  }
  /// Every element below this one named `element_name` (and of class `cls` if not empty).
  std::vector<const Element*> find_all(const std::string& element_name,
                                       const std::string& cls = "") const {
    return find_if([&](const Element& e) {
      return e.name == element_name && (cls.empty() || e.has_class(cls));
    });
  }
  /// The character data of this element and all below it, in document order.
  std::string all_text() const {
    std::string out = text;
    for (const Element& c : children) out += c.all_text();
    return out;
  }

 private:
  void collect(const std::function<bool(const Element&)>& match,
               std::vector<const Element*>& found) const {
    for (const Element& c : children) {
      if (match(c)) found.push_back(&c);
      c.collect(match, found);
    }
  }
};

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  // document ::= XMLDecl? Misc* element Misc*
  Element document() {
    check_characters();
    if (starts_with("<?xml") && pos_ + 5 < s_.size() && is_space(s_[pos_ + 5])) declaration();
    misc();
    if (!starts_with("<")) fail("expected the root element");
    if (starts_with("<!DOCTYPE")) fail("a DOCTYPE is not supported");
    Element root = element(0);
    misc();
    if (pos_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_name_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool is_name_char(char c) {
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i)
      if (s_[i] == '\n') ++line;
    throw ParseError("XML line " + std::to_string(line) + ": " + what);
  }

  bool starts_with(std::string_view prefix) const {
    return s_.substr(pos_, prefix.size()) == prefix;
  }
  void expect(std::string_view token) {
    if (!starts_with(token)) fail("expected '" + std::string(token) + "'");
    pos_ += token.size();
  }
  bool skip_space() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
    return pos_ > start;
  }

  // XML 1.0 allows tab, LF, CR and everything from 0x20 up; not the other control characters.
  void check_characters() {
    for (std::size_t i = 0; i < s_.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(s_[i]);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        pos_ = i;
        fail("control character " + std::to_string(c) + " is not allowed in XML");
      }
    }
  }

  std::string name() {
    if (pos_ >= s_.size() || !is_name_start(s_[pos_])) fail("expected a name");
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    return std::string(s_.substr(start, pos_ - start));
  }

  // <?xml version="1.0" encoding="..." standalone="..."?>, in this order, version required.
  void declaration() {
    expect("<?xml");
    std::vector<std::pair<std::string, std::string>> attributes;
    while (skip_space() && !starts_with("?>")) attributes.push_back(attribute());
    expect("?>");
    if (attributes.empty() || attributes[0].first != "version") {
      fail("the XML declaration must start with version");
    }
    if (attributes[0].second.size() < 3 || attributes[0].second.compare(0, 2, "1.") != 0) {
      fail("unsupported XML version '" + attributes[0].second + "'");
    }
    for (std::size_t i = 1; i < attributes.size(); ++i) {
      const std::string& n = attributes[i].first;
      if (n != "encoding" && n != "standalone") fail("unexpected '" + n + "' in the declaration");
    }
  }

  // Comments, processing instructions and whitespace outside the root element.
  void misc() {
    for (;;) {
      skip_space();
      if (starts_with("<!--")) {
        comment();
      } else if (starts_with("<?")) {
        processing_instruction();
      } else {
        return;
      }
    }
  }

  void comment() {
    expect("<!--");
    const std::size_t end = s_.find("--", pos_);
    if (end == std::string_view::npos) fail("unclosed comment");
    pos_ = end;
    if (!starts_with("-->")) fail("'--' inside a comment");
    pos_ += 3;
  }

  void processing_instruction() {
    expect("<?");
    const std::string target = name();
    if (target.size() == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm' &&
        (target[2] | 0x20) == 'l') {
      fail("an XML declaration is allowed only at the very start");
    }
    const std::size_t end = s_.find("?>", pos_);
    if (end == std::string_view::npos) fail("unclosed processing instruction");
    pos_ = end + 2;
  }

  // At '&': a predefined entity or a character reference, decoded onto `out`.
  void reference(std::string& out) {
    expect("&");
    const std::size_t end = s_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 10) fail("'&' that starts no reference");
    const std::string_view ref = s_.substr(pos_, end - pos_);
    if (ref == "lt") {
      out += '<';
    } else if (ref == "gt") {
      out += '>';
    } else if (ref == "amp") {
      out += '&';
    } else if (ref == "quot") {
      out += '"';
    } else if (ref == "apos") {
      out += '\'';
    } else if (ref.size() >= 2 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) fail("empty character reference");
      uint32_t cp = 0;
      for (const char c : digits) {
        int d;
        if (c >= '0' && c <= '9') {
          d = c - '0';
        } else if (hex && c >= 'a' && c <= 'f') {
          d = c - 'a' + 10;
        } else if (hex && c >= 'A' && c <= 'F') {
          d = c - 'A' + 10;
        } else {
          fail("bad character reference '&" + std::string(ref) + ";'");
        }
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) fail("character reference out of range");
      }
      const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                           (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
      if (!allowed) fail("character reference to a character XML does not allow");
      test_support::append_utf8(out, cp);
    } else {
      fail("unknown entity '&" + std::string(ref) + ";'");
    }
    pos_ = end + 1;
  }

  std::pair<std::string, std::string> attribute() {
    std::string key = name();
    skip_space();
    expect("=");
    skip_space();
    if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
      fail("the value of attribute '" + key + "' is not quoted");
    }
    const char quote = s_[pos_++];
    std::string value;
    for (;;) {
      if (pos_ >= s_.size()) fail("unclosed value of attribute '" + key + "'");
      const char c = s_[pos_];
      if (c == quote) break;
      if (c == '<') fail("'<' in the value of attribute '" + key + "'");
      if (c == '&') {
        reference(value);
        continue;
      }
      // A literal line break or tab in a value is normalised to a space (XML 1.0, 3.3.3).
      value += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
      ++pos_;
    }
    ++pos_;
    return {std::move(key), std::move(value)};
  }

  Element element(int depth) {
    if (depth > 200) fail("elements nested too deeply");
    expect("<");
    Element e;
    e.name = name();
    for (;;) {
      const bool spaced = skip_space();
      if (starts_with("/>")) {
        pos_ += 2;
        return e;
      }
      if (starts_with(">")) {
        ++pos_;
        break;
      }
      if (!spaced) fail("expected whitespace, '>' or '/>' in the tag <" + e.name + ">");
      auto a = attribute();
      if (e.has(a.first)) fail("attribute '" + a.first + "' given twice in <" + e.name + ">");
      e.attributes.push_back(std::move(a));
    }
    content(e, depth);
    expect("</");
    const std::string closing = name();
    if (closing != e.name) fail("</" + closing + "> closes <" + e.name + ">");
    skip_space();
    expect(">");
    return e;
  }

  // Everything between an element's tags, up to its closing tag.
  void content(Element& e, int depth) {
    for (;;) {
      if (pos_ >= s_.size()) fail("<" + e.name + "> is not closed");
      if (starts_with("</")) return;
      if (starts_with("<!--")) {
        comment();
      } else if (starts_with("<![CDATA[")) {
        pos_ += 9;
        const std::size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) fail("unclosed CDATA section");
        e.text += s_.substr(pos_, end - pos_);
        pos_ = end + 3;
      } else if (starts_with("<?")) {
        processing_instruction();
      } else if (starts_with("<!")) {
        fail("unexpected '<!' in content");
      } else if (starts_with("<")) {
        e.children.push_back(element(depth + 1));
      } else if (starts_with("&")) {
        reference(e.text);
      } else if (starts_with("]]>")) {
        fail("']]>' in character data");
      } else {
        e.text += s_[pos_++];
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

/// Parses one XML document and returns its root element; throws ParseError if it is not
/// well-formed.
inline Element parse(std::string_view text) {
  return Parser(text).document();
}

}  // namespace xml_test
