#include "data/shards.h"

#include <filesystem>
#include <map>

#include "io/dataset_store.h"
#include "util/errors.h"

namespace due {

ShardSpec parse_shard(const std::string& text) {
  ShardSpec shard;
  if (text.empty()) return shard;
  const auto bad = [&] { return UsageError("--shard '" + text + "': expected K/N with 1 <= K <= N, e.g. 2/4"); };
  const std::size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) throw bad();
  const std::string k = text.substr(0, slash), n = text.substr(slash + 1);
  if (k.find_first_not_of("0123456789") != std::string::npos || n.find_first_not_of("0123456789") != std::string::npos ||
      k.size() > 9 || n.size() > 9)
    throw bad();
  shard.index = std::stoul(k);
  shard.count = std::stoul(n);
  if (shard.index < 1 || shard.index > shard.count) throw bad();
  return shard;
}

PatientBounds shard_patient_bounds(const ShardSpec& shard, std::size_t patients) {
  return {(shard.index - 1) * patients / shard.count, shard.index * patients / shard.count};
}

ShardRange shard_range(const std::vector<std::string>& item_patients, const ShardSpec& shard, const std::string& what) {
  // Patient number of each item, by first appearance; a patient seen again after another one began is an error.
  std::vector<std::size_t> patient_of(item_patients.size());
  std::map<std::string, std::size_t> number;
  for (std::size_t i = 0; i < item_patients.size(); ++i) {
    const auto [it, fresh] = number.emplace(item_patients[i], number.size());
    if (!fresh && (i == 0 || item_patients[i - 1] != item_patients[i]))
      throw InputError(what + ": patient '" + item_patients[i] +
                       "' has items apart from each other (item " + std::to_string(i) +
                       "); shards need each patient's items consecutive (sort the list by patient)");
    patient_of[i] = it->second;
  }
  ShardRange range;
  range.patients = number.size();
  const PatientBounds bounds = shard_patient_bounds(shard, range.patients);
  range.first_patient = bounds.first;
  range.end_patient = bounds.end;
  range.first_item = item_patients.size();
  range.end_item = item_patients.size();
  for (std::size_t i = 0; i < item_patients.size(); ++i) {
    if (patient_of[i] >= range.first_patient && range.first_item == item_patients.size()) range.first_item = i;
    if (patient_of[i] >= range.end_patient) {
      range.end_item = i;
      break;
    }
  }
  if (range.first_item > range.end_item) range.first_item = range.end_item;
  return range;
}

void mark_partial(DatasetWriter& writer, const ShardSpec& shard, const ShardRange& range, const std::string& report_name) {
  writer.set_attribute(kShardAttribute, shard.text());
  writer.set_attribute(kShardPatientsAttribute, static_cast<std::int64_t>(range.patients));
  writer.set_attribute(kShardRangeAttribute, PatientBounds{range.first_patient, range.end_patient}.text());
  if (!report_name.empty()) writer.set_attribute(kShardReportAttribute, report_name);
}

std::string shard_report_path(const std::string& part_path) { return part_path + ".report.json"; }

}  // namespace due
