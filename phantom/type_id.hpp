// Compile-time type identity without RTTI strings on the hot path.
//
// type_id<T>() is the address of a static that exists once per type in the program, so comparing
// two ids is one pointer compare. type_name<T>() gives a readable name for error messages only.
#pragma once

#include <string>
#include <typeinfo>

namespace phantom {

using TypeId = const void*;

template <class T>
TypeId type_id() {
  static const char tag = 0;
  return &tag;
}

/// The demangled name of a type ("OrderRequest", "supply_chain::ShopAgent").
std::string demangle(const std::type_info& info);

/// The name without namespaces ("ns::Outer::ShopAgent" -> "ShopAgent"; template arguments kept).
std::string unqualified(const std::string& name);

template <class T>
std::string type_name() {
  return demangle(typeid(T));
}

}  // namespace phantom
