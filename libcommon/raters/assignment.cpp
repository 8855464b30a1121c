#include "raters/assignment.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace due {
namespace {

// rows <= cols. The classic shortest-augmenting-path form with row and column potentials (u, v): one row is
// added per round, and the potentials keep every reduced cost non-negative, so each round is O(rows * cols).
std::vector<std::ptrdiff_t> assign_rows(const std::vector<double>& a, std::size_t n, std::size_t m) {
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based with a virtual column 0 that holds the row being inserted.
  std::vector<double> u(n + 1, 0), v(m + 1, 0);
  std::vector<std::size_t> row_of_col(m + 1, 0), way(m + 1, 0);
  for (std::size_t i = 1; i <= n; ++i) {
    row_of_col[0] = i;
    std::size_t j0 = 0;
    std::vector<double> min_reduced(m + 1, inf);
    std::vector<char> used(m + 1, 0);
    do {
      used[j0] = 1;
      const std::size_t i0 = row_of_col[j0];
      double delta = inf;
      std::size_t j1 = 0;
      for (std::size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double reduced = a[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (reduced < min_reduced[j]) {
          min_reduced[j] = reduced;
          way[j] = j0;
        }
        if (min_reduced[j] < delta) {
          delta = min_reduced[j];
          j1 = j;
        }
      }
      for (std::size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[row_of_col[j]] += delta;
          v[j] -= delta;
        } else {
          min_reduced[j] -= delta;
        }
      }
      j0 = j1;
    } while (row_of_col[j0] != 0);
    do {  // flip the augmenting path
      const std::size_t j1 = way[j0];
      row_of_col[j0] = row_of_col[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<std::ptrdiff_t> column_of_row(n, -1);
  for (std::size_t j = 1; j <= m; ++j)
    if (row_of_col[j] != 0) column_of_row[row_of_col[j] - 1] = static_cast<std::ptrdiff_t>(j - 1);
  return column_of_row;
}

}  // namespace

Assignment min_cost_assignment(const std::vector<double>& cost, std::size_t rows, std::size_t cols) {
  if (cost.size() != rows * cols) throw std::invalid_argument("min_cost_assignment: cost is not rows x cols");
  for (double c : cost)
    if (!std::isfinite(c)) throw std::invalid_argument("min_cost_assignment: cost has a non-finite entry");
  Assignment result;
  result.column_of_row.assign(rows, -1);
  if (rows == 0 || cols == 0) return result;
  if (rows <= cols) {
    result.column_of_row = assign_rows(cost, rows, cols);
  } else {
    std::vector<double> transposed(cost.size());
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) transposed[j * rows + i] = cost[i * cols + j];
    const std::vector<std::ptrdiff_t> row_of_col = assign_rows(transposed, cols, rows);
    for (std::size_t j = 0; j < cols; ++j) result.column_of_row[static_cast<std::size_t>(row_of_col[j])] =
        static_cast<std::ptrdiff_t>(j);
  }
  for (std::size_t i = 0; i < rows; ++i)
    if (result.column_of_row[i] >= 0) result.cost += cost[i * cols + static_cast<std::size_t>(result.column_of_row[i])];
  return result;
}

}  // namespace due
