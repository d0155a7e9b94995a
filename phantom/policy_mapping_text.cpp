// The text form of a PolicyMapping: parse() and to_text(). Grammar in policy_mapping.hpp and
// docs/CONFIG.md.
#include "phantom/policy_mapping.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "phantom/config_lexer.hpp"

namespace phantom {

namespace {

// A name that must not be empty (an empty quoted string "" is a name to the lexer).
std::string nonempty_name(ConfigLexer& lex, const std::string& what) {
  const ConfigToken& token = lex.expect_name(what);
  if (token.text.empty()) lex.fail(token, what + " must not be empty");
  return token.text;
}

AgentSelector parse_ids(ConfigLexer& lex, const std::string& policy_id) {
  std::vector<std::string> ids;
  for (;;) {
    const ConfigToken& token = lex.peek();
    std::string id = nonempty_name(lex, "an agent id");
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      lex.fail(token, "agent '" + id + "' is listed twice in policy '" + policy_id + "'");
    }
    ids.push_back(id);
    if (!lex.accept_symbol(',')) break;
    lex.skip_newlines();
  }
  return agent_ids(std::move(ids));
}

// "type ClassName" or "ids a, b, ...".
AgentSelector parse_selector(ConfigLexer& lex, const std::string& policy_id, bool kind_allowed) {
  if (lex.accept_keyword("type")) return agents_of_type_named(nonempty_name(lex, "a class name"));
  if (lex.accept_keyword("ids")) return parse_ids(lex, policy_id);
  lex.fail_expected(kind_allowed ? "'type', 'ids' or a policy kind followed by ':'"
                                 : "'type' or 'ids'");
}

PolicyConfig parse_config(ConfigLexer& lex, const std::string& policy_id) {
  PolicyConfig config;
  config.set_policy_id(policy_id);
  for (;;) {
    const ConfigToken& token = lex.peek();
    std::string key = nonempty_name(lex, "a config key");
    if (config.has(key)) {
      lex.fail(token, "config key '" + key + "' is repeated in policy '" + policy_id + "'");
    }
    lex.expect_symbol('=');
    config.set(key, lex.expect_name("a value for config key '" + key + "'").text);
    if (!lex.accept_symbol(',')) break;
    lex.skip_newlines();
  }
  return config;
}

}  // namespace

PolicyMapping PolicyMapping::parse(const std::string& text, const std::string& source_name) {
  ConfigLexer lex(text, source_name);
  PolicyMapping mapping;
  std::map<std::string, int> line_of;  // policy id -> line of its entry
  lex.skip_newlines();
  while (!lex.at_end()) {
    const ConfigToken& id_token = lex.peek();
    std::string id = nonempty_name(lex, "a policy id");
    auto seen = line_of.find(id);
    if (seen != line_of.end()) {
      lex.fail(id_token, "policy '" + id + "' is defined twice (first on line " +
                             std::to_string(seen->second) + ")");
    }
    line_of[id] = id_token.line;
    lex.expect_symbol('=');

    std::string kind;
    if (lex.peek().is_name() && lex.peek(1).is_symbol(':')) {
      kind = nonempty_name(lex, "a policy kind");
      lex.next();  // ':'
    }

    AgentSelector agents = parse_selector(lex, id, kind.empty());
    bool by_type = agents.kind() == AgentSelector::Kind::type;
    PolicyConfig config;
    const char* after_entry = by_type ? "'with' or end of line" : "',', 'with' or end of line";
    if (lex.accept_keyword("with")) {
      config = parse_config(lex, id);
      after_entry = "',' or end of line";
    }
    if (lex.peek().kind != ConfigToken::Kind::newline && !lex.at_end()) {
      lex.fail_expected(after_entry);
    }
    lex.skip_newlines();

    if (kind.empty()) {
      mapping.add(id, std::move(agents), std::move(config));
    } else {
      mapping.add(id, kind, std::move(agents), std::move(config));
    }
  }
  return mapping;
}

std::string PolicyMapping::to_text() const {
  std::string out;
  for (const PolicyEntry& e : entries_) {
    out += config_quote(e.policy_id) + " = ";
    if (!e.kind.empty()) out += config_quote(e.kind) + " : ";
    out += e.agents.to_text();
    const auto& items = e.config.items();
    for (std::size_t i = 0; i < items.size(); ++i) {
      out += i ? ", " : " with ";
      out += config_quote(items[i].first) + " = " + config_quote(items[i].second);
    }
    out += '\n';
  }
  return out;
}

}  // namespace phantom
