#pragma once
// Which epoch's weights due-train-classifier keeps. The paper's criterion is the best validation PR-AUC, but with
// a validation set of ten samples PR-AUC takes few values and reaches 1.0 by chance at epoch 1, where a strict
// "greater than" then keeps an untrained model forever. So:
//   - no epoch before `min_epoch` is a candidate (nor any the caller excludes, e.g. the feedback baseline round);
//   - the "band" is every PR-AUC within `tolerance` of the highest candidate PR-AUC so far; a candidate in the
//     band replaces the kept epoch when its validation loss (mean cross-entropy) is lower, or when the kept epoch
//     has fallen out of the band (a higher PR-AUC arrived); a candidate above the band's old top by more than
//     `tolerance` always replaces it;
//   - an epoch without a PR-AUC (no validation positive) is never chosen; when none has one, the last epoch is
//     kept (decided by the caller, which knows the last epoch).
// The rule is online (one comparison per epoch) because keeping every epoch's weights to choose at the end would
// cost a model copy per epoch. Kept free of LibTorch.
#include <cstdint>
#include <limits>
#include <string>

namespace due {

struct SelectionRule {
  std::int64_t min_epoch = 1;  // first epoch that may be kept (1-based)
  double tolerance = 0;        // PR-AUC differences up to this are ties, broken by the validation loss
};

struct SelectionState {
  std::int64_t best_epoch = 0;  // 0: none kept yet
  double best_pr_auc = -std::numeric_limits<double>::infinity();
  double best_loss = std::numeric_limits<double>::infinity();
  double top_pr_auc = -std::numeric_limits<double>::infinity();  // highest candidate PR-AUC so far
};

// Why an epoch was or was not kept, for the log.
enum class SelectionVerdict { NotCandidate, NoPrAuc, HigherPrAuc, TieLowerLoss, KeptLeftBand, First, Worse };
const char* selection_verdict_text(SelectionVerdict verdict);

// Offers epoch `epoch` (1-based) with its validation PR-AUC (NaN when undefined) and loss; `candidate` false
// excludes it whatever its scores. Updates `state` when the epoch is kept and says why.
SelectionVerdict offer_epoch(const SelectionRule& rule, SelectionState& state, std::int64_t epoch, bool candidate,
                             double pr_auc, double loss);

inline bool kept(SelectionVerdict verdict) {
  return verdict == SelectionVerdict::HigherPrAuc || verdict == SelectionVerdict::TieLowerLoss ||
         verdict == SelectionVerdict::KeptLeftBand || verdict == SelectionVerdict::First;
}

}  // namespace due
