#include <catch2/catch.hpp>

#include <algorithm>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>

#include "raters/assignment.h"

namespace {

// The cheapest assignment by trying every injective map from the shorter side to the longer one.
double brute_force_min_cost(const std::vector<double>& cost, std::size_t rows, std::size_t cols) {
  const bool by_rows = rows <= cols;
  const std::size_t shorter = by_rows ? rows : cols, longer = by_rows ? cols : rows;
  std::vector<std::size_t> order(longer);
  std::iota(order.begin(), order.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double total = 0;
    for (std::size_t k = 0; k < shorter; ++k)
      total += by_rows ? cost[k * cols + order[k]] : cost[order[k] * cols + k];
    best = std::min(best, total);
  } while (std::next_permutation(order.begin(), order.end()));
  return best;
}

void require_valid(const due::Assignment& a, const std::vector<double>& cost, std::size_t rows, std::size_t cols) {
  REQUIRE(a.column_of_row.size() == rows);
  std::set<std::ptrdiff_t> used;
  double total = 0;
  std::size_t assigned = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const std::ptrdiff_t j = a.column_of_row[i];
    if (j < 0) continue;
    REQUIRE(j < static_cast<std::ptrdiff_t>(cols));
    REQUIRE(used.insert(j).second);
    total += cost[i * cols + static_cast<std::size_t>(j)];
    ++assigned;
  }
  REQUIRE(assigned == std::min(rows, cols));
  REQUIRE(total == Approx(a.cost).margin(1e-12));
}

}  // namespace

TEST_CASE("assignment: a hand-worked 3x3", "[raters]") {
  // The six permutations cost 6, 11, 5, 9, 7, 6: rows 0,1,2 -> columns 1,0,2 (1+2+2) is the only optimum, and it
  // leaves out the matrix's smallest entry (row 1, column 1).
  const std::vector<double> cost = {4, 1, 3,
                                    2, 0, 5,
                                    3, 2, 2};
  const due::Assignment a = due::min_cost_assignment(cost, 3, 3);
  require_valid(a, cost, 3, 3);
  CHECK(a.column_of_row == std::vector<std::ptrdiff_t>{1, 0, 2});
  CHECK(a.cost == Approx(5.0));
}

TEST_CASE("assignment: equals brute force on random square and rectangular matrices up to 6x6", "[raters]") {
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> uniform(-3.0, 10.0);
  std::uniform_int_distribution<int> small(0, 3);  // integer costs: many ties
  for (std::size_t rows = 1; rows <= 6; ++rows) {
    for (std::size_t cols = 1; cols <= 6; ++cols) {
      for (int trial = 0; trial < 12; ++trial) {
        const bool with_ties = trial % 2 == 1;
        std::vector<double> cost(rows * cols);
        for (double& c : cost) c = with_ties ? small(rng) : uniform(rng);
        const due::Assignment a = due::min_cost_assignment(cost, rows, cols);
        INFO("rows " << rows << " cols " << cols << " trial " << trial);
        require_valid(a, cost, rows, cols);
        CHECK(a.cost == Approx(brute_force_min_cost(cost, rows, cols)).margin(1e-9));
      }
    }
  }
}

TEST_CASE("assignment: all-equal costs, fewer observed masks than annotators, empty and bad input", "[raters]") {
  const std::vector<double> flat(2 * 4, 1.5);
  const due::Assignment a = due::min_cost_assignment(flat, 2, 4);
  require_valid(a, flat, 2, 4);
  CHECK(a.cost == Approx(3.0));

  const std::vector<double> tall = {0, 9, 9, 0, 5, 5};  // 3 rows, 2 cols: row 2 stays unassigned
  const due::Assignment t = due::min_cost_assignment(tall, 3, 2);
  CHECK(t.column_of_row == std::vector<std::ptrdiff_t>{0, 1, -1});
  CHECK(t.cost == Approx(0.0));

  CHECK(due::min_cost_assignment({}, 0, 4).column_of_row.empty());
  CHECK_THROWS_AS(due::min_cost_assignment({1, 2, 3}, 2, 2), std::invalid_argument);
  CHECK_THROWS_AS(due::min_cost_assignment({1, std::numeric_limits<double>::quiet_NaN()}, 1, 2),
                  std::invalid_argument);
}
