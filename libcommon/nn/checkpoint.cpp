#include "nn/checkpoint.h"

#include <filesystem>
#include <type_traits>

#include "io/atomic_output.h"
#include "util/errors.h"
#include "util/text.h"

namespace due {
namespace {

const char* const kKindKey = "meta.kind";


}  // namespace

CheckpointWriter::CheckpointWriter(std::string kind) : kind_(std::move(kind)) {}

void CheckpointWriter::add_module(const std::string& name, const torch::nn::Module& module) {
  auto archive = std::make_shared<torch::serialize::OutputArchive>();
  module.save(*archive);
  archives_[name] = std::move(archive);
}

void CheckpointWriter::add_optimizer(const std::string& name, const torch::optim::Optimizer& optimizer) {
  auto archive = std::make_shared<torch::serialize::OutputArchive>();
  optimizer.save(*archive);
  archives_[name] = std::move(archive);
}

void CheckpointWriter::add_tensor(const std::string& name, const torch::Tensor& tensor) {
  tensors_[name] = tensor.detach().to(torch::kCPU).contiguous();
}

void CheckpointWriter::add_values(const std::string& name, const std::vector<double>& values) {
  add_tensor(name, torch::tensor(values, torch::kFloat64));
}

void CheckpointWriter::set(const std::string& key, const std::string& value) { strings_[key] = value; }
void CheckpointWriter::set(const std::string& key, std::int64_t value) { ints_[key] = value; }
void CheckpointWriter::set(const std::string& key, double value) { floats_[key] = value; }

void CheckpointWriter::set_provenance(const Provenance& p) {
  for_each_provenance_field(p, [&](const char* name, const auto& value) { set(std::string("provenance.") + name, value); });
}

void CheckpointWriter::save(const std::string& path) const {
  AtomicOutput output(path);
  torch::serialize::OutputArchive archive;
  archive.write(kKindKey, c10::IValue(kind_));
  for (const auto& [key, value] : strings_) archive.write("meta." + key, c10::IValue(value));
  for (const auto& [key, value] : ints_) archive.write("meta." + key, c10::IValue(value));
  for (const auto& [key, value] : floats_) archive.write("meta." + key, c10::IValue(value));
  for (const auto& [name, tensor] : tensors_) archive.write("tensor." + name, tensor, /*is_buffer=*/true);
  for (const auto& [name, sub] : archives_) archive.write("archive." + name, *sub);
  // Through the output's checked writer. The callback never throws and never reports a short write: a failure
  // inside LibTorch's zip writer would throw again from its destructor while unwinding (std::terminate). After a
  // failed write it takes the rest of the bytes without writing them, and the recorded error is thrown here.
  std::string write_error;
  archive.save_to([&](const void* data, std::size_t size) -> std::size_t {
    if (!write_error.empty()) return size;
    try {
      output.write(data, size);
    } catch (const InputError& e) {
      write_error = e.what();
    }
    return size;
  });
  if (!write_error.empty()) throw InputError(write_error);
  output.commit();
}

CheckpointReader::CheckpointReader(const std::string& path, const std::string& kind) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(path + ": no such file");
  try {
    archive_.load_from(path);
  } catch (const c10::Error& e) {
    throw InputError(path + ": not a due model file (" + first_line(e.what_without_backtrace()) + ")");
  }
  c10::IValue value;
  if (!archive_.try_read(kKindKey, value) || !value.isString())
    throw InputError(path + ": not a due model file (no kind recorded)");
  if (value.toStringRef() != kind)
    throw InputError(path + ": holds a " + value.toStringRef() + ", expected a " + kind);
}

void CheckpointReader::load_module(const std::string& name, torch::nn::Module& module) const {
  torch::serialize::InputArchive sub;
  if (!archive_.try_read("archive." + name, sub)) throw InputError(path_ + ": no module '" + name + "'");
  // Module::load replaces each tensor whatever its shape: compare the shapes ourselves.
  std::map<std::string, std::vector<std::int64_t>> expected;
  for (const auto& item : module.named_parameters()) expected[item.key()] = item.value().sizes().vec();
  for (const auto& item : module.named_buffers()) expected[item.key()] = item.value().sizes().vec();
  try {
    module.load(sub);
  } catch (const c10::Error& e) {
    throw InputError(path_ + ": module '" + name + "' does not fit this architecture (" +
                     first_line(e.what_without_backtrace()) + ")");
  }
  auto check = [&](const std::string& key, const torch::Tensor& value) {
    if (value.sizes().vec() != expected.at(key))
      throw InputError(path_ + ": module '" + name + "' does not fit this architecture (" + key + " has shape " +
                       c10::str(value.sizes()) + ")");
  };
  for (const auto& item : module.named_parameters()) check(item.key(), item.value());
  for (const auto& item : module.named_buffers()) check(item.key(), item.value());
}

void CheckpointReader::load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer) const {
  torch::serialize::InputArchive sub;
  if (!archive_.try_read("archive." + name, sub)) throw InputError(path_ + ": no optimizer state '" + name + "'");
  try {
    optimizer.load(sub);
  } catch (const c10::Error& e) {
    throw InputError(path_ + ": optimizer state '" + name + "' does not fit (" + first_line(e.what_without_backtrace()) +
                     ")");
  }
}

torch::Tensor CheckpointReader::tensor(const std::string& name) const {
  torch::Tensor tensor;
  if (!archive_.try_read("tensor." + name, tensor, /*is_buffer=*/true))
    throw InputError(path_ + ": no tensor '" + name + "'");
  return tensor;
}

bool CheckpointReader::has_tensor(const std::string& name) const {
  torch::Tensor tensor;
  return archive_.try_read("tensor." + name, tensor, /*is_buffer=*/true);
}

std::vector<double> CheckpointReader::values(const std::string& name) const {
  const torch::Tensor t = tensor(name).to(torch::kFloat64).contiguous();
  return std::vector<double>(t.data_ptr<double>(), t.data_ptr<double>() + t.numel());
}

bool CheckpointReader::has(const std::string& key) const {
  c10::IValue value;
  return archive_.try_read("meta." + key, value);
}

std::string CheckpointReader::get_string(const std::string& key) const {
  c10::IValue value;
  if (!archive_.try_read("meta." + key, value) || !value.isString())
    throw InputError(path_ + ": no text entry '" + key + "'");
  return value.toStringRef();
}

std::int64_t CheckpointReader::get_int(const std::string& key) const {
  c10::IValue value;
  if (!archive_.try_read("meta." + key, value) || !value.isInt())
    throw InputError(path_ + ": no integer entry '" + key + "'");
  return value.toInt();
}

double CheckpointReader::get_float(const std::string& key) const {
  c10::IValue value;
  if (!archive_.try_read("meta." + key, value) || !value.isDouble())
    throw InputError(path_ + ": no number entry '" + key + "'");
  return value.toDouble();
}

Provenance CheckpointReader::provenance() const {
  Provenance p;
  // Absent fields stay empty (or 0): checkpoints from before a field existed still load.
  for_each_provenance_field(p, [&](const char* name, auto& field) {
    const std::string key = std::string("provenance.") + name;
    if (!has(key)) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, std::string>)
      field = get_string(key);
    else
      field = get_int(key);
  });
  return p;
}

}  // namespace due
