#pragma once
// due-preprocess --shard K/N: which patients the K-th of N shard jobs prepares, and the attributes that mark its
// output as a partial dataset.h5 (docs/data-preparation.md). Shards are contiguous runs of patients in the
// order the single-process run writes them, so concatenating the parts in K order gives that run's sample order.
#include <cstddef>
#include <string>
#include <vector>

namespace due {

class DatasetWriter;
class SampleFileReader;

struct ShardSpec {
  std::size_t index = 0;  // K, 1-based; 0 = not sharded
  std::size_t count = 0;  // N
  bool active() const { return index > 0; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "K/N" with 1 <= K <= N; UsageError otherwise. "" gives the inactive spec.
ShardSpec parse_shard(const std::string& text);

// The items (samples, scan jobs) and patients one shard takes.
struct ShardRange {
  std::size_t first_item = 0, end_item = 0;        // [first, end) of the items
  std::size_t first_patient = 0, end_patient = 0;  // [first, end) of the patients, in order of appearance
  std::size_t patients = 0;                        // in the whole collection
};

// `item_patients` holds each item's patient in the single-process order. Patients are numbered by first
// appearance and shard K takes patients [floor((K-1)P/N), floor(KP/N)). Throws InputError when a patient's items
// are not consecutive (they could not be cut into contiguous shards); `what` names the source in that message.
ShardRange shard_range(const std::vector<std::string>& item_patients, const ShardSpec& shard, const std::string& what);

// The patients [first, end) shard K of N takes out of `patients`: [floor((K-1)P/N), floor(KP/N)).
struct PatientBounds {
  std::size_t first = 0, end = 0;
  std::string text() const { return std::to_string(first) + "-" + std::to_string(end); }  // /shard_patient_range
};
PatientBounds shard_patient_bounds(const ShardSpec& shard, std::size_t patients);

// Attribute names of a partial file.
inline constexpr const char* kShardAttribute = "shard";                  // "K/N"
inline constexpr const char* kShardPatientsAttribute = "shard_patients";  // P of the whole collection
inline constexpr const char* kShardRangeAttribute = "shard_patient_range";  // "first-end" (0-based, end exclusive)
inline constexpr const char* kShardReportAttribute = "shard_report";       // the part's report, beside it

// Marks a file as shard `shard` holding `range`; `report_name` (a file name beside the part) may be "".
void mark_partial(DatasetWriter& writer, const ShardSpec& shard, const ShardRange& range, const std::string& report_name);

// Where a shard's preprocess report goes: beside the part, named after it (parts share a folder).
std::string shard_report_path(const std::string& part_path);

}  // namespace due
