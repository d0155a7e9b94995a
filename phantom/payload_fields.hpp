// Opt-in field descriptions of message payloads, so telemetry can log what a message carried.
//
// Payloads are plain structs and C++ has no reflection, so by default telemetry knows a payload
// only by its type name. A payload that wants its fields logged adds one member template that
// names each field:
//
//   struct OrderRequest {
//     int size;
//     double price;
//     template <class W>
//     void describe(W& w) const { w("size", size); w("price", price); }
//   };
//
// A field may be a bool, an integer, an enum (logged as its integer value), a float or double,
// a char array (logged up to its first NUL) or a const char* (a NUL-terminated string, e.g. a
// literal; null is logged as null). Other types fail to compile with a message saying so.
//
// describe() is found at compile time. payload_rules<T>() (message.hpp), which every typed send
// goes through, registers it once per payload type in a small process-wide table keyed by the
// type id; telemetry looks the describer up there. The table only grows, at most once per type.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>
#include <utility>

#include "phantom/type_id.hpp"

namespace phantom {

/// Receives a payload's fields from its describe() member. Telemetry implements it.
class FieldWriter {
 public:
  virtual ~FieldWriter() = default;

  /// One field: dispatches on the value's type (see the top of this file).
  template <class V>
  void operator()(const char* name, const V& value) {
    if constexpr (std::is_same_v<V, bool>) {
      write_bool(name, value);
    } else if constexpr (std::is_enum_v<V>) {
      (*this)(name, static_cast<std::underlying_type_t<V>>(value));
    } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
      write_int(name, static_cast<int64_t>(value));
    } else if constexpr (std::is_integral_v<V>) {
      write_uint(name, static_cast<uint64_t>(value));
    } else if constexpr (std::is_same_v<V, float>) {
      write_float(name, value);
    } else if constexpr (std::is_floating_point_v<V>) {
      write_double(name, static_cast<double>(value));
    } else if constexpr (std::is_array_v<V> &&
                         std::is_same_v<std::remove_cv_t<std::remove_extent_t<V>>, char>) {
      // A fixed-size buffer need not be NUL-terminated: never read past its end.
      const char* begin = value;
      const void* nul = std::memchr(begin, '\0', std::extent_v<V>);
      write_string(name, std::string_view(begin, nul ? static_cast<const char*>(nul) - begin
                                                     : std::extent_v<V>));
    } else if constexpr (std::is_same_v<std::decay_t<V>, const char*> ||
                         std::is_same_v<std::decay_t<V>, char*>) {
      if (value == nullptr) {
        write_null(name);
      } else {
        write_string(name, std::string_view(value));
      }
    } else {
      static_assert(sizeof(V) == 0,
                    "describe(): a field must be a bool, integer, enum, float, double, char array "
                    "or const char*");
    }
  }

 protected:
  virtual void write_null(const char* name) = 0;
  virtual void write_bool(const char* name, bool value) = 0;
  virtual void write_int(const char* name, int64_t value) = 0;
  virtual void write_uint(const char* name, uint64_t value) = 0;
  virtual void write_float(const char* name, float value) = 0;
  virtual void write_double(const char* name, double value) = 0;
  virtual void write_string(const char* name, std::string_view value) = 0;
};

/// Calls the payload's describe() on a type-erased payload.
using PayloadDescriber = void (*)(const void* payload, FieldWriter& out);

/// Records the describer of a payload type (a second registration of a type is ignored).
void register_payload_describer(TypeId type, PayloadDescriber describer);
/// The describer registered for `type`, or nullptr when the payload has no describe().
PayloadDescriber find_payload_describer(TypeId type);

namespace detail {
template <class T, class = void>
struct HasDescribe : std::false_type {};
template <class T>
struct HasDescribe<
    T, std::void_t<decltype(std::declval<const T&>().describe(std::declval<FieldWriter&>()))>>
    : std::true_type {};
}  // namespace detail

/// Whether payload type T has a describe(W&) const member template.
template <class T>
inline constexpr bool has_describe_v = detail::HasDescribe<T>::value;

/// Registers T's describe() if it has one; returns whether it did. Called once per type.
template <class T>
bool register_payload_fields() {
  if constexpr (has_describe_v<T>) {
    register_payload_describer(type_id<T>(), [](const void* payload, FieldWriter& out) {
      static_cast<const T*>(payload)->describe(out);
    });
  }
  return has_describe_v<T>;
}

}  // namespace phantom
