#pragma once
// The HDF5 layout every stage's file shares: named columns stacked over samples (rows), arrays chunked one
// sample per chunk and gzip-compressed, variable-length UTF-8 strings, and root attributes for the schema
// (name, version) and the provenance. dataset.h5, variance.h5, annotations.h5 ... are all SampleFiles with
// their own column lists.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/provenance.h"

namespace due {

enum class ElementType { Float32, UInt8, String };

// The values a uint8 column may hold: any byte, or only 0 and 1 (a flag: slice annotated, rater present).
enum class ColumnValues { Any, ZeroOrOne };

struct ColumnSpec {
  std::string name;                      // dataset path without the leading '/'
  ElementType type;
  std::vector<std::size_t> sample_shape; // shape of one row; for readers, 0 means "any extent"
  // Readers only: a file without this dataset is accepted (files written before the column existed).
  bool optional = false;
  // Readers only: a ZeroOrOne column is read whole when the file is opened and any other value rejected.
  ColumnValues values = ColumnValues::Any;
};

class SampleFileWriter {
 public:
  // Creates the file under a temporary name beside `final_path`; nothing appears under the final name until
  // commit(). `gzip_level` 0 disables compression.
  SampleFileWriter(const std::string& final_path, const std::string& schema_name, int schema_version,
                   std::vector<ColumnSpec> columns, int gzip_level);
  ~SampleFileWriter();
  SampleFileWriter(const SampleFileWriter&) = delete;
  SampleFileWriter& operator=(const SampleFileWriter&) = delete;

  // Each row sets every column once, then end_row(). Array data must hold the column's sample size.
  void put(const std::string& column, const float* data);
  void put(const std::string& column, const std::uint8_t* data);
  void put(const std::string& column, const std::string& value);
  void end_row();
  std::size_t rows() const;
  // Rewrites one finished row of a uint8 column (e.g. splits decided once every sample is known).
  void overwrite(const std::string& column, std::size_t row, const std::uint8_t* data);

  void set_attribute(const std::string& name, const std::string& value);
  void set_attribute(const std::string& name, std::int64_t value);
  void set_provenance(const Provenance& provenance);

  // Closes the file and syncs it to disk under its temporary name: outputs committed together are all finished
  // before any is renamed (io/atomic_output.h). A failed write here or anywhere above is InputError naming the
  // final path and the system's cause ("No space left on device").
  void finish();
  // finish(), then renames the file into place.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class SampleFileReader {
 public:
  // Opens and checks the schema attributes and every expected column (presence, element type, rank, row
  // count, fixed extents, the values of ZeroOrOne columns). Any mismatch, a truncated or a non-HDF5 file throws
  // InputError naming the file.
  SampleFileReader(const std::string& path, const std::string& schema_name, int schema_version,
                   const std::vector<ColumnSpec>& expected);
  ~SampleFileReader();
  SampleFileReader(SampleFileReader&&) noexcept;
  SampleFileReader& operator=(SampleFileReader&&) noexcept;

  const std::string& path() const;
  std::size_t rows() const;
  // The extents of one row as stored.
  const std::vector<std::size_t>& sample_shape(const std::string& column) const;
  std::size_t sample_elements(const std::string& column) const;
  // False for an optional column the file does not have.
  bool has_column(const std::string& column) const;

  // Reads `count` consecutive rows starting at `first` into `out` (count * sample_elements values). A float
  // value that is NaN or infinite throws InputError naming the file, the column, the row, its sample id and the
  // position (every float column of every stage file is checked as it is read, not at open).
  void read_rows(const std::string& column, std::size_t first, std::size_t count, float* out) const;
  void read_rows(const std::string& column, std::size_t first, std::size_t count, std::uint8_t* out) const;
  std::vector<std::string> read_strings(const std::string& column) const;
  std::string read_string(const std::string& column, std::size_t row) const;

  bool has_attribute(const std::string& name) const;
  std::string string_attribute(const std::string& name) const;
  std::int64_t int_attribute(const std::string& name) const;
  Provenance provenance() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace due
