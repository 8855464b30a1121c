#pragma once
// Minimum-cost assignment (Hungarian / Kuhn-Munkres with potentials, O(rows^2 * cols)): MAGI matches each
// sample's observed rater masks, whose annotator is unknown, to the model's annotators by this.
#include <cstddef>
#include <vector>

namespace due {

struct Assignment {
  // column_of_row[i]: the column given to row i, or -1 when there are more rows than columns and row i got none.
  std::vector<std::ptrdiff_t> column_of_row;
  double cost = 0;  // sum of the chosen entries
};

// `cost` is rows x cols, row-major, finite. Rectangular matrices are allowed: with rows <= cols every row gets a
// distinct column (the case of fewer observed masks than annotators); with rows > cols every column gets a
// distinct row. Throws std::invalid_argument on a size mismatch or a non-finite entry.
Assignment min_cost_assignment(const std::vector<double>& cost, std::size_t rows, std::size_t cols);

}  // namespace due
