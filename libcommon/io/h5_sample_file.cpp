#include "io/h5_sample_file.h"

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>
#include <type_traits>

#include <fcntl.h>
#include <unistd.h>

#include "io/atomic_output.h"
#include "util/errors.h"

namespace due {
namespace {

constexpr std::size_t kSmallChunkBytes = 64 * 1024;
constexpr std::size_t kMaxRowsPerChunk = 1024;

H5::StrType utf8_string_type() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}

std::size_t element_count(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (std::size_t extent : shape) n *= extent;
  return n;
}

std::size_t element_bytes(ElementType type) {
  switch (type) {
    case ElementType::Float32: return 4;
    case ElementType::UInt8: return 1;
    case ElementType::String: return sizeof(char*);
  }
  return 1;
}

const H5::DataType& memory_type(ElementType type) {
  static const H5::StrType string_type = utf8_string_type();
  switch (type) {
    case ElementType::Float32: return H5::PredType::NATIVE_FLOAT;
    case ElementType::UInt8: return H5::PredType::NATIVE_UINT8;
    case ElementType::String: return string_type;
  }
  return H5::PredType::NATIVE_UINT8;
}

const char* type_name(ElementType type) {
  switch (type) {
    case ElementType::Float32: return "float32";
    case ElementType::UInt8: return "uint8";
    case ElementType::String: return "string";
  }
  return "?";
}

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < dims.size(); ++i) out << (i ? "," : "") << dims[i];
  out << ']';
  return out.str();
}

std::string expected_shape_text(const std::vector<std::size_t>& sample_shape) {
  std::ostringstream out;
  out << "[N";
  for (std::size_t extent : sample_shape) {
    out << ',';
    if (extent == 0) {
      out << '*';
    } else {
      out << extent;
    }
  }
  out << ']';
  return out.str();
}

std::string h5_detail(const H5::Exception& e) {
  std::string detail = e.getDetailMsg();
  return detail.empty() ? "HDF5 error" : detail;
}

// HDF5 prints its error stack on every failed call unless told otherwise; we only read, from the stack, the
// system's error that its file driver recorded ("... errno = 28, error message = 'No space left on device' ..."),
// which the exception's own message ("H5Dwrite failed") does not say. It must be read as the call fails: the C++
// wrappers' cleanup while the exception unwinds makes other HDF5 calls, which clear the stack.
thread_local std::string g_system_error;

herr_t find_system_error(unsigned, const H5E_error2_t* error, void*) {
  const char* at = error->desc ? std::strstr(error->desc, "error message = '") : nullptr;
  if (at == nullptr || !g_system_error.empty()) return 0;
  at += std::strlen("error message = '");
  const char* end = std::strchr(at, '\'');
  g_system_error = end ? std::string(at, end) : std::string(at);
  return 0;
}

herr_t record_system_error(hid_t stack, void*) {
  g_system_error.clear();
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, find_system_error, nullptr);
  return 0;
}

