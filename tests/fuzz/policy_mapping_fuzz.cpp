// Fuzz target: the policy-mapping text form (phantom/policy_mapping_text.cpp), what it means
// against an env (resolve) and the policy configs it carries (PolicyConfig's typed getters).
// Properties of accepted text: to_text() reads back, as the same text.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "fuzz_support.hpp"
#include "phantom/policy_mapping.hpp"
#include "support/policy_test_env.hpp"

namespace {

// Two policy kinds whose factories read their config through every typed getter.
phantom::PolicyRegistry make_registry() {
  phantom::PolicyRegistry r;
  r.add("constant",
        [](phantom::SpacePtr obs, phantom::SpacePtr act,
           const phantom::PolicyConfig& c) -> std::shared_ptr<phantom::Policy> {
          c.check_known_keys({"value"});
          return std::make_shared<test_support::ConstantPolicy>(
              obs, act, static_cast<float>(c.get_double("value", 0.0)));
        });
  r.add("counter",
        [](phantom::SpacePtr obs, phantom::SpacePtr act,
           const phantom::PolicyConfig& c) -> std::shared_ptr<phantom::Policy> {
          c.check_known_keys({"n", "flag", "name"});
          const float v =
              static_cast<float>(c.get_int("n", 0)) + (c.get_bool("flag", false) ? 1 : 0);
          c.get_string("name", "");
          return std::make_shared<test_support::ConstantPolicy>(obs, act, v);
        });
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const phantom::PolicyRegistry registry = make_registry();
  static const std::unique_ptr<phantom::PhantomEnv> env = test_support::make_market_env(true);

  auto mapping =
      fuzz::accept_or_error([&] { return phantom::PolicyMapping::parse(fuzz::text(data, size)); });
  if (!mapping) return 0;

  std::string written;
  fuzz::must_succeed("to_text() of a parsed mapping reads back as the same text", [&] {
    written = mapping->to_text();
    fuzz::check(phantom::PolicyMapping::parse(written, "to_text()").to_text() == written,
                "to_text() of a parsed mapping reads back as the same text:\n" + written);
  });

  fuzz::accept_or_error([&] { mapping->assign(*env); });
  if (mapping->empty()) return 0;
  fuzz::accept_or_error([&] {
    phantom::ResolvedPolicies resolved =
        mapping->resolve(*env, "ppo", {mapping->entries().front().policy_id}, registry);
    phantom::create_registered_policies(resolved, registry);
  });
  return 0;
}
