#pragma once
// Model files (interpolator.pt, npvae.pt, classifier.pt) and their training checkpoints: one LibTorch archive
// holding named modules, optimizer states and scalar metadata (kind, step, architecture, provenance). Written
// atomically; a file of another kind, or one that is not an archive, is an InputError naming the file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "io/provenance.h"

namespace due {

class CheckpointWriter {
 public:
  // `kind` names what the file holds ("due-interpolator", ...) and is checked when it is read back.
  explicit CheckpointWriter(std::string kind);

  void add_module(const std::string& name, const torch::nn::Module& module);
  void add_optimizer(const std::string& name, const torch::optim::Optimizer& optimizer);
  void add_tensor(const std::string& name, const torch::Tensor& tensor);
  void add_values(const std::string& name, const std::vector<double>& values);
  void set(const std::string& key, const std::string& value);
  void set(const std::string& key, std::int64_t value);
  void set(const std::string& key, double value);
  void set_provenance(const Provenance& provenance);

  // Writes everything to `path` through a temporary file in the same folder.
  void save(const std::string& path) const;

 private:
  std::string kind_;
  std::map<std::string, std::shared_ptr<torch::serialize::OutputArchive>> archives_;
  std::map<std::string, torch::Tensor> tensors_;
  std::map<std::string, std::string> strings_;
  std::map<std::string, std::int64_t> ints_;
  std::map<std::string, double> floats_;
};

class CheckpointReader {
 public:
  // Opens `path` and checks that it holds a checkpoint of `kind`.
  CheckpointReader(const std::string& path, const std::string& kind);

  const std::string& path() const { return path_; }
  // Loads parameters and buffers into `module`, which must have the same architecture (InputError otherwise).
  void load_module(const std::string& name, torch::nn::Module& module) const;
  void load_optimizer(const std::string& name, torch::optim::Optimizer& optimizer) const;
  torch::Tensor tensor(const std::string& name) const;
  bool has_tensor(const std::string& name) const;
  // A tensor added as a list of numbers (CheckpointWriter::add_values), back as float64 values.
  std::vector<double> values(const std::string& name) const;
  bool has(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  Provenance provenance() const;

 private:
  std::string path_;
  mutable torch::serialize::InputArchive archive_;
};

}  // namespace due
