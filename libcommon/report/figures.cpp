#include "report/figures.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "report/aggregate.h"
#include "report/line_plot.h"

namespace due {
namespace {

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string join(const std::set<double>& values) {
  std::string text;
  for (double v : values) text += (text.empty() ? "" : ", ") + number_text(v);
  return text;
}

// x -> the values of one metric at x, over runs.
using PointRuns = std::map<double, std::vector<const MetricsRecord*>>;

PlotSeries series_of(const std::string& label, const PointRuns& points, double (*value)(const MetricsRecord&)) {
  PlotSeries series;
  series.label = label;
  for (const auto& [x, runs] : points) {
    std::vector<double> values;
    for (const MetricsRecord* run : runs) values.push_back(value(*run));
    const Summary s = summarise(values);
    series.x.push_back(x);
    series.y.push_back(s.mean);
    series.y_error.push_back(s.count >= 2 ? s.std : 0.0);
  }
  return series;
}

std::string caption_seeds(const std::vector<const MetricsRecord*>& runs) {
  std::set<std::string> seeds;
  for (const MetricsRecord* run : runs) seeds.insert(run->tag("seed"));
  return seeds.size() > 1 ? "mean over seeds, bars ± one standard deviation"
                          : "one seed per point, so no spread is shown";
}

}  // namespace

FigureOutcome tag_sweep_figure(const std::vector<const MetricsRecord*>& runs, const std::string& axis_tag,
                               const std::string& axis_title, const std::vector<std::string>& metric_keys,
                               const std::string& png_path, const std::string& png_link) {
  FigureOutcome outcome;
  std::vector<std::pair<std::string, PointRuns>> lines;
  std::set<double> all_values;
  std::set<std::string> other_values;  // values that are not numbers, e.g. train_size=config
  std::vector<std::string> single_point;
  for (const RunGroup& group : group_runs(runs, {axis_tag})) {
    PointRuns points;
    for (const MetricsRecord* run : group.runs) {
      double x = 0;
      if (tag_number(*run, axis_tag, x)) points[x].push_back(run);
      else if (!run->tag(axis_tag).empty()) other_values.insert(run->tag(axis_tag));
    }
    for (const auto& point : points) all_values.insert(point.first);
    if (points.size() >= 2) lines.emplace_back(group.label, points);
    else if (points.size() == 1) single_point.push_back(group.label);
  }
  if (lines.empty()) {
    std::string values;
    for (const std::string& v : other_values) values += (values.empty() ? "`" : ", `") + axis_tag + "=" + v + "`";
    outcome.markdown = "Not drawn: " +
                       (!all_values.empty()
                            ? "every configuration was run at a single " + axis_title + " (" + join(all_values) +
                                  ") in these metrics files, and one point is not a curve."
                        : !other_values.empty()
                            ? "every configuration was run at a single " + axis_title + " (" + values +
                                  ", not a number: the config's own), and one point is not a curve."
                            : "no metrics file has a numeric `" + axis_tag + "` tag.") +
                       " Run the workflow's sweep to fill it.\n";
    return outcome;
  }
  bool log_x = true;
  for (double v : all_values) log_x = log_x && v > 0;
  log_x = log_x && *all_values.rbegin() / *all_values.begin() >= 20;
  std::vector<PlotPanel> panels;
  for (const std::string& key : metric_keys) {
    const MetricDefinition& metric = scalar_metric(key);
    PlotPanel panel;
    panel.title = metric.title;
    panel.x_label = axis_title;
    panel.y_label = metric.title;
    panel.log_x = log_x;
    for (const auto& [label, points] : lines) panel.series.push_back(series_of(label, points, metric.value));
    panels.push_back(panel);
  }
  write_line_plots_png(png_path, panels);
  std::ostringstream text;
  text << "![metrics against " << axis_title << "](" << png_link << ")\n\n"
       << axis_title << " on the x axis" << (log_x ? " (log scale)" : "") << "; " << caption_seeds(runs) << ".";
  if (!single_point.empty()) {
    text << " Left out, run at one " << axis_title << " only:";
    for (std::size_t i = 0; i < single_point.size(); ++i) text << (i ? ", " : " ") << single_point[i];
    text << '.';
  }
  text << '\n';
  outcome.markdown = text.str();
  outcome.drawn = true;
  return outcome;
}

FigureOutcome threshold_figure(const std::vector<const MetricsRecord*>& runs, const std::string& png_path,
                               const std::string& png_link) {
  FigureOutcome outcome;
  const std::pair<const char*, double OverlapScores::*> scores[] = {{"IoU", &OverlapScores::iou},
                                                                    {"F1", &OverlapScores::f1}};
  const std::pair<const char*, ExplanationScoring MetricsRecord::*> scorings[] = {{"slice", &MetricsRecord::slice},
                                                                                  {"volume", &MetricsRecord::volume}};
  std::vector<PlotPanel> panels;
  for (const auto& [where, scoring] : scorings) {
    for (const auto& [title, member] : scores) {
      PlotPanel panel;
      panel.title = std::string("Explanation ") + title + " (" + where + ")";
      panel.x_label = "CAM threshold";
      panel.y_label = title;
      for (const RunGroup& group : group_runs(runs, {})) {
        std::map<double, std::vector<double>> values;
        for (const MetricsRecord* run : group.runs)
          for (const ExplanationScores& s : ((*run).*scoring).sweep) values[s.threshold].push_back(s.mean.*member);
        if (values.size() < 2) continue;
        PlotSeries series;
        series.label = group.label;
        for (const auto& [threshold, at_threshold] : values) {
          const Summary s = summarise(at_threshold);
          series.x.push_back(threshold);
          series.y.push_back(s.mean);
          series.y_error.push_back(s.count >= 2 ? s.std : 0.0);
        }
        panel.series.push_back(series);
      }
      // Old (version 1) metrics files have no slice sweep: their slice panels are left out, not drawn empty.
      if (!panel.series.empty()) panels.push_back(panel);
    }
  }
  if (panels.empty()) {
    outcome.markdown = "Not drawn: the metrics files hold a single CAM threshold (evaluate.thresholds).\n";
    return outcome;
  }
  write_line_plots_png(png_path, panels);
  outcome.markdown = "![explanation IoU and F1 against the CAM threshold](" + png_link +
                     ")\n\nGrad-CAM binarised at cam > threshold, scored against the full reference mask of every "
                     "positive test sample on the scored slice (slice) and on the volume (volume); " +
                     caption_seeds(runs) + ".\n";
  outcome.drawn = true;
  return outcome;
}

}  // namespace due
