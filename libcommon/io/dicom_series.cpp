#include "io/dicom_series.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <gdcmAttribute.h>
#include <gdcmReader.h>
#include <gdcmTrace.h>
#include <itkGDCMImageIO.h>
#include <itkGDCMSeriesFileNames.h>
#include <itkImage.h>
#include <itkImageSeriesReader.h>
#include <itkImageSeriesWriter.h>
#include <itkMetaDataObject.h>
#include <itkNumericSeriesFileNames.h>

#include "io/itk_bridge.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {


std::string tag(const itk::MetaDataDictionary& dictionary, const std::string& key) {
  std::string value;
  itk::ExposeMetaData<std::string>(dictionary, key, value);
  return trimmed(value);
}


// GDCM (and so ITK) reads a file cut short without complaint, padding the missing pixels. Reading up to the pixel
// data while skipping it leaves the stream where its value starts; the image attributes say how long it must be.
void require_complete_pixel_data(const std::string& file) {
  const gdcm::Tag pixel_data(0x7fe0, 0x0010);
  gdcm::Reader reader;
  reader.SetFileName(file.c_str());
  if (!reader.ReadUpToTag(pixel_data, {pixel_data})) throw InputError(file + ": not a readable DICOM file");
  const gdcm::File& header = reader.GetFile();
  if (header.GetHeader().GetDataSetTransferSyntax().IsEncapsulated()) return;  // fragments carry their own lengths
  const gdcm::DataSet& data = header.GetDataSet();
  auto attribute = [&](auto tag, std::uint64_t fallback) -> std::uint64_t {
    if (!data.FindDataElement(tag.GetTag())) return fallback;
    tag.SetFromDataSet(data);
    return static_cast<std::uint64_t>(tag.GetValue());
  };
  const std::uint64_t rows = attribute(gdcm::Attribute<0x0028, 0x0010>{}, 0);
  const std::uint64_t columns = attribute(gdcm::Attribute<0x0028, 0x0011>{}, 0);
  const std::uint64_t bits = attribute(gdcm::Attribute<0x0028, 0x0100>{}, 16);
  const std::uint64_t samples = attribute(gdcm::Attribute<0x0028, 0x0002>{}, 1);
  const std::uint64_t needed = reader.GetStreamCurrentPosition() + rows * columns * samples * ((bits + 7) / 8);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size < needed)
    throw InputError(file + ": truncated (" + std::to_string(size) + " bytes, pixel data needs " +
                     std::to_string(needed) + ")");
}

}  // namespace

std::vector<DicomSeriesFiles> find_dicom_series(const std::string& folder) {
  namespace fs = std::filesystem;
  // Their text would reach stderr as is; the problems are reported as ours (files_outside_series, InputError).
  gdcm::Trace::WarningOff();
  gdcm::Trace::ErrorOff();
  itk::Object::GlobalWarningDisplayOff();
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw InputError(folder + ": not a folder");
  std::set<std::string> folders{fs::path(folder).lexically_normal().string()};
  for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec)) folders.insert(it->path().lexically_normal().string());
  }
  std::vector<DicomSeriesFiles> found;
  for (const std::string& candidate : folders) {
    bool has_files = false;
    for (const auto& entry : fs::directory_iterator(candidate, ec)) {
      if (entry.is_regular_file(ec) && entry.path().extension() != ".xml") {
        has_files = true;
        break;
      }
    }
    if (!has_files) continue;
    auto names = itk::GDCMSeriesFileNames::New();
    names->SetUseSeriesDetails(false);
    names->SetRecursive(false);
    names->SetDirectory(candidate);
    for (const std::string& uid : names->GetSeriesUIDs()) {
      DicomSeriesFiles series;
      series.folder = candidate;
      series.series_uid = uid;
      series.files = names->GetFileNames(uid);
      if (!series.files.empty()) found.push_back(std::move(series));
    }
  }
  return found;
}

std::vector<std::string> files_outside_series(const std::vector<DicomSeriesFiles>& series) {
  namespace fs = std::filesystem;
  std::set<std::string> folders, held;
  for (const DicomSeriesFiles& s : series) {
    folders.insert(s.folder);
    for (const std::string& file : s.files) held.insert(fs::path(file).lexically_normal().string());
  }
  std::vector<std::string> problems;
  for (const std::string& folder : folders) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec))
      if (entry.is_regular_file(ec) && entry.path().extension() != ".xml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      if (held.count(file.lexically_normal().string())) continue;
      const auto size = fs::file_size(file, ec);
      problems.push_back(file.string() + ": " +
                         (ec ? "cannot be read" : size == 0 ? "empty (0 bytes)" : "not a DICOM slice (" + std::to_string(size) + " bytes)") +
                         ", left out of the series");
    }
  }
  return problems;
}