// Replaces HDF5's printing with record_system_error, for readers and writers alike. Put back before HDF5 shuts
// down at exit: with a handler set then, a file that failed to write makes it print "infinite loop closing library".
void quiet_h5_errors() {
  H5Eset_auto2(H5E_DEFAULT, record_system_error, nullptr);
  // Registered after HDF5 started (the call above), so it runs before HDF5's own shutdown.
  static const bool registered = [] {
    std::atexit([] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
    return true;
  }();
  (void)registered;
}

// What failed, as the user can act on it: the system's error when there was one, else HDF5's message.
std::string h5_write_cause(const H5::Exception& e) {
  return g_system_error.empty() ? h5_detail(e) : g_system_error;
}

// Closes an HDF5 object of a file being abandoned, saying nothing: the error that abandons it is what the user
// sees. Should the close fail all the same, the C++ object is let go unclosed, or its destructor would try again
// and print "H5Dclose failed".
template <typename Object>
void close_quietly(std::unique_ptr<Object>& object) {
  if (!object) return;
  try {
    object->close();
    object.reset();
  } catch (const H5::Exception&) {
    (void)object.release();
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
struct SampleFileWriter::Impl {
  struct Column {
    ColumnSpec spec;
    std::unique_ptr<H5::DataSet> dataset;
    std::size_t elements = 0;
    bool written_this_row = false;
  };

  AtomicOutput output;
  std::unique_ptr<H5::H5File> file;
  std::vector<Column> columns;
  std::map<std::string, std::size_t> index;
  std::size_t rows = 0;

  explicit Impl(const std::string& final_path) : output(final_path) {}
  ~Impl() { close_all(); }

  // Closes a file that will not be committed. Closing flushes HDF5's caches, which fails again on a full disk,
  // and a failed H5Fclose leaves HDF5 1.10 with a dangling file that crashes it at exit: the file's descriptor is
  // pointed at /dev/null first, so the flush succeeds into nothing. The temporary file is removed by `output`.
  void close_all() {
    if (file) {
      void* handle = nullptr;
      if (H5Fget_vfd_handle(file->getId(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
        const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null_fd >= 0) {
          ::dup2(null_fd, *static_cast<int*>(handle));
          ::close(null_fd);
        }
      }
    }
    for (Column& c : columns) close_quietly(c.dataset);
    close_quietly(file);
  }

  // InputError "FINAL: cannot write (CAUSE)" for a failed HDF5 call on the file being written.
  [[noreturn]] void fail(const H5::Exception& e) const {
    throw InputError(output.final_path() + ": cannot write (" + h5_write_cause(e) + ")");
  }

  Column& column(const std::string& name, ElementType type) {
    const auto it = index.find(name);
    if (it == index.end()) throw std::logic_error(output.final_path() + ": no column '" + name + "' in this schema");
    Column& c = columns[it->second];
    if (c.spec.type != type)
      throw std::logic_error(output.final_path() + ": column '" + name + "' holds " + type_name(c.spec.type));
    if (c.written_this_row) throw std::logic_error(output.final_path() + ": column '" + name + "' written twice in a row");
    return c;
  }

  void write(Column& c, const void* data) {
    std::vector<hsize_t> dims{static_cast<hsize_t>(rows + 1)};
    for (std::size_t extent : c.spec.sample_shape) dims.push_back(extent);
    try {
      c.dataset->extend(dims.data());
    } catch (const H5::Exception& e) {
      fail(e);
    }
    write_row(c, rows, data);
    c.written_this_row = true;
  }

  void write_row(Column& c, std::size_t row, const void* data) {
    std::vector<hsize_t> dims{static_cast<hsize_t>(row + 1)};
    for (std::size_t extent : c.spec.sample_shape) dims.push_back(extent);
    try {
      H5::DataSpace file_space = c.dataset->getSpace();
      std::vector<hsize_t> start(dims.size(), 0), count(dims);
      start[0] = row;
      count[0] = 1;
      file_space.selectHyperslab(H5S_SELECT_SET, count.data(), start.data());
      H5::DataSpace memory_space(static_cast<int>(count.size()), count.data());
      c.dataset->write(data, memory_type(c.spec.type), memory_space, file_space);
    } catch (const H5::Exception& e) {
      fail(e);
    }
  }
};

SampleFileWriter::SampleFileWriter(const std::string& final_path, const std::string& schema_name, int schema_version,
                                   std::vector<ColumnSpec> columns, int gzip_level)
    : impl_(std::make_unique<Impl>(final_path)) {
  quiet_h5_errors();
  try {
    impl_->file = std::make_unique<H5::H5File>(impl_->output.temp_path(), H5F_ACC_TRUNC);
    for (ColumnSpec& spec : columns) {
      Impl::Column c;
      c.elements = element_count(spec.sample_shape);
      std::vector<hsize_t> dims{0}, max_dims{H5S_UNLIMITED}, chunk{1};
      for (std::size_t extent : spec.sample_shape) {
        dims.push_back(extent);
        max_dims.push_back(extent);
        chunk.push_back(extent);
      }
      // Images and masks get one sample per chunk (random access by sample, compressed alone); per-sample
      // scalars and short vectors share chunks, or a file of thousands of samples would be mostly chunk index.
      const std::size_t row_bytes = std::max<std::size_t>(1, c.elements * element_bytes(spec.type));
      const bool is_array = spec.sample_shape.size() >= 2;
      chunk[0] = is_array ? 1 : std::clamp<std::size_t>(kSmallChunkBytes / row_bytes, 1, kMaxRowsPerChunk);
      H5::DSetCreatPropList properties;
      properties.setChunk(static_cast<int>(chunk.size()), chunk.data());
      if (gzip_level > 0 && spec.type != ElementType::String) {
        properties.setShuffle();
        properties.setDeflate(static_cast<unsigned>(gzip_level));
      }
      H5::DataSpace space(static_cast<int>(dims.size()), dims.data(), max_dims.data());
      const H5::DataType& file_type = spec.type == ElementType::Float32 ? H5::PredType::IEEE_F32LE
                                      : spec.type == ElementType::UInt8 ? H5::PredType::STD_U8LE
                                                                        : memory_type(ElementType::String);
      c.dataset = std::make_unique<H5::DataSet>(impl_->file->createDataSet(spec.name, file_type, space, properties));
      c.spec = std::move(spec);
      impl_->index[c.spec.name] = impl_->columns.size();
      impl_->columns.push_back(std::move(c));
    }
  } catch (const H5::Exception& e) {
    throw InputError(final_path + ": cannot create HDF5 file (" + h5_write_cause(e) + ")");
  }
  set_attribute("schema", schema_name);
  set_attribute("schema_version", static_cast<std::int64_t>(schema_version));
}

SampleFileWriter::~SampleFileWriter() = default;

void SampleFileWriter::put(const std::string& column, const float* data) {
  impl_->write(impl_->column(column, ElementType::Float32), data);
}

void SampleFileWriter::put(const std::string& column, const std::uint8_t* data) {
  impl_->write(impl_->column(column, ElementType::UInt8), data);
}

void SampleFileWriter::put(const std::string& column, const std::string& value) {
  const char* text = value.c_str();
  impl_->write(impl_->column(column, ElementType::String), &text);
}

void SampleFileWriter::end_row() {
  for (Impl::Column& c : impl_->columns) {
    if (!c.written_this_row)
      throw std::logic_error(impl_->output.final_path() + ": row " + std::to_string(impl_->rows) + " lacks column '" +
                             c.spec.name + "'");
  }
  for (Impl::Column& c : impl_->columns) c.written_this_row = false;
  ++impl_->rows;
}

std::size_t SampleFileWriter::rows() const { return impl_->rows; }

void SampleFileWriter::overwrite(const std::string& column, std::size_t row, const std::uint8_t* data) {
  const auto it = impl_->index.find(column);
  if (it == impl_->index.end() || impl_->columns[it->second].spec.type != ElementType::UInt8)
    throw std::logic_error(impl_->output.final_path() + ": no uint8 column '" + column + "'");
  if (row >= impl_->rows) throw std::out_of_range(impl_->output.final_path() + ": row " + std::to_string(row));
  impl_->write_row(impl_->columns[it->second], row, data);
}

void SampleFileWriter::set_attribute(const std::string& name, const std::string& value) {
  try {
    const H5::StrType type = utf8_string_type();
    if (impl_->file->attrExists(name)) impl_->file->removeAttr(name);
    H5::Attribute attribute = impl_->file->createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
    attribute.write(type, H5std_string(value));
  } catch (const H5::Exception& e) {
    impl_->fail(e);
  }
}

void SampleFileWriter::set_attribute(const std::string& name, std::int64_t value) {
  try {
    if (impl_->file->attrExists(name)) impl_->file->removeAttr(name);
    H5::Attribute attribute = impl_->file->createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
    attribute.write(H5::PredType::NATIVE_INT64, &value);
  } catch (const H5::Exception& e) {
    impl_->fail(e);
  }
}

void SampleFileWriter::set_provenance(const Provenance& p) {
  for_each_provenance_field(p, [&](const char* name, const auto& value) { set_attribute(name, value); });
}

void SampleFileWriter::finish() {
  if (!impl_->file) return;
  for (const Impl::Column& c : impl_->columns) {
    if (c.written_this_row)
      throw std::logic_error(impl_->output.final_path() + ": commit in the middle of a row");
  }
  // HDF5 1.10 cannot recover from a failed file flush (its metadata cache stays half-prepared, so every later
  // flush or close fails, and a failed H5Fclose crashes it at exit). So: the datasets are closed first (their
  // chunks are most of the bytes; a failure there is an ordinary write error), then the space the file's
  // metadata will be written into is reserved, and only then is the file closed. A reservation the disk refuses
  // is the failed write, reported before HDF5 tries it.
  try {
    for (Impl::Column& c : impl_->columns) {
      c.dataset->close();
      c.dataset.reset();
    }
    void* handle = nullptr;
    if (H5Fget_vfd_handle(impl_->file->getId(), H5P_DEFAULT, &handle) >= 0 && handle != nullptr) {
      // Metadata goes to addresses HDF5 already allocated, below the end of its address space (EOA); a little
      // more for what the close itself may allocate.
      haddr_t eoa = 0;
      if (H5Fget_eoa(impl_->file->getId(), &eoa) < 0) eoa = impl_->file->getFileSize();
      const off_t reserve = static_cast<off_t>(eoa + 64 * 1024);
      if (::fallocate(*static_cast<int*>(handle), FALLOC_FL_KEEP_SIZE, 0, reserve) != 0 && errno != EOPNOTSUPP &&
          errno != ENOSYS) {
        const int error_number = errno;
        impl_->close_all();
        impl_->output.fail("write", error_number);
      }
    }
    impl_->file->close();
    impl_->file.reset();
  } catch (const H5::Exception& e) {
    const std::string cause = h5_write_cause(e);
    impl_->close_all();
    throw InputError(impl_->output.final_path() + ": cannot write (" + cause + ")");
  }
  impl_->output.finish();
}

void SampleFileWriter::commit() {
  finish();
  impl_->output.commit();
}

// ---------------------------------------------------------------------------------------------------------------
struct SampleFileReader::Impl {
  struct Column {
    ElementType type;
    std::vector<std::size_t> sample_shape;
    std::size_t elements = 0;
    H5::DataSet dataset;
  };
  std::string path;
  H5::H5File file;
  std::size_t rows = 0;
  std::map<std::string, Column> columns;

  const Column& column(const std::string& name) const {
    const auto it = columns.find(name);
    if (it == columns.end()) throw std::logic_error(path + ": column '" + name + "' was not opened");
    return it->second;
  }

  void read(const std::string& name, ElementType type, std::size_t first, std::size_t count, void* out) const {
    const Column& c = column(name);
    if (c.type != type) throw std::logic_error(path + ": column '" + name + "' holds " + type_name(c.type));
    if (first + count > rows)
      throw std::out_of_range(path + ": rows " + std::to_string(first) + ".." + std::to_string(first + count) +
                              " of '" + name + "' exceed its " + std::to_string(rows) + " rows");
    if (count == 0) return;
    try {
      H5::DataSpace file_space = c.dataset.getSpace();
      std::vector<hsize_t> start(c.sample_shape.size() + 1, 0), extent{static_cast<hsize_t>(count)};
      for (std::size_t e : c.sample_shape) extent.push_back(e);
      start[0] = first;
      file_space.selectHyperslab(H5S_SELECT_SET, extent.data(), start.data());
      H5::DataSpace memory_space(static_cast<int>(extent.size()), extent.data());
      c.dataset.read(out, memory_type(type), memory_space, file_space);
    } catch (const H5::Exception& e) {
      throw InputError(path + ": cannot read rows " + std::to_string(first) + ".." +
                       std::to_string(first + count - 1) + " of '/" + name + "' (corrupted data: " + h5_detail(e) +
                       ")");
    }
  }
};

namespace {

// " (sample 'ID')" for a file with an /id column, else nothing: how a rejected row names its sample.
std::string sample_of_row(const SampleFileReader& file, std::size_t row) {
  return file.has_column("id") ? " (sample '" + file.read_string("id", row) + "')" : "";
}

// Stages test a flag as a boolean in one place and use it as a number in another (compared with another file's
// copy, counted), so a 5 would change results without an error: the whole column is checked once, at open.
void require_zero_or_one(const SampleFileReader& file, const std::string& column) {
  const std::size_t per_row = file.sample_elements(column);
  std::vector<std::uint8_t> values(file.rows() * per_row);
  file.read_rows(column, 0, file.rows(), values.data());
  const auto bad = std::find_if(values.begin(), values.end(), [](std::uint8_t v) { return v > 1; });
  if (bad == values.end()) return;
  const std::size_t at = static_cast<std::size_t>(bad - values.begin()), row = at / per_row;
  throw InputError(file.path() + ": '/" + column + "' row " + std::to_string(row) + sample_of_row(file, row) +
                   " holds " + std::to_string(*bad) + " at index " + std::to_string(at % per_row) +
                   " (a flag is 0 or 1)");
}

}  // namespace

SampleFileReader::SampleFileReader(const std::string& path, const std::string& schema_name, int schema_version,
                                   const std::vector<ColumnSpec>& expected)
    : impl_(std::make_unique<Impl>()) {
  quiet_h5_errors();
  impl_->path = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such file");
  try {
    if (!H5::H5File::isHdf5(path)) throw InputError(path + ": not an HDF5 file");
    impl_->file = H5::H5File(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    throw InputError(path + ": cannot open as HDF5, the file is truncated or corrupted (" + h5_detail(e) + ")");
  }
  if (!has_attribute("schema"))
    throw InputError(path + ": not a due '" + schema_name + "' file (no 'schema' attribute)");
  const std::string found_schema = string_attribute("schema");
  if (found_schema != schema_name)
    throw InputError(path + ": holds schema '" + found_schema + "', expected '" + schema_name + "'");
  const std::int64_t found_version = has_attribute("schema_version") ? int_attribute("schema_version") : -1;
  if (found_version != schema_version)
    throw InputError(path + ": schema '" + schema_name + "' version " + std::to_string(found_version) +
                     ", this build reads version " + std::to_string(schema_version));

  bool first_column = true;
  for (const ColumnSpec& spec : expected) {
    Impl::Column c;
    c.type = spec.type;
    try {
      if (!impl_->file.nameExists(spec.name)) {
        if (spec.optional) continue;
        throw InputError(path + ": missing dataset '/" + spec.name + "'");
      }
      c.dataset = impl_->file.openDataSet(spec.name);
      const H5T_class_t type_class = c.dataset.getTypeClass();
      const std::size_t type_size = c.dataset.getDataType().getSize();
      const bool type_ok =
          (spec.type == ElementType::Float32 && type_class == H5T_FLOAT && type_size == 4) ||
          (spec.type == ElementType::UInt8 && type_class == H5T_INTEGER && type_size == 1 &&
           c.dataset.getIntType().getSign() == H5T_SGN_NONE) ||
          (spec.type == ElementType::String && type_class == H5T_STRING);
      if (!type_ok)
        throw InputError(path + ": dataset '/" + spec.name + "' does not hold " + type_name(spec.type) + " values");
      const H5::DataSpace space = c.dataset.getSpace();
      std::vector<hsize_t> dims(static_cast<std::size_t>(space.getSimpleExtentNdims()));
      space.getSimpleExtentDims(dims.data());
      bool shape_ok = dims.size() == spec.sample_shape.size() + 1;
      for (std::size_t i = 0; shape_ok && i < spec.sample_shape.size(); ++i) {
        shape_ok = spec.sample_shape[i] == 0 || dims[i + 1] == spec.sample_shape[i];
      }
      if (shape_ok && !first_column && dims[0] != impl_->rows) shape_ok = false;
      if (!shape_ok) {
        std::string expected_text = expected_shape_text(spec.sample_shape);
        if (!first_column) expected_text.replace(1, 1, std::to_string(impl_->rows));
        throw InputError(path + ": dataset '/" + spec.name + "' has shape " + shape_text(dims) + ", expected " +
                         expected_text);
      }
      if (first_column) impl_->rows = dims[0];
      first_column = false;
      c.sample_shape.assign(dims.begin() + 1, dims.end());
      c.elements = element_count(c.sample_shape);
    } catch (const H5::Exception& e) {
      throw InputError(path + ": cannot read dataset '/" + spec.name + "' (" + h5_detail(e) + ")");
    }
    impl_->columns.emplace(spec.name, std::move(c));
  }
  for (const ColumnSpec& spec : expected) {
    if (spec.values == ColumnValues::ZeroOrOne && has_column(spec.name)) require_zero_or_one(*this, spec.name);
  }
}

SampleFileReader::~SampleFileReader() = default;
SampleFileReader::SampleFileReader(SampleFileReader&&) noexcept = default;
SampleFileReader& SampleFileReader::operator=(SampleFileReader&&) noexcept = default;

const std::string& SampleFileReader::path() const { return impl_->path; }
std::size_t SampleFileReader::rows() const { return impl_->rows; }

const std::vector<std::size_t>& SampleFileReader::sample_shape(const std::string& column) const {
  return impl_->column(column).sample_shape;
}

bool SampleFileReader::has_column(const std::string& column) const {
  return impl_->columns.count(column) > 0;
}

std::size_t SampleFileReader::sample_elements(const std::string& column) const {
  return impl_->column(column).elements;
}

namespace {

// Where in one row an element lies, in the row's own terms: a volume's (z, y, x), before it the leading
// indices (a rater slot), or a vector's index.
std::string position_in_row(const std::vector<std::size_t>& sample_shape, std::size_t at) {
  std::vector<std::size_t> index(sample_shape.size());
  for (std::size_t d = sample_shape.size(); d-- > 0;) {
    index[d] = at % sample_shape[d];
    at /= sample_shape[d];
  }
  const auto list = [&](std::size_t from, std::size_t to) {
    std::string text;
    for (std::size_t d = from; d < to; ++d) text += (d > from ? ", " : "") + std::to_string(index[d]);
    return text;
  };
  if (index.size() < 3) return index.empty() ? "" : " at index " + list(0, index.size());
  const std::size_t volume = index.size() - 3;
  return " at " + (volume > 0 ? "index " + list(0, volume) + ", " : std::string()) + "voxel (z, y, x) = (" +
         list(volume, index.size()) + ")";
}

// A NaN or Inf in any float column (an image, a variance, a weight, a CAM) reaches every later number (loss,
// CAM, score) without saying where it came from. Checked here, on every read of rows rather than at open: a
// scan of the values just decompressed costs little beside the decompression, and opening stays cheap.
void require_finite(const SampleFileReader& file, const std::string& column, std::size_t first,
                    const std::vector<std::size_t>& sample_shape, std::size_t per_row, const float* values,
                    std::size_t count) {
  const float* end = values + count * per_row;
  const float* bad = std::find_if(values, end, [](float x) { return !std::isfinite(x); });
  if (bad == end) return;
  const std::size_t at = static_cast<std::size_t>(bad - values), row = first + at / per_row;
  throw InputError(file.path() + ": '/" + column + "' row " + std::to_string(row) + sample_of_row(file, row) +
                   " has " + (std::isnan(*bad) ? "NaN" : "an infinite value") +
                   position_in_row(sample_shape, at % per_row));
}

}  // namespace

void SampleFileReader::read_rows(const std::string& column, std::size_t first, std::size_t count, float* out) const {
  impl_->read(column, ElementType::Float32, first, count, out);
  const Impl::Column& c = impl_->column(column);
  require_finite(*this, column, first, c.sample_shape, c.elements, out, count);
}

void SampleFileReader::read_rows(const std::string& column, std::size_t first, std::size_t count,
                                 std::uint8_t* out) const {
  impl_->read(column, ElementType::UInt8, first, count, out);
}

namespace {
// The library allocates each variable-length string it reads; copy them out and hand them back.
std::vector<std::string> take_strings(std::vector<char*>& pointers) {
  std::vector<std::string> values;
  values.reserve(pointers.size());
  for (char* p : pointers) values.emplace_back(p ? p : "");
  if (!pointers.empty()) {
    const hsize_t n = pointers.size();
    H5::DataSpace space(1, &n);
    H5::DataSet::vlenReclaim(pointers.data(), memory_type(ElementType::String), space);
  }
  return values;
}
}  // namespace

std::vector<std::string> SampleFileReader::read_strings(const std::string& column) const {
  std::vector<char*> pointers(impl_->rows, nullptr);
  impl_->read(column, ElementType::String, 0, impl_->rows, pointers.data());
  return take_strings(pointers);
}

std::string SampleFileReader::read_string(const std::string& column, std::size_t row) const {
  std::vector<char*> pointers(1, nullptr);
  impl_->read(column, ElementType::String, row, 1, pointers.data());
  return take_strings(pointers).front();
}

bool SampleFileReader::has_attribute(const std::string& name) const {
  try {
    return impl_->file.attrExists(name);
  } catch (const H5::Exception&) {
    return false;
  }
}

std::string SampleFileReader::string_attribute(const std::string& name) const {
  try {
    const H5::Attribute attribute = impl_->file.openAttribute(name);
    if (attribute.getTypeClass() != H5T_STRING)
      throw InputError(impl_->path + ": attribute '" + name + "' is not a string");
    H5std_string value;
    attribute.read(attribute.getStrType(), value);
    return value;
  } catch (const H5::Exception& e) {
    throw InputError(impl_->path + ": cannot read attribute '" + name + "' (" + h5_detail(e) + ")");
  }
}

std::int64_t SampleFileReader::int_attribute(const std::string& name) const {
  try {
    const H5::Attribute attribute = impl_->file.openAttribute(name);
    if (attribute.getTypeClass() != H5T_INTEGER)
      throw InputError(impl_->path + ": attribute '" + name + "' is not an integer");
    std::int64_t value = 0;
    attribute.read(H5::PredType::NATIVE_INT64, &value);
    return value;
  } catch (const H5::Exception& e) {
    throw InputError(impl_->path + ": cannot read attribute '" + name + "' (" + h5_detail(e) + ")");
  }
}

Provenance SampleFileReader::provenance() const {
  Provenance p;
  // Absent fields stay empty (or 0): files from before a field existed still open.
  for_each_provenance_field(p, [&](const char* name, auto& field) {
    if (!has_attribute(name)) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::string>)
      field = string_attribute(name);
    else
      field = int_attribute(name);
  });
  return p;
}

}  // namespace due
