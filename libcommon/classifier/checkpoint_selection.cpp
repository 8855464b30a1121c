#include "classifier/checkpoint_selection.h"

#include <algorithm>
#include <cmath>

namespace due {

const char* selection_verdict_text(SelectionVerdict verdict) {
  switch (verdict) {
    case SelectionVerdict::NotCandidate: return "not a candidate (before the minimum epoch or excluded)";
    case SelectionVerdict::NoPrAuc: return "no validation PR-AUC (no validation positive)";
    case SelectionVerdict::HigherPrAuc: return "higher validation PR-AUC beyond the tolerance";
    case SelectionVerdict::TieLowerLoss: return "validation PR-AUC tied within the tolerance, lower validation loss";
    case SelectionVerdict::KeptLeftBand: return "higher validation PR-AUC left the kept epoch outside the tolerance";
    case SelectionVerdict::First: return "first candidate with a validation PR-AUC";
    case SelectionVerdict::Worse: return "not better than the kept epoch";
  }
  return "?";
}

SelectionVerdict offer_epoch(const SelectionRule& rule, SelectionState& state, std::int64_t epoch, bool candidate,
                             double pr_auc, double loss) {
  if (!candidate || epoch < rule.min_epoch) return SelectionVerdict::NotCandidate;
  if (std::isnan(pr_auc)) return SelectionVerdict::NoPrAuc;
  SelectionVerdict verdict = SelectionVerdict::Worse;
  const double previous_top = state.top_pr_auc;
  state.top_pr_auc = std::max(state.top_pr_auc, pr_auc);
  const double band_floor = state.top_pr_auc - rule.tolerance;
  if (state.best_epoch == 0)
    verdict = SelectionVerdict::First;
  else if (pr_auc > previous_top + rule.tolerance)
    verdict = SelectionVerdict::HigherPrAuc;
  else if (pr_auc >= band_floor && state.best_pr_auc < band_floor)
    verdict = SelectionVerdict::KeptLeftBand;
  // A NaN loss never wins a tie (the comparison is false).
  else if (pr_auc >= band_floor && loss < state.best_loss)
    verdict = SelectionVerdict::TieLowerLoss;
  if (kept(verdict)) {
    state.best_epoch = epoch;
    state.best_pr_auc = pr_auc;
    state.best_loss = loss;
  }
  return verdict;
}

}  // namespace due