ScanVolume read_dicom_series(const DicomSeriesFiles& series) {
  using Image = itk::Image<float, 3>;
  ScanVolume scan;
  scan.source = series.folder;
  if (series.files.size() < 2) throw InputError(series.folder + ": series has fewer than 2 slices");
  for (const std::string& file : series.files) require_complete_pixel_data(file);
  auto io = itk::GDCMImageIO::New();
  auto reader = itk::ImageSeriesReader<Image>::New();
  reader->SetImageIO(io);
  reader->SetFileNames(series.files);
  try {
    reader->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(series.folder + ": cannot read DICOM series (" + first_line(e.GetDescription()) + ")");
  }
  scan.geometry = geometry_of(*reader->GetOutput());
  for (double spacing : scan.geometry.spacing)
    if (!(spacing > 0) || !std::isfinite(spacing))
      throw InputError(series.files.front() + ": pixel spacing or slice step " + std::to_string(spacing) +
                       " mm is not positive (0028,0030 / 0020,0032)");
  scan.hu = values_of(*reader->GetOutput());

  const auto* dictionaries = reader->GetMetaDataDictionaryArray();
  for (std::size_t k = 0; k < series.files.size(); ++k) {
    const itk::MetaDataDictionary& d = *(*dictionaries)[k];
    scan.sop_uids.push_back(tag(d, "0008|0018"));
    const std::string position = tag(d, "0020|0032");
    double xyz[3] = {0, 0, 0};
    if (std::sscanf(position.c_str(), "%lf\\%lf\\%lf", &xyz[0], &xyz[1], &xyz[2]) != 3)
      throw InputError(series.files[k] + ": no image position (0020,0032)");
    scan.slice_positions.push_back(xyz[2]);
    if (k == 0) scan.patient_id = tag(d, "0010|0020");
  }
  scan.series_uid = series.series_uid;

  // ITK reads a series with gaps as if it were regular: check the slice steps ourselves.
  std::vector<double> steps;
  for (std::size_t k = 1; k < scan.slice_positions.size(); ++k)
    steps.push_back(std::abs(scan.slice_positions[k] - scan.slice_positions[k - 1]));
  const auto [smallest, largest] = std::minmax_element(steps.begin(), steps.end());
  if (*smallest < 1e-3) throw InputError(series.folder + ": two slices share one position");
  if (*largest > *smallest * 1.5)
    throw InputError(series.folder + ": missing slices (slice step varies from " + std::to_string(*smallest) + " to " +
                     std::to_string(*largest) + " mm)");
  return scan;
}

void write_dicom_series(const ScanVolume& volume, const DicomWriteSpec& spec) {
  // Float HU in, with rescale tags: GDCM stores (HU - intercept) / slope as integers, as scanners do.
  using Image3 = itk::Image<float, 3>;
  using Image2 = itk::Image<float, 2>;
  const VolumeShape& shape = volume.geometry.shape;
  const auto image = itk_image_copy(volume.geometry, volume.hu);

  auto io = itk::GDCMImageIO::New();
  io->KeepOriginalUIDOn();
  std::vector<itk::MetaDataDictionary*> dictionaries;
  std::vector<std::unique_ptr<itk::MetaDataDictionary>> owned;
  std::vector<std::string> files;
  const auto& g = volume.geometry;
  auto number = [](double value) {
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
  };
  for (std::size_t z = 0; z < shape.depth; ++z) {
    auto d = std::make_unique<itk::MetaDataDictionary>();
    const Point3 position = g.to_physical(static_cast<double>(z), 0, 0);
    itk::EncapsulateMetaData<std::string>(*d, "0008|0060", "CT");
    itk::EncapsulateMetaData<std::string>(*d, "0008|0016", "1.2.840.10008.5.1.4.1.1.2");
    itk::EncapsulateMetaData<std::string>(*d, "0008|0018", spec.sop_uids.at(z));
    itk::EncapsulateMetaData<std::string>(*d, "0010|0020", spec.patient_id);
    itk::EncapsulateMetaData<std::string>(*d, "0020|000d", spec.study_uid);
    itk::EncapsulateMetaData<std::string>(*d, "0020|000e", spec.series_uid);
    itk::EncapsulateMetaData<std::string>(*d, "0020|0013", std::to_string(z + 1));
    itk::EncapsulateMetaData<std::string>(*d, "0020|0032",
                                          number(position[0]) + "\\" + number(position[1]) + "\\" + number(position[2]));
    itk::EncapsulateMetaData<std::string>(*d, "0020|0037", "1\\0\\0\\0\\1\\0");
    itk::EncapsulateMetaData<std::string>(*d, "0028|0030", number(g.spacing[1]) + "\\" + number(g.spacing[2]));
    itk::EncapsulateMetaData<std::string>(*d, "0018|0050", number(g.spacing[0]));
    itk::EncapsulateMetaData<std::string>(*d, "0028|1052", number(spec.rescale_intercept));
    itk::EncapsulateMetaData<std::string>(*d, "0028|1053", "1");
    itk::EncapsulateMetaData<std::string>(*d, "0028|0004", "MONOCHROME2");
    itk::EncapsulateMetaData<std::string>(*d, "0028|0100", "16");  // stored as signed 16-bit
    itk::EncapsulateMetaData<std::string>(*d, "0028|0101", "16");
    itk::EncapsulateMetaData<std::string>(*d, "0028|0102", "15");
    itk::EncapsulateMetaData<std::string>(*d, "0028|0103", "1");
    dictionaries.push_back(d.get());
    owned.push_back(std::move(d));
    files.push_back(spec.folder + "/" + std::to_string(z) + ".dcm");
  }
  auto writer = itk::ImageSeriesWriter<Image3, Image2>::New();
  writer->SetInput(image);
  writer->SetImageIO(io);
  writer->SetFileNames(files);
  writer->SetMetaDataDictionaryArray(&dictionaries);
  try {
    writer->Update();
  } catch (const itk::ExceptionObject& e) {
    throw InputError(spec.folder + ": cannot write DICOM series (" + first_line(e.GetDescription()) + ")");
  }
}

}  // namespace due
