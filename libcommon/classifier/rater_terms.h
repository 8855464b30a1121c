#pragma once
// How several raters' masks enter the classifier's explanation terms (--raters, docs/raters.md). The rater
// choice rewrites a method's terms rather than the trainer: consensus and random give the terms that read the
// human annotation ("human") the aggregated rater mask instead; mean-loss evaluates such a term once per
// available rater and averages; magi replaces the method's explanation terms by MAGI's generation and
// explanation losses, with the MAGI model a submodule of the term (so the classifier's optimizer trains it and
// its checkpoint saves it). The per-rater targets are "raters" [P, R, spatial...] and "rater_present" [P, R], and
// with per-rater imputation "rater_imputed" and "rater_weight" [P, R, spatial...].
#include <cstdint>
#include <string>
#include <vector>

#include "classifier/methods.h"
#include "models/magi.h"

namespace due {

struct RaterSettings {
  std::string choice = "none";    // none | consensus | random | mean-loss | magi
  double consensus_level = 0.5;   // consensus: share of the available raters that must mark a voxel
  double lambda_exp = 0.1;        // magi: weight of the explanation loss
  double lambda_gen = 0.1;        // magi: weight of the generation loss
  MagiOptions magi;               // magi: sizes; annotators 0 = the dataset's rater slots
  double kl_weight = 0.01;        // magi: weight of the KL terms in the generation loss
  bool balance_lesion = true;     // magi: lesion-balanced L1 in the generation loss (docs/raters.md)
  // random and mean-loss: a term's imputed annotation and weights are the rater's own ("rater_imputed",
  // "rater_weight": annotations.h5 imputed per rater) rather than /mask's. Set by the trainer from annotations.h5.
  bool per_rater_annotations = false;
};

// The names --raters accepts; std::invalid_argument listing them for anything else.
void check_rater_choice(const std::string& choice);

// `terms` of a method (dims 2 or 3) rewritten for settings.choice (returned unchanged for "none"). `raters` is the
// dataset's rater slot count, `seed` the run's seed (random and magi draw from streams derived from it).
// UsageError when the choice does not apply to the method (no term reads the human annotation; magi on 2D).
std::vector<WeightedTerm> with_rater_choice(std::vector<WeightedTerm> terms, const std::string& method, int dims,
                                            const RaterSettings& settings, std::int64_t raters, std::uint64_t seed);

// The MAGI model inside an objective built by with_rater_choice("magi"), or null.
MagiModel* magi_model_of(const std::vector<WeightedTerm>& terms);

}  // namespace due
