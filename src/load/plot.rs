//! `--plot FILE.svg`: latency over time per request kind (top) and the
//! latency percentile distribution per kind (bottom).

use std::path::Path;

use plotters::prelude::*;

use super::client::Kind;
use super::error::LoadError;
use super::stats::{Bucket, Stats};

/// The percentile axis is -log10(1 - q): 1 is p90, 2 is p99, 3 is p99.9.
fn percentile_label(x: &f64) -> String {
    let p = 100.0 * (1.0 - 10f64.powf(-x));
    // Enough decimals to tell p99.9 from p99.99, no more.
    let decimals = (x.ceil() as usize).saturating_sub(2).max(1);
    let s = format!("{p:.decimals$}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

fn color(kind: Kind) -> RGBColor {
    let c = Palette99::pick(kind.index()).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// A log axis needs strictly positive bounds with some room around the data.
fn log_bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| *v > 0.0)
        .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi <= 0.0 {
        (0.01, 1.0)
    } else {
        (lo / 1.5, hi * 1.5)
    }
}

fn draw_inner(path: &Path, title: &str, series: &[Bucket], stats: &Stats) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<_>| e.to_string();
    let root = SVGBackend::new(path, (1100, 1000)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(500);

    let by_kind = stats.by_kind();
    let kinds: Vec<Kind> = by_kind.keys().copied().collect();
    let t_max = series.last().map_or(1.0, |b| b.start_s + 1.0);
    let (lo, hi) = log_bounds(
        series
            .iter()
            .flat_map(|b| b.kinds.values())
            .flat_map(|k| [k.latency.p50_ms, k.latency.p99_ms]),
    );
    let mut chart = ChartBuilder::on(&top)
        .caption(
            format!("{title}: latency over time (p50 bold, p99 thin)"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..t_max, (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("seconds since start")
        .y_desc("latency (ms)")
        .draw()
        .map_err(err)?;
    for &kind in &kinds {
        let points = |pick: fn(&super::stats::Percentiles) -> f64| {
            series
                .iter()
                .filter_map(|b| {
                    b.kinds
                        .get(&kind)
                        .map(|k| (b.start_s, pick(&k.latency).max(lo)))
                })
                .collect::<Vec<_>>()
        };
        let c = color(kind);
        chart
            .draw_series(LineSeries::new(points(|p| p.p50_ms), c.stroke_width(2)))
            .map_err(err)?
            .label(kind.name())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                points(|p| p.p99_ms),
                c.mix(0.5).stroke_width(1),
            ))
            .map_err(err)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;

    // Past -log10(1/n) a histogram of n values has nothing more to say.
    let x_max = by_kind
        .values()
        .map(|(h, _)| (h.len().max(10) as f64).log10().ceil())
        .fold(1.0f64, f64::max)
        .min(5.0);
    let (lo, hi) = log_bounds(
        by_kind
            .values()
            .flat_map(|(h, _)| [h.min() as f64 / 1000.0, h.max() as f64 / 1000.0]),
    );
    let mut chart = ChartBuilder::on(&bottom)
        .caption(
            format!("{title}: latency by percentile"),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_labels(x_max as usize * 2 + 1)
        .x_label_formatter(&percentile_label)
        .draw()
        .map_err(err)?;
    for (&kind, (hist, _)) in &by_kind {
        let steps = 200;
        let points: Vec<(f64, f64)> = (0..=steps)
            .map(|i| {
                let x = x_max * f64::from(i) / f64::from(steps);
                let q = 1.0 - 10f64.powf(-x);
                (x, (hist.value_at_quantile(q) as f64 / 1000.0).max(lo))
            })
            .collect();
        let c = color(kind);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(err)?
            .label(kind.name())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

/// Draw both plots into one SVG file.
pub fn draw(path: &Path, title: &str, series: &[Bucket], stats: &Stats) -> Result<(), LoadError> {
    draw_inner(path, title, series, stats).map_err(|detail| LoadError::Plot {
        path: path.to_path_buf(),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::percentile_label;

    #[test]
    fn percentile_axis_labels() {
        assert_eq!(percentile_label(&0.0), "0%");
        assert_eq!(percentile_label(&1.0), "90%");
        assert_eq!(percentile_label(&2.0), "99%");
        assert_eq!(percentile_label(&3.0), "99.9%");
        assert_eq!(percentile_label(&4.0), "99.99%");
        assert_eq!(percentile_label(&0.5), "68.4%");
    }
}
