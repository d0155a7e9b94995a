// Views: what agents may see of the env and of their neighbours, snapshotted at the start of
// each step.
//
// Env view. Every context carries the env's view: EnvView (the step and the share of the episode
// elapsed), or a richer struct derived from it. An env with a richer view keeps one as a member
// and overrides PhantomEnv::update_view(); agents read it with ctx.env_view<MarketView>().
//
// Agent views. An agent shows its neighbours a view by also deriving from WithView<V>:
//
//   struct ShopView { float price; };                  // trivially copyable
//   class Shop : public phantom::StrategicAgent, public phantom::WithView<ShopView> {
//     ShopView view(const phantom::Agent& observer) const override { return {price_}; }
//   };
//
// When the env builds a step's contexts, it asks each neighbour of each agent for the view that
// agent gets (so a view may depend on who looks) and copies it into the step's view arena.
// Handlers and observations later in the step read that snapshot, not the neighbour's live state
// — Python's semantics. ctx.view<ShopView>("SHOP") returns it (nullptr if that neighbour shows no
// view).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <type_traits>

#include "phantom/type_id.hpp"

namespace phantom {

class Agent;

/// The env's view: derive from it for a richer one (it is polymorphic so that
/// Context::env_view<V>() can check the type).
struct EnvView {
  EnvView() = default;
  EnvView(int64_t step, double elapsed) : current_step(step), proportion_time_elapsed(elapsed) {}
  virtual ~EnvView() = default;
  EnvView(const EnvView&) = default;
  EnvView& operator=(const EnvView&) = default;

  int64_t current_step = 0;
  /// current_step / num_steps (0 when the env has no step limit).
  double proportion_time_elapsed = 0.0;
};

/// How the network reads an agent's view without knowing its type; implemented by WithView<V>.
class ViewProvider {
 public:
  virtual ~ViewProvider() = default;
  virtual TypeId view_type() const = 0;
  /// The view type's name, for error messages.
  virtual std::string view_type_name() const = 0;
  virtual std::size_t view_size() const = 0;
  virtual std::size_t view_align() const = 0;
  /// Constructs the view `observer` gets in `out` (view_size() bytes aligned to view_align()).
  virtual void write_view(const Agent& observer, void* out) const = 0;
};

/// Mixin for agents with a view of type V (a trivially copyable struct).
template <class V>
class WithView : public ViewProvider {
  static_assert(std::is_trivially_copyable<V>::value,
                "an agent view must be trivially copyable: it is copied into the step's arena");
  static_assert(alignof(V) <= alignof(std::max_align_t), "an agent view cannot be over-aligned");

 public:
  /// The view of this agent that `observer` (a neighbour) gets this step.
  virtual V view(const Agent& observer) const = 0;

  TypeId view_type() const final { return type_id<V>(); }
  std::string view_type_name() const final { return type_name<V>(); }
  std::size_t view_size() const final { return sizeof(V); }
  std::size_t view_align() const final { return alignof(V); }
  void write_view(const Agent& observer, void* out) const final { new (out) V(view(observer)); }
};

}  // namespace phantom
