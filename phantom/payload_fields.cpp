// The table of payload describers.
#include "phantom/payload_fields.hpp"

#include <mutex>
#include <vector>

namespace phantom {

namespace {
// Registration happens once per payload type, possibly from several threads (each payload
// type's first send); lookups happen only while telemetry is logging. A locked vector is enough.
struct DescriberTable {
  std::mutex mutex;
  std::vector<std::pair<TypeId, PayloadDescriber>> entries;
};

DescriberTable& table() {
  static DescriberTable t;
  return t;
}
}  // namespace

void register_payload_describer(TypeId type, PayloadDescriber describer) {
  DescriberTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const auto& e : t.entries)
    if (e.first == type) return;
  t.entries.emplace_back(type, describer);
}

PayloadDescriber find_payload_describer(TypeId type) {
  DescriberTable& t = table();
  std::lock_guard<std::mutex> lock(t.mutex);
  for (const auto& e : t.entries)
    if (e.first == type) return e.second;
  return nullptr;
}

}  // namespace phantom
