#include "io/provenance.hpp"

#include <stdexcept>

#include "core/text.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"

namespace exvivo::io {

nlohmann::ordered_json provenance_record(const Provenance& p, const nlohmann::ordered_json& details) {
  nlohmann::ordered_json j;
  j[p.command] = p.name;
  j["engine_version"] = engine_version;
  j["git_revision"] = git_revision;
  for (const auto& input : p.inputs) {
    if (!input.path.empty()) j[input.role + "_file"] = utf8_or_escaped(input.path);
    j[input.role + "_sha256"] = input.sha256;
  }
  j["threads"] = p.threads;
  j["start_time"] = utc_timestamp(p.start);
  j["end_time"] = utc_timestamp(std::chrono::system_clock::now());
  j["wall_seconds"] = p.wall_seconds;
  for (const auto& [key, value] : details.items()) {
    if (j.contains(key)) throw std::logic_error("provenance: key '" + key + "' is written twice");
    j[key] = value;
  }
  return j;
}

void write_provenance(const std::filesystem::path& file, const Provenance& provenance,
                      const nlohmann::ordered_json& details) {
  const auto j = provenance_record(provenance, details);
  write_file_atomically(file, j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace exvivo::io
