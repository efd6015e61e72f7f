// Summaries of repeated measurements: the median, which outliers on a shared machine barely move.
#pragma once

#include <algorithm>
#include <vector>

namespace monocell::bench {

struct Summary {
  double median = 0;
  double min = 0;
  double max = 0;
};

inline double median_of(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const size_t middle = samples.size() / 2;
  if (samples.size() % 2 == 1) return samples[middle];
  return (samples[middle - 1] + samples[middle]) / 2;
}

inline Summary summarize(const std::vector<double>& samples) {
  if (samples.empty()) return {};
  const auto [low, high] = std::minmax_element(samples.begin(), samples.end());
  return Summary{median_of(samples), *low, *high};
}

}  // namespace monocell::bench
